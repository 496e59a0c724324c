"""The script that gives Streamlit's own English texts in Italian (components.layout.A11Y_SCRIPT), run in
Chromium on a page of our own: it must translate, and stay linear in the size and depth of the page (a walk
that recursed per node was exponential in the depth and froze the renderer on Inserimento)."""

from __future__ import annotations

import json

import pytest

from components.layout import A11Y_SCRIPT, STREAMLIT_ITALIAN

pytestmark = pytest.mark.timeout(60)  # the old walk froze Chromium: fail in a minute, not at the suite's end
DEPTH = 400  # far deeper than any Streamlit page; 2**400 steps would never end


def _load(page, body: str) -> None:
    page.set_default_timeout(10000)  # a frozen renderer fails the test in seconds, not at the suite's end
    script = A11Y_SCRIPT % json.dumps(STREAMLIT_ITALIAN, ensure_ascii=False)
    page.set_content(f"<html><body>{body}{script}</body></html>", wait_until="commit")


def test_deep_page_is_translated_and_the_page_stays_responsive(page):
    deep = "<div>" * DEPTH + '<span id="leaf" aria-label="Open">Choose an option</span>' + "</div>" * DEPTH
    _load(page, deep)
    page.wait_for_function(
        "document.documentElement.lang === 'it' && document.getElementById('leaf').textContent !== 'Choose an option'",
        timeout=10000,
    )
    assert page.locator("#leaf").inner_text() == STREAMLIT_ITALIAN["Choose an option"]
    assert page.locator("#leaf").get_attribute("aria-label") == STREAMLIT_ITALIAN["Open"]
    assert page.evaluate("document.documentElement.lang") == "it"


def test_nodes_added_later_deep_ones_too_are_translated(page):
    _load(page, '<div id="root"></div>')
    page.evaluate(
        """(depth) => {
        let node = document.getElementById('root');
        for (let i = 0; i < depth; i++) { const d = document.createElement('div'); node.appendChild(d); node = d; }
        const leaf = document.createElement('span'); leaf.id = 'late'; leaf.textContent = '200MB per file';
        leaf.setAttribute('title', 'Remove file.xlsx');
        node.appendChild(leaf);
    }""",
        DEPTH,
    )
    page.wait_for_function("document.getElementById('late').textContent.startsWith('massimo')", timeout=10000)
    assert page.locator("#late").inner_text() == "massimo 200 MB per file"
    assert page.locator("#late").get_attribute("title") == "Togli file.xlsx"
    page.evaluate("document.getElementById('late').setAttribute('placeholder', 'Choose options')")
    wanted = json.dumps(STREAMLIT_ITALIAN["Choose options"])
    page.wait_for_function(
        f"document.getElementById('late').getAttribute('placeholder') === {wanted}",
        timeout=10000,
    )

"""The annual report's HTML opened from disk in Chromium with every network request aborted: the charts are drawn
from the inlined Plotly, nothing leaves the machine, no script error, and a user's HTML shows as text."""

from __future__ import annotations

from pathlib import Path

import pytest

from models import report_export
from models.db import session_scope
from tests.browser.conftest import screenshot
from tests.test_report_export import HTML_ATTACK, add_indicator_values, populate

FIGURES = 5  # bands of the I and II semester, money by area and by funding source, trend


@pytest.fixture
def report_file(small_plan, tmp_path) -> Path:
    populate(small_plan)
    add_indicator_values(small_plan)
    with session_scope(small_plan) as s:
        html = report_export.annual_report_html(2025, actor=None, session=s)
    path = tmp_path / report_export.annual_report_name(2025, "html")
    path.write_bytes(html)
    return path


def test_annual_html_draws_its_charts_offline(page, report_file):
    requests: list[str] = []
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.route("**/*", lambda r: r.abort() if not r.request.url.startswith("file:") else r.continue_())
    page.goto(report_file.as_uri())
    page.wait_for_function(
        f"[...document.querySelectorAll('.plotly-graph-div')].filter(d => d.querySelector('.main-svg')).length"
        f" >= {FIGURES}",
        timeout=30000,
    )
    graphs = page.locator(".plotly-graph-div")
    assert graphs.count() == FIGURES
    for i in range(FIGURES):
        assert graphs.nth(i).locator(".main-svg").count() >= 1, f"figure {i + 1} not drawn"
    assert page.locator(".plotly-graph-div .barlayer .point").count() > 0  # bars, not only empty axes
    assert page.title().startswith("Report annuale 2025")
    assert page.locator("td", has_text=HTML_ATTACK).count() == 1  # the critical issue, as text
    assert page.locator("img").count() == 0
    page.wait_for_timeout(300)  # a late request or error would show up here
    assert [u for u in requests if not u.startswith("file:")] == []
    assert errors == [] and dialogs == []
    screenshot(page, "report_annuale_html")

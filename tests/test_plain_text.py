"""User-set texts are shown as plain text, never as Markdown or HTML (issue 15): a display name such as
"[Sessione scaduta: accedi qui](http://x)" must not become a link in another user's screen.

AppTest gives the Markdown source each element sends to the browser; `renders_link` says whether the browser's
Markdown (GitHub flavour: links, autolinks, raw HTML) would turn any part of it into a link.
"""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from components.safe import md_escape
from models.db import session_scope
from models.reports import ConflictError
from models.users import create_user
from tests.apptest_helpers import PASSWORD, app_env, logged_in, prepared, shown_table

HOSTILE_NAME = "[Sessione scaduta: accedi qui](http://x)"
HOSTILE_TEXTS = [
    HOSTILE_NAME,
    "<a href='http://x'>qui</a>",
    "http://x.example/login",
    "www.example.com",
    "**grassetto** :red[rosso] :material/lock: $x^2$",
    "![img](http://x/p.png)",
]
# An unescaped [text](url) or ![alt](url), a bare URL or www. (autolinked), an <a>/<img> tag or <http:...>.
_LINK = re.compile(
    r"(?<!\\)\[[^\]]*(?<!\\)\]\("  # [text](url), ![alt](url)
    r"|(?<![\\/])\b(?:https?|ftp)://|(?<![\\.])\bwww\."  # autolinked URLs
    r"|(?<!\\)<(?:a|img)\b|(?<!\\)<https?:",
    re.IGNORECASE,
)  # raw HTML, <http:...>


def renders_link(markdown: str) -> bool:
    return bool(_LINK.search(markdown))


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_md_escape_leaves_no_link_and_keeps_the_words(text):
    assert renders_link(text) or "grassetto" in text  # the check itself sees the danger
    escaped = md_escape(text)
    assert not renders_link(escaped)
    assert re.sub(r"\\(.)", r"\1", escaped) == text  # what the reader sees is exactly what was typed


def _markdown_of(at) -> list[str]:
    return [
        e.value
        for kind in ("markdown", "caption", "error", "warning", "info", "success")
        for e in at.get(kind)
        if isinstance(getattr(e, "value", None), str)
    ]


@pytest.fixture
def app_db(tmp_path):
    with app_env(tmp_path / "app.sqlite3") as engine:
        yield prepared(engine)


def test_a_hostile_display_name_is_plain_text_in_the_sidebar(app_db):
    with session_scope(app_db) as s:
        create_user(
            s,
            actor=None,
            username="mallory",
            name=HOSTILE_NAME,
            role="comitato",
            areas=[],
            password=PASSWORD,
            one_time=False,
        )
    at = logged_in("mallory")
    assert not at.exception
    shown = [c.value for c in at.sidebar.caption]
    assert any("Sessione scaduta" in c for c in shown)
    assert not any(renders_link(c) for c in shown), shown


def _conflict_panel_script() -> None:
    from types import SimpleNamespace

    import streamlit as st

    from components import entry_messages
    from models.reports import ConflictError

    view = SimpleNamespace(objective={"id": 1}, semester={"id": 1})
    error = ConflictError([("Criticità", None, st.session_state["hostile"])], st.session_state["hostile"])
    st.session_state[entry_messages.conflict_key(view)] = (str(error), error.changes)
    entry_messages.conflict_panel(view)


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_the_conflict_panel_shows_the_other_users_name_as_plain_text(text):
    at = AppTest.from_function(_conflict_panel_script, default_timeout=30)
    at.session_state["hostile"] = text
    at.run()
    assert not at.exception
    panel = _markdown_of(at)
    assert any("Qualcun altro" in m for m in panel)
    assert not any(renders_link(m) for m in panel), panel
    assert str(ConflictError([], "x")).startswith("Qualcun altro (x)")


def test_users_page_shows_names_and_lock_events_in_plain_tables(app_db):
    with session_scope(app_db) as s:
        create_user(
            s,
            actor=None,
            username="mallory",
            name=HOSTILE_NAME,
            role="comitato",
            areas=[],
            password=PASSWORD,
            one_time=False,
        )
    at = logged_in("uff", "pages/utenti.py")
    assert not at.exception
    assert HOSTILE_NAME in set(shown_table(at.table[0])["Nome e cognome"])  # escaped in the HTML table: shown as typed
    assert not any(renders_link(m) for m in _markdown_of(at))


def _table_script() -> None:
    import pandas as pd
    import streamlit as st

    from components.safe import plain_table

    rows = st.session_state["rows"]
    plain_table(pd.DataFrame({"Testo": rows, "Importo": [1.5] * len(rows)}, index=rows))


@pytest.mark.parametrize("text", [*HOSTILE_TEXTS, "- elenco", "1. elenco", "*Servizi*", "# titolo"])
def test_plain_table_cells_and_row_labels_are_text_not_markdown(text):
    """st.table renders its cells as Markdown (a [link](url) is a link, "- " a list, *x* italics): plain_table,
    the only way the app draws one, escapes every text cell and row label; numbers stay numbers."""
    at = AppTest.from_function(_table_script)
    at.session_state["rows"] = [text]
    at.run()
    assert not at.exception, at.exception
    table = at.table[0].value
    cell, label = table["Testo"].iloc[0], table.index[0]
    assert cell == label == md_escape(text) and not renders_link(cell)
    assert table["Importo"].iloc[0] == 1.5


def test_st_table_is_drawn_only_through_plain_table():
    from tests.apptest_helpers import ui_files_containing

    assert ui_files_containing("st.table(") == ["components/safe.py"]

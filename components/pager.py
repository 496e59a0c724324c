"""Long lists one page at a time: "Report 1–25 di 1.463" with *Precedenti* / *Successivi*.

A list that fits in one page is drawn whole, with no control (the real plan's lists look as before). The page
is kept in the session under `key` (a plain value, not a widget's: Streamlit forgets the state of a widget it
did not draw); a list that shrank (a filter, an approval) shows its last page rather than an empty one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import streamlit as st

from models.formatting import number

T = TypeVar("T")

PAGE_SIZE = 25  # rows of a list
BUTTON_PAGE_SIZE = 60  # small buttons side by side: the whole real plan (57 objectives) in one page
TABLE_PAGE_SIZE = 200  # rows of a scrolling table (st.dataframe): all of the real plan, not 5,000 rows per run
HTML_TABLE_PAGE_SIZE = 60  # rows of an HTML table (safe.plain_table): a closed real plan's 57 cards in one page


def page_count(total: int, size: int = PAGE_SIZE) -> int:
    return max(1, -(-total // size))


def range_label(page: int, total: int, noun: str, size: int = PAGE_SIZE) -> str:
    """'Report 1–25 di 1.463' (Italian thousands)."""
    first, last = page * size + 1, min(total, (page + 1) * size)
    return f"{noun} {number(first)}–{number(last)} di {number(total)}"


def _step(key: str, delta: int, pages: int) -> None:
    st.session_state[key] = min(max(0, st.session_state.get(key, 0) + delta), pages - 1)


def _picked(key: str, widget: str) -> None:
    st.session_state[key] = st.session_state[widget]


def paginate(items: Sequence[T], *, key: str, noun: str, label: str, size: int | None = None) -> Sequence[T]:
    """The items of the current page; draws the control when there is more than one page. `label` names the
    page selector for screen readers (e.g. "Pagina della coda")."""
    size = size or PAGE_SIZE
    total = len(items)
    if total <= size:
        return items
    pages = page_count(total, size)
    page = min(max(0, int(st.session_state.get(key, 0))), pages - 1)
    st.session_state[key] = page
    # the widget's key holds the total: when the list changes, a new selector shows the new labels
    widget = f"{key}_of_{total}"
    if st.session_state.get(widget) != page:  # set only when it differs: a set value is pushed to the browser
        st.session_state[widget] = page
    back, pick, forward = st.columns([1, 3, 1], vertical_alignment="center")
    back.button(
        "‹ Precedenti", key=f"{key}_back", disabled=page == 0, on_click=_step, args=(key, -1, pages), width="stretch"
    )
    pick.selectbox(
        label,
        range(pages),
        key=widget,
        format_func=lambda p: range_label(p, total, noun, size),
        label_visibility="collapsed",
        on_change=_picked,
        args=(key, widget),
    )
    forward.button(
        "Successivi ›",
        key=f"{key}_forward",
        disabled=page == pages - 1,
        on_click=_step,
        args=(key, 1, pages),
        width="stretch",
    )
    return items[page * size : (page + 1) * size]

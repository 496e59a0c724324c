"""A long list shown a page at a time: a select box names the part shown ("Obiettivi 1–20 di 530").

A list that fits in one page is returned whole and draws nothing, so short lists look as if there were no pager.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import streamlit as st

T = TypeVar("T")

PAGE_SIZE = 20


def range_label(noun: str, start: int, total: int, size: int = PAGE_SIZE) -> str:
    """'Obiettivi 21–40 di 530': the items of the page starting at `start` (0-based)."""
    return f"{noun} {start + 1}–{min(start + size, total)} di {total}"


def page_of(items: Sequence[T], *, label: str, key: str, noun: str, size: int = PAGE_SIZE) -> Sequence[T]:
    """The page of `items` chosen in a select box labelled `label` (the first page until one is chosen).
    Give a `key` that changes when the list does (e.g. with the search words): a new list starts at its first
    page."""
    total = len(items)
    if total <= size:
        return items
    start = st.selectbox(
        label,
        range(0, total, size),
        key=key,
        format_func=lambda s: range_label(noun, s, total, size),
        width=300,  # as wide as its longest option, not the page
    )
    return items[start : start + size]

"""User-typed text shown back as text: markdown specials escaped, never HTML."""

import re
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from models.scoring import BANDS

_MD_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md_escape(text: str | None) -> str:
    """Escape a user's text for st.markdown/st.info & co.: every markdown and HTML special is literal."""
    return _MD_SPECIALS.sub(r"\\\1", text or "")


def _cell(value: Any) -> Any:
    return md_escape(value) if isinstance(value, str) else value


def plain_table(
    frame: pd.DataFrame,
    *,
    hide_index: bool = False,
    column_styles: Mapping[str, Callable[[pd.Series], list[str]]] | None = None,
) -> None:
    """st.table, whose cells are Markdown, with every text cell and row label escaped: a plan's or a user's text
    reads as typed (an asterisk stays an asterisk, "- " does not start a list, [a](b) is not a link). The column
    headers are the app's own. `column_styles`: a column's CSS per cell, from its values (e.g. band colours)."""
    shown = frame.map(_cell)
    shown.index = pd.Index([_cell(label) for label in shown.index])
    if not column_styles:
        st.table(shown, hide_index=hide_index)
        return
    styled = shown.style
    for column, style in column_styles.items():
        styled = styled.apply(style, subset=[column])
    st.table(styled, hide_index=hide_index)


def band_colours(column: pd.Series) -> list[str]:
    """plain_table's `column_styles` for a column of band labels: each cell in its band's colours."""
    styles = {b.label: f"background-color: {b.colour}; color: {b.value.text_colour}" for b in BANDS}
    return [styles.get(value, "") for value in column]

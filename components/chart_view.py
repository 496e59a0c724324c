"""Charts on a page: the figure, and its figures as a real table under it (what a screen reader reads instead)."""

import pandas as pd
import streamlit as st

from components.layout import projector_mode
from components.safe import md_escape, plain_table
from models import charts

CHART_CONFIG = {"displayModeBar": False, "displaylogo": False}  # mayors read, they do not zoom


def chart(fig, key: str) -> None:
    """The one way a page draws a chart: with its text alternative, except on the projector (whose screen must
    fit 1280x720: its tables are on the normal page)."""
    st.plotly_chart(fig, key=key, config=CHART_CONFIG, width="stretch")
    if not projector_mode():
        chart_as_table(fig)


def chart_as_table(fig) -> None:
    """The chart's figures as a real table (row and column headers) under it, folded: what a screen reader
    reads instead of the picture, and what anyone can copy."""
    alt = charts.text_alternative(fig)
    with st.expander(f"Dati del grafico in tabella: {md_escape(alt.title)}"):
        plain_table(
            pd.DataFrame([row[1:] for row in alt.rows], index=[row[0] for row in alt.rows], columns=alt.header[1:])
        )

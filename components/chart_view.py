"""A chart's text alternative: its figures as a real table under it (what a screen reader reads instead)."""

import pandas as pd
import streamlit as st

from components.safe import md_escape, plain_table
from models import charts


def chart_as_table(fig) -> None:
    """The chart's figures as a real table (row and column headers) under it, folded: what a screen reader
    reads instead of the picture, and what anyone can copy."""
    alt = charts.text_alternative(fig)
    with st.expander(f"Dati del grafico in tabella: {md_escape(alt.title)}"):
        plain_table(
            pd.DataFrame([row[1:] for row in alt.rows], index=[row[0] for row in alt.rows], columns=alt.header[1:])
        )

"""plotly.js loaded once per browser session, in idle time after the first signed-in page is drawn: the Cruscotto
(or the Piano 2021-2023) reached from the menu then draws its first chart without first evaluating Streamlit's
4.7 MB Plotly bundle (~0.5 s of the browser's main thread here). A tab opened straight on the Cruscotto still
loads it there."""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path

import streamlit as st

# Constant, so that the Content-Security-Policy allows it by its hash (components/scripts.py): the chunk's file
# name travels in the span's data attribute. Resolved against the frontend's own bundle, as its lazy import is,
# so that the browser's module map holds one Plotly module, evaluated once.
PRELOAD_JS = (
    "(function(){var s=document.currentScript,v=s&&s.previousElementSibling;"
    "if(!v||!v.dataset.chunk||window.__pdzCharts)return;window.__pdzCharts='waiting';"
    "var m=document.querySelector('script[type=module][src*=\"/js/index.\"]');if(!m)return;"
    "var u=new URL(v.dataset.chunk,m.src).href,idle=window.requestIdleCallback||function(f){setTimeout(f,0);};"
    "setTimeout(function(){idle(function(){window.__pdzCharts='loading';"
    "import(u).then(function(){window.__pdzCharts='loaded';},function(){window.__pdzCharts='failed';});},"
    "{timeout:5000});},1500);})();"
)


@cache
def plotly_chunk() -> str | None:
    """The file name of Streamlit's Plotly bundle (PlotlyChart.<hash>.js), or None if this release has none."""
    found = sorted((Path(st.__file__).parent / "static" / "static" / "js").glob("PlotlyChart.*.js"))
    return found[0].name if len(found) == 1 else None


def preload_html(chunk: str | None) -> str:
    value = html.escape(chunk or "", quote=True)
    # The style hides the element's own container: no empty line in the sidebar.
    return (
        "<style>[data-testid='stElementContainer']:has(#pdz-chart-preload){display:none}</style>"
        f"<span id='pdz-chart-preload' data-chunk=\"{value}\" hidden></span><script>{PRELOAD_JS}</script>"
    )


def preload_charts() -> None:
    """Call once per run of a signed-in page (the sidebar does); does nothing in a tab that has loaded it."""
    if chunk := plotly_chunk():
        st.html(preload_html(chunk), unsafe_allow_javascript=True)

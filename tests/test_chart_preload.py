"""Plotly's bundle preloaded in idle time (components/chart_preload.py); the browser side is in
tests/browser/test_cruscotto.py."""

from __future__ import annotations

import streamlit as st

from components.chart_preload import PRELOAD_JS, plotly_chunk, preload_html
from components.scripts import INLINE_HTML
from models.web_guard import inline_scripts


def test_this_streamlit_has_one_plotly_bundle():
    """A Streamlit upgrade that renames or splits the bundle must be noticed here, not lose the preload."""
    from pathlib import Path

    name = plotly_chunk()
    assert name and name.startswith("PlotlyChart.") and name.endswith(".js")
    bundle = Path(st.__file__).parent / "static" / "static" / "js" / name
    assert bundle.stat().st_size > 1_000_000  # the whole of plotly.js, not a stub


def test_the_script_is_constant_and_allowed_by_the_csp():
    one, other = preload_html("PlotlyChart.abc.js"), preload_html(None)
    assert inline_scripts(one) == inline_scripts(other) == [PRELOAD_JS]
    assert PRELOAD_JS in [b for fragment in INLINE_HTML for b in inline_scripts(fragment)]


def test_the_chunk_name_is_an_escaped_attribute():
    fragment = preload_html('x"><script>alert(1)</script>')
    assert fragment.count("<script>") == 1
    assert 'data-chunk="x&quot;&gt;&lt;script&gt;' in fragment

"""Every inline script the app's pages run (st.html with unsafe_allow_javascript): each is constant, and app.py
gives them to the Content-Security-Policy, which allows exactly these by their sha256 (models/web_guard.py).
A script added to a page without being listed here is blocked by the browser: list its HTML here."""

from __future__ import annotations

from components.auth_gate import cookie_script
from components.chart_preload import preload_html
from components.field_errors import FOCUS_JS
from components.layout import A11Y_HTML

INLINE_HTML: tuple[str, ...] = (
    A11Y_HTML,
    cookie_script(None),  # the script is the same whatever the cookie's value
    f"<script>{FOCUS_JS}</script>",
    preload_html(None),  # the script is the same whatever the chunk's name
)

"""Entrypoint: login gate, per-role navigation, frame; then the chosen page (components/frame.py).

The same file is the server: `streamlit run app.py` finds `app = st.App(...)` below and serves it (uvicorn), so
the read API (/api/v1/, models/web_api.py) and the security middleware (models/web_guard.py) share the process,
port and database with the pages. Imported by the server there is no script run, and the ASGI app is built;
run by Streamlit for a browser session (or by AppTest), this file draws the page.
"""

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

if get_script_run_ctx(suppress_warning=True) is None:  # imported by the server: build the ASGI app
    from pathlib import Path

    from components.scripts import INLINE_HTML
    from models.web_guard import asgi_routes, middleware

    index = Path(st.__file__).parent / "static" / "index.html"  # its inline script is allowed by the CSP
    app = st.App(__file__, routes=asgi_routes(), middleware=middleware(pages=INLINE_HTML, streamlit_index=index))
else:
    from components.frame import run_app
    from models.config import configure_logging

    configure_logging()  # idempotent: once per process
    run_app()

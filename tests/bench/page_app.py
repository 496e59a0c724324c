"""Benchmark entrypoint: the app as app.py runs it, landing on the page named by PDZ_BENCH_PAGE.

A fresh AppTest cannot open a st.navigation page by its address on its first run, so the page to measure is
made the landing page. `pages` here is a link to the app's pages/, so that page files and st.page_link resolve
as they do from app.py.
"""

import os

from components.frame import run_app

run_app(landing=os.environ.get("PDZ_BENCH_PAGE", "home"))

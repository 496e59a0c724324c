"""Benchmark figures that use the Excel module and the app process."""
from __future__ import annotations

import time
from pathlib import Path

from tests.bench.run_bench import BENCH, Figure, measure


def semester_report(url: str) -> Figure:
    raise NotImplementedError("semester report not wired yet")


def annual_report(url: str) -> Figure:
    raise NotImplementedError("annual report not wired yet")


def import_template(url: str, rows: int) -> Figure:
    raise NotImplementedError("import not wired yet")


def peak_memory(url: str) -> Figure:
    """Peak resident memory (VmHWM) of the streamlit process after serving the Cruscotto three times."""
    from playwright.sync_api import sync_playwright

    from tests.bench.servers import serve
    from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS
    with serve(BENCH / "cruscotto_app.py", url) as crus_url, sync_playwright() as pw:
        pid = serve.pid
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        for _ in range(3):
            ctx = b.new_context(viewport={"width": 1280, "height": 720})
            pg = ctx.new_page()
            pg.goto(crus_url)
            pg.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=300000)
            time.sleep(2)
            ctx.close()
        b.close()
        status = Path(f"/proc/{pid}/status").read_text()
    kb = int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1])
    return Figure("size100: memoria di picco del processo app", [kb / 1024], "MB")

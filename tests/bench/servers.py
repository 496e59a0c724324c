"""Start `streamlit run` on a free port for the benchmark, and stop it."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from tests.browser.conftest import free_port, stop_process, wait_healthy

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def serve(script: Path, db_url: str):
    port = free_port()
    env = {**os.environ, "PDZ_DATABASE_URL": db_url, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(script),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        if not wait_healthy(url, 60):
            raise RuntimeError(f"{script.name} did not start")
        serve.pid = proc.pid
        yield url
    finally:
        stop_process(proc)

"""Start `streamlit run` on a free port for the benchmark, and stop it."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from tests.browser.conftest import _free_port

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def serve(script: Path, db_url: str):
    port = _free_port()
    env = {**os.environ, "PDZ_DATABASE_URL": db_url, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=1).status == 200:
                    break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError(f"{script.name} did not start") from None
                time.sleep(0.2)
        serve.pid = proc.pid
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()

"""Start `streamlit run` servers on free ports for the benchmark, and stop them."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.browser.conftest import free_port, stop_process, wait_healthy

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Served:
    url: str
    pid: int


def _start(script: Path, db_url: str) -> tuple[subprocess.Popen, str]:
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
    return proc, f"http://127.0.0.1:{port}"


@contextmanager
def serve_all(db_url: str, *scripts: Path) -> Iterator[list[Served]]:
    """One server per script, started together (a start takes seconds: they overlap), stopped at the end."""
    started: list[tuple[subprocess.Popen, str]] = []
    try:
        for script in scripts:
            started.append(_start(script, db_url))
        for (_proc, url), script in zip(started, scripts, strict=True):
            if not wait_healthy(url, 60):
                raise RuntimeError(f"{script.name} did not start")
        yield [Served(url, proc.pid) for proc, url in started]
    finally:
        for proc, _url in started:
            stop_process(proc)


@contextmanager
def serve(script: Path, db_url: str) -> Iterator[str]:
    with serve_all(db_url, script) as (served,):
        yield served.url

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


def _start(script: Path, db_url: str, plan_dir: Path | None = None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PDZ_DATABASE_URL": db_url, "PYTHONPATH": str(ROOT)}
    if plan_dir is not None:
        env["PDZ_PLAN_DIR"] = str(plan_dir)
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
    """One server per script on one database (the plan of PDZ_PLAN_DIR), stopped at the end."""
    with serve_apps(*((script, db_url, None) for script in scripts)) as served:
        yield served


@contextmanager
def serve_apps(*apps: tuple[Path, str, Path | None]) -> Iterator[list[Served]]:
    """One server per (script, database URL, plan folder or None for PDZ_PLAN_DIR's), started together (a start
    takes seconds: they overlap), stopped at the end."""
    started: list[tuple[subprocess.Popen, str]] = []
    try:
        for script, db_url, plan_dir in apps:
            started.append(_start(script, db_url, plan_dir))
        for (_proc, url), (script, _db, _plan) in zip(started, apps, strict=True):
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

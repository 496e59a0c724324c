"""Files for download (reports, entry template, plan workbook, open data) built in a process of their own.

A size-100 report holds ~90 MB of rows and cells while it is built. Built in the app's process (one Streamlit
server for every session), that memory would stay with the server (Python seldom gives it back) and the build
would hold the interpreter for seconds, stalling the other sessions' pages. So a worker builds each file: a
Python process started in advance with the builders imported (`python -m models.file_worker`), which reads one
job on stdin, writes the file, or the refusal, on stdout and exits, giving all its memory back. One worker waits
ready; the next starts as soon as one is given a job. The job names the database and the login; the worker checks the
login again (models.sessions.build_for_login) and builds in one transaction, as the app process did.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models import config
from models.errors import DomainError

ROOT = Path(__file__).resolve().parents[1]
JOB_TIMEOUT_S = 600  # the largest file measured takes seconds; a worker still busy after this is stopped
FAILED = (
    "Il file non è stato preparato per un errore interno (registrato nel log dell'app): riprovare; se il problema "
    "continua, avvisare l'Ufficio di Piano."
)

log = logging.getLogger(__name__)


class FileNotBuilt(DomainError, RuntimeError):
    """The worker could not build the file (it stopped, or a programming error: its traceback is in the log)."""


@dataclass(frozen=True)
class Job:
    """One file: `build(*args, session=..., actor=<the login's user now>, **kwargs)` for the login given."""

    database_url: str
    username: str | None
    logged_in_at: float | None
    build: Callable[..., Any]
    args: tuple = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    pass_actor: bool = True
    settings: dict[str, str] = field(default_factory=config.settings_now)  # the app's now, not the worker's
    directory: str = field(default_factory=lambda: str(Path.cwd()))  # where relative paths (a SQLite file) start


_lock = threading.Lock()
_ready: subprocess.Popen | None = None


def start_worker() -> subprocess.Popen:
    """A new worker: `python -m models.file_worker`, importing the builders until its job arrives."""
    # stderr is the app's: a worker's log lines and tracebacks go where the app's go
    return subprocess.Popen(
        [sys.executable, "-m", "models.file_worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=ROOT,
        env=config.worker_environment(ROOT),
    )


def warm() -> None:
    """Have a worker ready (started now if none is): its imports take a second or two, before the click."""
    global _ready
    with _lock:
        if _ready is None or _ready.poll() is not None:
            _ready = start_worker()


def stop_ready() -> None:
    """End the worker waiting for a job, if any (an empty job: it exits)."""
    global _ready
    with _lock:
        worker, _ready = _ready, None
    if worker is not None and worker.poll() is None:
        assert worker.stdin is not None
        worker.stdin.close()
        worker.wait(60)


def take_worker() -> subprocess.Popen:
    """The ready worker (or a new one), and the next started at once: its imports overlap this build, so a second
    download right after the first does not wait for them."""
    global _ready
    with _lock:
        worker, _ready = _ready, None
    worker = worker if worker is not None and worker.poll() is None else start_worker()
    warm()
    return worker


def build_file(job: Job) -> Any:
    """The file `job` asks for, built by a worker; the worker's DomainError (a refusal) is raised here as it is.

    A file comes back after a small header with its size, read straight into one bytes object: the 18 MB
    annual HTML of size 100 is held once in the app process, not twice as a pickled answer would be."""
    worker = take_worker()
    assert worker.stdin is not None and worker.stdout is not None
    deadline = threading.Timer(JOB_TIMEOUT_S, worker.kill)
    deadline.start()
    try:
        worker.stdin.write(pickle.dumps(job))
        worker.stdin.close()
        status, value, size = pickle.load(worker.stdout)  # our own worker's answer
        if size is not None:
            value = worker.stdout.read(size)
            if len(value) != size:
                raise EOFError(f"{len(value)} of {size} bytes")
        worker.wait()
    except (EOFError, OSError, ValueError, pickle.UnpicklingError) as exc:
        worker.kill()
        worker.wait()
        log.error("file worker gave no file (%s): %s", exc, getattr(job.build, "__name__", job.build))
        raise FileNotBuilt(FAILED) from None
    finally:
        deadline.cancel()
        worker.stdout.close()
    if status == "ok":
        return value
    raise value


def _portable(exc: DomainError) -> DomainError:
    """The refusal as the app can read it back: itself when it survives pickling, else its message."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001  (a subclass whose constructor takes other arguments)
        return DomainError(str(exc))


def run_job(job: Job) -> tuple[str, Any]:
    """In the worker: ("ok", file) or ("refused", DomainError)."""
    from models import sessions
    from models.db import get_engine, session_scope

    config.use_settings(job.settings)
    os.chdir(job.directory)
    try:
        with session_scope(get_engine(job.database_url)) as session:
            built = sessions.build_for_login(
                job.username,
                job.logged_in_at,
                job.build,
                *job.args,
                session=session,
                pass_actor=job.pass_actor,
                **job.kwargs,
            )
        return "ok", built
    except DomainError as exc:
        return "refused", _portable(exc)
    except Exception:  # noqa: BLE001  (logged with its traceback; the app says only that it failed)
        log.error("file not built: %s\n%s", getattr(job.build, "__name__", job.build), traceback.format_exc())
        return "refused", FileNotBuilt(FAILED)


def main() -> int:
    # The builders, imported while the worker waits for its job (what makes it ready), the tables' mappers
    # configured and Plotly's first figure made: the first query and the first chart would do it after the click.
    from sqlalchemy.orm import configure_mappers

    from models import entry_template, open_data, plan_export, plan_template, report_export, report_html, report_xlsx  # noqa: F401

    configure_mappers()
    report_html.prepare()
    config.configure_logging()
    data = sys.stdin.buffer.read()
    if not data:  # the app stopped before giving a job
        return 0
    # run_job of the module, not of this __main__: what it sends back must be importable in the app by name
    from models import file_worker

    status, value = file_worker.run_job(pickle.loads(data))  # from the app process that started this worker
    out = sys.stdout.buffer
    if isinstance(value, bytes):  # the file after its header: read by the app without a copy
        pickle.dump((status, None, len(value)), out)
        out.write(value)
    else:
        pickle.dump((status, value, None), out)
    out.flush()
    return 0


def finish(code: int) -> None:
    """Exit without the interpreter's clean-up: tearing down every imported module took 0.3-0.5 s, which the
    app waited for after the file had arrived. The database connections are closed first (a PostgreSQL server
    logs a connection dropped without its goodbye), the log is flushed; the worker has nothing else to keep."""
    from models.db import dispose_engines

    dispose_engines()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    finish(main())

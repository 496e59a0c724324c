"""models/file_worker.py: a file for download is built by another process, as the app process would build it,
for the login as it is at the click; a refusal or a failure reaches the app as a message."""

from __future__ import annotations

import io
import os
import time

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from models import file_worker, plan_export, sessions
from models.db import get_engine, session_scope
from models.permissions import PermissionDenied
from models.startup import prepare_database
from models.tables import User
from tests.apptest_helpers import add_users
from tests.conftest import SMALL_PLAN
from tests.file_builders import broken_builder, builder_pid, builder_with_exit_hook


def cells(content: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


@pytest.fixture
def plan_url(empty_database_url):
    engine = get_engine(empty_database_url)
    prepare_database(engine, SMALL_PLAN)
    add_users(engine, [("uff", "ufficio_di_piano", [])])
    return empty_database_url


def job(url: str, build, **kwargs) -> file_worker.Job:
    return file_worker.Job(url, "uff", time.time(), build, **kwargs)


def test_the_file_is_built_by_another_process_and_is_the_app_process_own(plan_url):
    assert file_worker.build_file(job(plan_url, builder_pid)) != os.getpid()
    built = file_worker.build_file(job(plan_url, plan_export.export_plan_xlsx, pass_actor=False))
    with session_scope(get_engine(plan_url)) as s:
        here = sessions.build_for_login("uff", time.time(), plan_export.export_plan_xlsx, session=s, pass_actor=False)
    assert cells(built) == cells(here)
    assert len(cells(built)["Obiettivi"]) > 1


def test_a_login_ended_since_the_page_was_drawn_gets_the_refusal(plan_url):
    drawn_at = time.time() - 5
    with session_scope(get_engine(plan_url)) as s:
        user = s.exec(select(User).where(User.username == "uff")).one()
        user.active = False
        s.add(user)
    with pytest.raises(PermissionDenied, match="Accesso non più valido"):
        file_worker.build_file(file_worker.Job(plan_url, "uff", drawn_at, builder_pid))


def test_a_programming_error_in_the_worker_is_a_message_and_the_next_file_is_built(plan_url):
    with pytest.raises(file_worker.FileNotBuilt) as refused:
        file_worker.build_file(job(plan_url, broken_builder))
    assert str(refused.value) == file_worker.FAILED
    assert file_worker.build_file(job(plan_url, builder_pid)) != os.getpid()


def test_every_download_button_of_the_app_gets_its_file_from_a_worker(monkeypatch):
    """components/auth_gate.download_data, which every download button uses, hands the build to a worker."""
    from components import auth_gate

    jobs: list[file_worker.Job] = []
    monkeypatch.setattr(file_worker, "warm", lambda: None)
    monkeypatch.setattr(file_worker, "build_file", lambda job: jobs.append(job) or b"file")
    data = auth_gate.download_data(plan_export.export_plan_xlsx, pass_actor=False, plan_id=7)
    assert data() == b"file"
    assert [(j.build, j.args, j.kwargs, j.pass_actor) for j in jobs] == [
        (plan_export.export_plan_xlsx, (), {"plan_id": 7}, False)
    ]


def test_a_relative_database_address_means_the_same_file_for_the_worker(tmp_path, monkeypatch):
    """PDZ_DATABASE_URL=sqlite:///pdz.sqlite3 is relative to the directory the app was started in: the worker,
    started from the project's folder, must read that file, not create an empty one of its own."""
    monkeypatch.chdir(tmp_path)
    url = "sqlite:///relativo.sqlite3"
    engine = get_engine(url)
    prepare_database(engine, SMALL_PLAN)
    add_users(engine, [("uff", "ufficio_di_piano", [])])
    assert file_worker.build_file(job(url, builder_pid)) != os.getpid()


def test_the_worker_exits_without_the_interpreters_clean_up(plan_url, tmp_path, monkeypatch):
    """After its answer the worker ends at once: tearing down every imported module took 0.3-0.5 s, which the app
    waited for with the file already read. Exit code 0, and no clean-up hook ran."""
    file_worker.stop_ready()
    started: list = []
    real_start = file_worker.start_worker
    monkeypatch.setattr(file_worker, "start_worker", lambda: started.append(real_start()) or started[-1])
    marker = tmp_path / "clean-up"
    assert file_worker.build_file(job(plan_url, builder_with_exit_hook, args=(str(marker),))) == b"file"
    assert started[0].returncode == 0
    assert not marker.exists()
    file_worker.stop_ready()  # the spare started for the next click: ends on an empty job
    assert all(spare.returncode == 0 for spare in started[1:])


def test_a_worker_imports_no_migration_code():
    """The builders never migrate: Alembic (half a second of imports with Mako and Pygments) is imported only
    where the schema is created or upgraded, so a worker is ready sooner."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from models import entry_template, open_data, plan_export, plan_template, report_export, report_xlsx\n"
        "from models import file_worker, sessions\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako', 'pygments')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=file_worker.ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_disposing_the_engines_closes_their_pooled_connections(plan_url):
    from models.db import dispose_engines

    engine = get_engine(plan_url)
    with session_scope(engine) as s:
        s.exec(select(User)).all()
    dispose_engines()
    assert engine.pool.checkedin() == 0


def test_the_next_worker_starts_as_soon_as_one_is_given_a_job(monkeypatch):
    """Its imports (seconds) overlap the build under way: a second download right after the first finds it ready."""

    class Starting:
        stdin = io.BytesIO()

        def poll(self):
            return None  # running

        def wait(self, timeout):
            return 0

    file_worker.stop_ready()
    started: list[Starting] = []
    monkeypatch.setattr(file_worker, "start_worker", lambda: started.append(Starting()) or started[-1])
    assert file_worker.take_worker() is started[0]
    assert len(started) == 2  # the next one, already starting
    assert file_worker.take_worker() is started[1]
    file_worker.stop_ready()


def test_a_worker_makes_plotlys_first_figure_before_its_job_arrives(monkeypatch):
    """Plotly's lazy imports and its JavaScript (~0.25 s in a new process) are paid while the worker waits, not
    after the click that sends the job."""
    import sys
    from types import SimpleNamespace

    from models import config, report_html

    done: list[str] = []
    monkeypatch.setattr(report_html, "prepare", lambda: done.append("plotly prepared"))
    monkeypatch.setattr(config, "configure_logging", lambda: None)  # the test process keeps its own logging
    job_source = SimpleNamespace(read=lambda: done.append("job read") or b"")  # the app stopped: no job
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=job_source))
    assert file_worker.main() == 0
    assert done == ["plotly prepared", "job read"]

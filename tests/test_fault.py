"""A save cut off half-way (process killed, connection dropped) leaves the database as it was before it."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal

import pytest
from sqlalchemy import text
from sqlmodel import Session, SQLModel, select

from models.db import make_engine
from models.tables import Report
from tests.test_concurrency import report_keys, save_once, seed_entry_database

pytestmark = pytest.mark.both_databases  # its SQL runs on SQLite and on PostgreSQL (tests/conftest.py)

HANG_TIMEOUT_S = 120  # the child waits at most this long inside the transaction


def all_rows(engine) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order: two databases with equal dumps hold the same data."""
    with Session(engine) as s:
        dump = {}
        for table in SQLModel.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            dump[table.name] = [tuple(r) for r in s.execute(table.select().order_by(*order))]
        return dump


def save_that_hangs(url: str, key: tuple[int, int], inside, proceed, results, again) -> None:
    """Child process: start a save, stop inside its transaction after the report's rows are written."""
    import models.reports as reports

    original = reports.write_rows

    def write_then_wait(session, plan, actor):
        original(session, plan, actor)
        session.flush()  # the rows are in the database, uncommitted
        pid = None
        if session.get_bind().dialect.name == "postgresql":
            pid = session.execute(text("SELECT pg_backend_pid()")).scalar()
        inside.put(pid)
        proceed.wait(HANG_TIMEOUT_S)

    reports.write_rows = write_then_wait
    engine = make_engine(url)
    outcome = save_once(engine, key, "interrotto", 999, random.Random(7), worker=9)
    results.put((outcome.status, outcome.message))
    reports.write_rows = original
    again.wait(HANG_TIMEOUT_S)
    retry = save_once(engine, key, "dopo", 1000, random.Random(8), worker=9)  # the pool recovers
    results.put((retry.status, retry.message))


def start_hanging_save(url: str, key: tuple[int, int]):
    ctx = multiprocessing.get_context("spawn")
    inside, proceed, results, again = ctx.Queue(), ctx.Event(), ctx.Queue(), ctx.Event()
    child = ctx.Process(target=save_that_hangs, args=(url, key, inside, proceed, results, again))
    child.start()
    backend_pid = inside.get(timeout=HANG_TIMEOUT_S)
    return child, backend_pid, proceed, results, again


@pytest.fixture
def entry_db(backend, empty_database_url):
    seed_entry_database(empty_database_url)
    engine = make_engine(empty_database_url)
    yield empty_database_url, engine
    engine.dispose()


@pytest.mark.parametrize("existing", [False, True], ids=["new-report", "existing-report"])
def test_process_killed_in_the_middle_of_a_save_changes_nothing(entry_db, existing):
    url, engine = entry_db
    key = report_keys(url)[0]
    if existing:
        assert save_once(engine, key, "prima", 1, random.Random(1), worker=0).status == "accepted"
    before = all_rows(engine)

    child, *_ = start_hanging_save(url, key)
    os.kill(child.pid, signal.SIGKILL)
    child.join(timeout=30)
    assert child.exitcode == -signal.SIGKILL

    assert all_rows(engine) == before
    # The lock died with the process: the next save goes through, on the version the killed save started from.
    after = save_once(engine, key, "dopo", 2, random.Random(2), worker=0)
    assert (after.status, after.version) == ("accepted", 2 if existing else 1), after.message


@pytest.mark.postgres
def test_connection_dropped_in_the_middle_of_a_save_changes_nothing(entry_db):
    url, engine = entry_db
    key = report_keys(url)[0]
    assert save_once(engine, key, "prima", 1, random.Random(1), worker=0).status == "accepted"
    before = all_rows(engine)

    child, backend_pid, proceed, results, again = start_hanging_save(url, key)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend_pid}).scalar()
    proceed.set()
    status, message = results.get(timeout=HANG_TIMEOUT_S)
    assert status == "error" and "OperationalError" in message
    assert all_rows(engine) == before

    again.set()
    status, message = results.get(timeout=HANG_TIMEOUT_S)
    child.join(timeout=30)
    assert status == "accepted", message  # the same process saves again, on a new connection
    with Session(engine) as s:
        assert (
            s.exec(
                select(Report.critical_issues).where(Report.objective_id == key[0], Report.semester_id == key[1])
            ).one()
            == "dopo"
        )

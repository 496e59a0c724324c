"""Several processes saving at once, on SQLite (file, WAL) and PostgreSQL.

Four worker processes make 160 saves: half to one report they all share, half each to a report of its
own. Every save loads the form (current version and snapshot), waits a moment as a user would, then saves.
Nothing may be lost or half-applied: the accepted saves form an unbroken chain of versions per report, every
refused save is a genuine conflict refused with the conflict message, the final database equals the last
accepted save of each report, and the audit trail holds exactly the accepted changes.
"""

from __future__ import annotations

import multiprocessing
import random
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date

import pytest
from sqlmodel import Session, func, select

from models.db import create_db_and_tables, data_change_counter, make_engine, session_scope
from models.entry_view import load_entry
from models.permissions import Actor
from models.plan_loader import load_plan
from models.plan_yaml import read_plan
from models.reports import ConflictError, IndicatorInput, ReportInput, SpendInput, report_snapshot, save_report
from models.tables import AuditEntry, Objective, Report, Semester, User
from models.vocab import ActionState

pytestmark = pytest.mark.both_databases  # its SQL runs on SQLite and on PostgreSQL (tests/conftest.py)

OFFICE = Actor(1, "uff", "ufficio_di_piano")
LEAD_A = Actor(2, "refa", "referente", frozenset({"A"}))
TODAY = date(2025, 7, 1)  # before the first semester's deadline
WORKERS = 4
SAVES_PER_WORKER = 40  # 160 saves in all: ~80 on the shared report, tens of conflicts
SHARED_SHARE = 0.5  # half of each worker's saves go to the report everybody edits
THINK_TIME_S = 0.004  # between loading the form and saving: room for somebody else to save first
CONFLICT_MESSAGE = "Qualcun altro"


def seed_entry_database(url: str) -> None:
    """Schema, the small plan, two open semesters and two users: what data entry needs."""
    from tests.conftest import SMALL_PLAN

    engine = make_engine(url)
    try:
        create_db_and_tables(engine)
        with session_scope(engine) as s:
            load_plan(s, read_plan(SMALL_PLAN))
            s.add(Semester(year=2025, half=1, deadline=date(2025, 7, 31)))
            s.add(Semester(year=2025, half=2, deadline=date(2026, 1, 31)))
            for actor in (OFFICE, LEAD_A):
                s.add(
                    User(
                        id=actor.user_id,
                        username=actor.username,
                        name=actor.username.upper(),
                        role=actor.role,
                        password_hash="x",
                        must_change_password=False,
                    )
                )
    finally:
        engine.dispose()


def report_keys(url: str) -> list[tuple[int, int]]:
    """(objective id, semester id) of the specific objectives in both semesters: A.1/1 first."""
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            objectives = s.exec(
                select(Objective.id).where(Objective.kind == "specifico").order_by(Objective.code)
            ).all()
            semesters = s.exec(select(Semester.id).order_by(Semester.year, Semester.half)).all()
        return [(o, sem) for sem in semesters for o in objectives]
    finally:
        engine.dispose()


def form_for(engine, key: tuple[int, int], marker: str, number: int, rng: random.Random) -> ReportInput:
    """Load the form as the entry page does, then fill it in with values this save alone writes."""
    objective_id, semester_id = key
    with session_scope(engine) as s:
        view = load_entry(objective_id, semester_id, actor=OFFICE, session=s, today=TODAY)
    data = ReportInput(
        objective_id=objective_id,
        semester_id=semester_id,
        base_version=view.report["version"] if view.report else None,
        base_snapshot=view.snapshot,
    )
    data.actions = {a["id"]: rng.choice(list(ActionState)) for a in view.actions}
    numeric = [i for i in view.indicators if i["unit"] == "numero"]
    data.indicators = {numeric[0]["id"]: IndicatorInput(str(number), note=marker)}
    data.spend = [SpendInput("FNPS", str(number * 10), str(number))]
    data.critical_issues = marker
    return data


@dataclass
class Outcome:
    worker: int
    key: tuple[int, int]
    marker: str
    base_version: int | None
    status: str  # accepted | refused | error
    version: int | None = None
    changes: list | None = None
    snapshot: dict | None = None  # the report right after this save, read inside its transaction
    message: str = ""


def save_once(engine, key: tuple[int, int], marker: str, number: int, rng: random.Random, worker: int) -> Outcome:
    data = form_for(engine, key, marker, number, rng)
    time.sleep(rng.uniform(0, THINK_TIME_S))
    out = Outcome(worker=worker, key=key, marker=marker, base_version=data.base_version, status="accepted")
    try:
        with session_scope(engine) as s:
            result = save_report(data, actor=OFFICE, session=s, today=TODAY)
            out.snapshot = report_snapshot(s, s.get(Report, result.report_id), key[0])
        out.version, out.changes = result.version, result.changes
    except ConflictError as exc:
        out.status, out.message = "refused", str(exc)
    except Exception as exc:  # noqa: BLE001  (reported to the parent: must never happen)
        out.status, out.message = "error", f"{type(exc).__name__}: {exc}"
    return out


def worker_main(url: str, worker: int, keys: list[tuple[int, int]], barrier, results) -> None:
    engine = make_engine(url)
    rng = random.Random(worker)
    own = keys[1 + worker % (len(keys) - 1)]
    outcomes = []
    barrier.wait(timeout=120)
    for i in range(SAVES_PER_WORKER):
        key = keys[0] if rng.random() < SHARED_SHARE else own
        outcomes.append(save_once(engine, key, f"w{worker}-s{i}", worker * 1000 + i, rng, worker))
    engine.dispose()
    results.put(outcomes)


def run_workers(url: str) -> tuple[list[Outcome], float]:
    keys = report_keys(url)
    assert len(keys) > WORKERS  # one shared report plus one of its own per worker
    ctx = multiprocessing.get_context("spawn")  # fresh interpreters: no engine or connection inherited
    barrier, results = ctx.Barrier(WORKERS + 1), ctx.Queue()
    procs = [ctx.Process(target=worker_main, args=(url, w, keys, barrier, results)) for w in range(WORKERS)]
    for p in procs:
        p.start()
    barrier.wait(timeout=120)
    started = time.monotonic()
    outcomes = [o for _ in procs for o in results.get(timeout=600)]
    elapsed = time.monotonic() - started
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    return outcomes, elapsed


@pytest.mark.slow
def test_concurrent_saves_lose_nothing_and_refuse_every_conflict(backend, empty_database_url, record_property):
    url = empty_database_url
    seed_entry_database(url)
    engine = make_engine(url)
    with Session(engine) as s:
        counter_before = data_change_counter(s)
        audit_before = s.exec(select(func.count()).select_from(AuditEntry)).one()

    outcomes, elapsed = run_workers(url)

    status = Counter(o.status for o in outcomes)
    summary = (
        f"{backend}: {len(outcomes)} saves in {elapsed:.1f} s by {WORKERS} processes: "
        f"{status['accepted']} accepted, {status['refused']} refused (conflicts), {status['error']} errors"
    )
    print(f"\n{summary}")
    record_property("concurrency", summary)
    assert len(outcomes) == WORKERS * SAVES_PER_WORKER
    assert status["error"] == 0, [o.message for o in outcomes if o.status == "error"][:5]  # e.g. "database is locked"
    assert status["refused"] > 0, "the shared report saw no conflict: the test did not test anything"
    assert all(CONFLICT_MESSAGE in o.message for o in outcomes if o.status == "refused")

    accepted = [o for o in outcomes if o.status == "accepted"]
    keys = {o.key for o in outcomes}
    with Session(engine) as s:
        for key in keys:
            mine = sorted((o for o in accepted if o.key == key), key=lambda o: o.version)
            # An unbroken chain 1..n, each save built on the one before: none lost, none applied twice.
            assert [o.version for o in mine] == list(range(1, len(mine) + 1))
            assert [o.base_version for o in mine] == [None, *range(1, len(mine))]
            # A refused save started from a version that an accepted save had already moved on from.
            for o in outcomes:
                if o.key == key and o.status == "refused":
                    assert any(a.base_version == o.base_version for a in mine), o
            report = s.exec(select(Report).where(Report.objective_id == key[0], Report.semester_id == key[1])).one()
            assert report.version == len(mine)
            assert report.critical_issues == mine[-1].marker
            # Every row of the report (actions, values, spend) is exactly what the last accepted save wrote.
            assert report_snapshot(s, report, key[0]) == mine[-1].snapshot
        own_reports = keys - {report_keys(url)[0]}
        assert all(o.status == "accepted" for o in outcomes if o.key in own_reports)  # nobody else edits them

        audit = s.exec(select(AuditEntry).where(AuditEntry.entity == "report")).all()
        assert len(audit) == audit_before + sum(len(o.changes) for o in accepted)
        expected = Counter((o.key, label, old, new) for o in accepted for label, old, new in o.changes)
        found = Counter(((e.objective_id, e.semester_id), e.field, e.old, e.new) for e in audit)
        assert found == expected
        assert data_change_counter(s) == counter_before + len(accepted)
    engine.dispose()

"""`make demo`: generated data are plausible, consistent and reproducible; demo accounts; the login page."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from models import dashboard, dashboard_sql, demo
from models.dashboard import report_actions
from models.db import data_change_counter, get_engine, session_scope
from models.sessions import login
from models.tables import (
    Action,
    ActionStatus,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Objective,
    Report,
    Semester,
    Spend,
    SubAreaValue,
    User,
)
from models.vocab import ObjectiveKind, Role, Unit
from tests.apptest_helpers import APP, app_env
from tests.conftest import SMALL_PLAN

SEMS = [(2025, 1), (2025, 2), (2026, 1), (2026, 2)]


def test_semesters_until_today():
    assert demo.semesters_until(date(2026, 11, 23), 2025) == SEMS
    assert demo.semesters_until(date(2025, 6, 30), 2025) == [(2025, 1)]
    assert demo.semesters_until(date(2025, 7, 1), 2025) == [(2025, 1), (2025, 2)]


def generated(engine, seed: int = demo.DEMO_SEED, scale: int = 1) -> demo.GenerateResult:
    with session_scope(engine) as s:
        return demo.generate(s, seed=seed, semesters=SEMS, scale=scale)


def fingerprint(engine) -> list[tuple]:
    """Everything generated, as plain values (ids included: same plan, same order)."""
    with session_scope(engine) as s:
        reports = [
            (r.objective_id, r.semester_id, r.state, report_actions(session=s, report_id=r.id))
            for r in s.exec(select(Report).order_by(Report.id))
        ]
        values = [
            (v.indicator_id, v.value_num, v.value_text)
            for v in s.exec(select(IndicatorValue).order_by(IndicatorValue.id))
        ]
        spend = [(x.source, x.committed, x.paid) for x in s.exec(select(Spend).order_by(Spend.id))]
    return [reports, values, spend]


def test_generate_is_reproducible(small_plan):
    from models.db import create_db_and_tables, make_engine
    from models.plan_loader import load_plan
    from models.plan_yaml import read_plan

    generated(small_plan)
    other = make_engine("sqlite://")
    create_db_and_tables(other)
    with session_scope(other) as s:
        load_plan(s, read_plan(SMALL_PLAN))
    generated(other)
    assert fingerprint(small_plan) == fingerprint(other)


def test_generated_data_are_consistent(small_plan):
    before = None
    with session_scope(small_plan) as s:
        before = data_change_counter(s)
    result = generated(small_plan)
    assert result.semesters == 4 and result.reports > 0
    with session_scope(small_plan) as s:
        assert data_change_counter(s) == before + 1  # open dashboards refresh
        sems = s.exec(select(Semester).order_by(Semester.year, Semester.half)).all()
        assert [(x.year, x.half, x.state) for x in sems] == [
            (2025, 1, "chiuso"),
            (2025, 2, "chiuso"),
            (2026, 1, "chiuso"),
            (2026, 2, "aperto"),
        ]
        monitored = s.exec(select(Objective).where(Objective.kind == ObjectiveKind.SPECIFICO)).all()
        for sem in sems[:-1]:  # closed semesters: every objective reported and approved
            states = s.exec(select(Report.state).where(Report.semester_id == sem.id)).all()
            assert sorted(states) == ["approvata"] * len(monitored)
        for report in s.exec(select(Report)):
            live = s.exec(
                select(func.count(Action.id)).where(Action.objective_id == report.objective_id, Action.retired == False)
            ).one()
            done = s.exec(
                select(func.count(ActionStatus.id)).where(
                    ActionStatus.report_id == report.id, ActionStatus.state == "realizzata"
                )
            ).one()
            counts = report_actions(session=s, report_id=report.id)
            assert (counts.planned, counts.done) == (live, done)  # the generator's states, counted by the rule
            assert report.state != "approvata" or report.approved_snapshot
        for value, unit in s.exec(select(IndicatorValue, Indicator.unit).join(Indicator)):
            if unit == Unit.TESTO:
                assert value.value_text and value.value_num is None
            elif unit == Unit.SI_NO:
                assert value.value_num in (0, 1)
            elif unit == Unit.PERCENTUALE:
                assert 0 <= value.value_num <= 100
            else:
                assert value.value_num >= 0 and float(value.value_num).is_integer()
        for value in s.exec(select(IndicatorValue).where(IndicatorValue.id.in_(select(SubAreaValue.value_id)))):
            parts = s.exec(select(SubAreaValue.value).where(SubAreaValue.value_id == value.id)).all()
            assert sum(parts) == value.value_num  # a split adds up to its total
        for row in s.exec(select(Spend)):
            assert 0 <= row.paid <= row.committed
        # budget-consistent: money only where the objective has a budget, and in the plausible range
        paid = {
            obj: total
            for obj, total in s.exec(
                select(Report.objective_id, func.sum(Spend.paid)).join(Spend).group_by(Report.objective_id)
            )
        }
        codes = {o.id: o.code for o in monitored}
        assert {codes[o] for o in paid} == {"A.1", "A.2", "B.1"}
        assert 0 < paid[next(i for i, c in codes.items() if c == "B.1")] < 20000 * 1.5


def test_demo_dashboard_is_alive(small_plan):
    generated(small_plan)
    with session_scope(small_plan) as s:
        last = dashboard_sql.semester_options(session=s)[-1]
        earlier = dashboard_sql.semester_options(session=s)[-2]
        summary = dashboard.semester_summary(session=s, semester_id=earlier.id, include_submitted=False)
        trend = dashboard.trend(session=s, semester_id=last.id, include_submitted=True)
    assert summary.tally.reported == 3 and summary.money.paid > 0
    assert len({p.semester for p in trend}) == 4


def test_scale_copies_every_objective(small_plan):
    result = generated(small_plan, scale=3)
    with session_scope(small_plan) as s:
        live = s.exec(
            select(func.count(Objective.id)).where(
                Objective.kind == ObjectiveKind.SPECIFICO, Objective.retired == False
            )
        ).one()
    assert live == 3 * 3
    assert result.reports >= 3 * 3 * 3  # the three closed semesters, at least


def test_generate_on_the_real_plan(real_plan):
    result = generated(real_plan)
    with session_scope(real_plan) as s:
        monitored = s.exec(
            select(func.count(Objective.id)).where(
                Objective.kind == ObjectiveKind.SPECIFICO, Objective.retired == False
            )
        ).one()
        targets = s.exec(select(func.count(IndicatorTarget.id))).one()
    assert result.reports >= 3 * monitored and result.values > 0 and result.spend_rows > 0
    assert targets > 0 and result.splits > 0


def test_generate_refuses_bad_arguments(small_plan):
    with session_scope(small_plan) as s, pytest.raises(ValueError):
        demo.generate(s, seed=1, semesters=[])
    with session_scope(small_plan) as s, pytest.raises(ValueError):
        demo.generate(s, seed=1, semesters=SEMS, scale=0)


# --- main(): the `make demo` entry point --------------------------------------------------------


@pytest.fixture
def demo_env(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    monkeypatch.setenv("PDZ_DEMO", "1")
    monkeypatch.setenv("PDZ_DATABASE_URL", url)
    monkeypatch.setenv("PDZ_PLAN_DIR", str(SMALL_PLAN))
    return url


def test_main_refuses_outside_demo_mode(demo_env, monkeypatch, capsys):
    monkeypatch.setenv("PDZ_DEMO", "0")
    assert demo.main() == 2
    monkeypatch.setenv("PDZ_DEMO", "1")
    from models.config import DEFAULT_DB_PATH

    monkeypatch.setenv("PDZ_DATABASE_URL", f"sqlite:///{DEFAULT_DB_PATH}")
    assert demo.main() == 2  # the real database never receives demo accounts with public passwords
    assert "make demo" in capsys.readouterr().err


def test_main_prepares_data_and_accounts_once(demo_env, capsys):
    assert demo.main() == 0
    engine = get_engine(demo_env)
    with session_scope(engine) as s:
        reports = s.exec(select(func.count(Report.id))).one()
        users = {u.username: u for u in s.exec(select(User))}
    assert reports > 0
    for account in demo.DEMO_ACCOUNTS:
        assert not users[account.username].must_change_password
        assert users[account.username].role == account.role
    assert {a.role for a in demo.DEMO_ACCOUNTS} == set(Role)
    assert demo.main() == 0  # second start: nothing regenerated
    assert "già popolato" in capsys.readouterr().out
    with session_scope(engine) as s:
        assert s.exec(select(func.count(Report.id))).one() == reports
        user, error = login("demo.referente", "demo-referente-2026", session=s)
        assert user is not None, error


def test_login_page_lists_demo_accounts(tmp_path, monkeypatch):
    monkeypatch.setenv("PDZ_DEMO", "1")
    with app_env(tmp_path / "demo-login.sqlite3"):
        at = AppTest.from_file(str(APP), default_timeout=30)
        at.run()
        assert not at.exception
        shown = at.dataframe[0].value
        assert list(shown["Nome utente"]) == [a.username for a in demo.DEMO_ACCOUNTS]
        assert list(shown["Password"]) == [a.password for a in demo.DEMO_ACCOUNTS]
        assert any("dimostrativ" in w.value for w in at.warning)  # the banner on every page

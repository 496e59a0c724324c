"""The Ufficio di Piano's next set-up steps (models/onboarding.py), computed from the data, and their place on
the landing page."""

from datetime import date

import pytest
from sqlmodel import Session, select

from models.db import session_scope
from models.onboarding import next_steps
from models.tables import BudgetLine, Indicator, IndicatorTarget, Semester, User, UserArea
from tests.apptest_helpers import app_env, logged_in, prepared

TODAY = date(2026, 3, 15)  # I semestre 2026 of a 2025-2027 plan


def _steps(engine) -> dict:
    with session_scope(engine) as s:
        return {step.key: step for step in next_steps(session=s, today=TODAY)}


def test_a_new_installation_has_every_step_to_do(small_plan):
    steps = _steps(small_plan)
    assert [k for k, s in steps.items() if not s.done] == ["leads", "targets", "semesters"]
    assert steps["leads"].detail == "Aree con obiettivi ma senza un referente attivo: A, B."
    assert steps["semesters"].detail.startswith(
        "Semestri del piano non ancora aperti: I semestre 2025, II semestre 2025, I semestre 2026."
    )
    assert steps["leads"].page == "utenti" and steps["semesters"].page == "impostazione"


def test_steps_are_done_as_the_data_fills_in(small_plan):
    with session_scope(small_plan) as s:
        s.add(User(id=10, username="refa", name="A", role="referente", password_hash="x"))
        s.add(User(id=11, username="refb", name="B", role="referente", password_hash="x", active=False))
        s.add(UserArea(user_id=10, area_letter="A"))
        s.add(UserArea(user_id=11, area_letter="B"))
        s.add(Semester(year=2025, half=2))
    steps = _steps(small_plan)
    assert steps["leads"].detail.endswith(": B.")  # B's lead is deactivated: still to do
    assert "I semestre 2025, I semestre 2026." in steps["semesters"].detail
    with session_scope(small_plan) as s:
        s.get(User, 11).active = True
        for year, half in ((2025, 1), (2026, 1)):
            s.add(Semester(year=year, half=half))
        for ind in s.exec(select(Indicator).where(Indicator.unit != "testo")):
            s.add(IndicatorTarget(indicator_id=ind.id, year=2026, target=10))
        for line in s.exec(select(BudgetLine)):
            line.amount = line.amount if line.amount is not None else 1000.0
    steps = _steps(small_plan)
    assert all(step.done for step in steps.values()), steps
    assert steps["targets"].detail == "Target del 2026 e importi del budget impostati."


def test_targets_count_only_numeric_indicators_of_the_year(small_plan):
    with Session(small_plan) as s:
        numeric = len(s.exec(select(Indicator).where(Indicator.unit != "testo")).all())
        missing_amounts = len(s.exec(select(BudgetLine).where(BudgetLine.amount == None)).all())
    detail = _steps(small_plan)["targets"].detail
    assert detail.startswith(f"{numeric} indicatori numerici senza target per il 2026")
    assert f"{missing_amounts} voc" in detail


@pytest.fixture
def app_db(tmp_path):
    with app_env(tmp_path / "app.sqlite3") as engine:
        yield prepared(engine)


def test_landing_page_shows_the_steps_to_the_office_only(app_db):
    at = logged_in("uff", "pages/home.py")
    assert not at.exception
    assert any("Prossimi passi" in m.value for m in at.markdown)
    for username in ("refa", "com"):
        at = logged_in(username, "pages/home.py")
        assert not any("Prossimi passi" in m.value for m in at.markdown)

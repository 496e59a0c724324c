"""Revisione page: the objective selector shows each report's current state (issue 16: after *Rimanda* and after
*Approva* it used to keep saying "inviata")."""

from datetime import date

import pytest
from sqlmodel import select

from models.db import session_scope
from models.permissions import Actor
from models.reports import ReportInput, save_report
from models.tables import Objective, Semester, User
from tests.apptest_helpers import app_env, logged_in, prepared


@pytest.fixture
def submitted(tmp_path):
    """The small plan with A.1 submitted by the office (so the queue and the selector open on it)."""
    with app_env(tmp_path / "app.sqlite3") as engine:
        prepared(engine)
        with session_scope(engine) as s:
            obj = s.exec(select(Objective).where(Objective.code == "A.1")).one()
            sem = s.exec(select(Semester)).first()
            uff = s.exec(select(User).where(User.username == "uff")).one()
            save_report(
                ReportInput(
                    obj.id,
                    sem.id,
                    None,
                    users_not_relevant=True,
                    resource_adequacy="adeguato",
                    need_answered="SI",
                    need_reason="sì",
                    proposed_again="SI",
                    proposed_reason="sì",
                ),
                actor=Actor(uff.id, "uff", "ufficio_di_piano"),
                session=s,
                submit=True,
                today=date(sem.year, 1, 1),
            )
        yield engine


def _shown(at) -> str:
    picker = next(s for s in at.selectbox if s.label == "Obiettivo")
    return picker.format_func(picker.value)


@pytest.mark.parametrize("button, state", [("send_back", "da rivedere"), ("approve", "approvata")])
def test_the_objective_selector_follows_the_review(submitted, button, state):
    at = logged_in("uff", "pages/revisione.py")
    assert not at.exception, at.exception
    assert _shown(at).startswith("A.1 — inviata")
    at.text_area(key=next(t.key for t in at.text_area if t.key.startswith("rev_comment_"))).input("Manca la spesa")
    at.button(key=button).click().run()
    assert not at.exception, at.exception
    at.run()  # the page's own rerun after the action
    assert _shown(at).startswith(f"A.1 — {state}")


def test_a_large_plan_is_reviewed_by_area_and_its_table_sent_a_page_at_a_time(submitted, monkeypatch):
    """With more objectives than one selector holds (BY_AREA_OVER, here 2 for the small plan's 4): an Area
    selector first, the objective selector listing that area's; the table one page of rows at a time."""
    from components import pager, selectors

    monkeypatch.setattr(selectors, "BY_AREA_OVER", 2)
    monkeypatch.setattr(pager, "TABLE_PAGE_SIZE", 2)
    at = logged_in("uff", "pages/revisione.py")
    assert not at.exception, at.exception
    area = next(s for s in at.selectbox if s.label == "Area")
    assert area.value == "A"  # the area of the report to review
    assert _shown(at).startswith("A.1 — inviata")
    picker = next(s for s in at.selectbox if s.label == "Obiettivo")
    assert {label[0] for label in picker.options} == {"A"}
    assert len(at.dataframe[0].value) == 2
    assert any(s.value == 0 and "Righe 1–2 di" in s.format_func(0) for s in at.selectbox)

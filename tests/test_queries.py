"""models/queries.py: the read-only figures of the plan pages, aggregated in SQL (run on both databases)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from models import queries
from models.budget_rules import BudgetKind
from models.db import session_scope
from models.tables import Action, BudgetLine, BudgetLineKind, Card, Indicator, Objective, Semester, SubArea
from models.vocab import SemesterState

pytestmark = pytest.mark.both_databases  # its SQL runs on SQLite and on PostgreSQL (tests/conftest.py)

# The small plan (tests/fixtures/plan_small): A.0 is a general objective (not monitored); A.1 and A.2 are specific;
# A.1 has a budget line without amount ("Fondo Povertà", to be completed); area D has no card.
SMALL_SUMMARY = [
    {
        "letter": "A",
        "title": "Contrasto alla povertà",
        "cards": 1,
        "objectives": 2,
        "actions": 5,
        "indicators": 6,
        "budget": 150_000.0,
    },
    {
        "letter": "B",
        "title": "Politiche abitative",
        "cards": 1,
        "objectives": 1,
        "actions": 2,
        "indicators": 1,
        "budget": 20_000.0,
    },
    {
        "letter": "D",
        "title": "Domiciliarità",
        "cards": 0,
        "objectives": 0,
        "actions": 0,
        "indicators": 0,
        "budget": None,
    },
]


def summary(engine) -> dict[str, dict]:
    with session_scope(engine) as s:
        return {a["letter"]: a for a in queries.area_summary(session=s)}


def objective(s, code: str) -> Objective:
    return s.exec(select(Objective).where(Objective.code == code)).one()


def test_an_empty_database_has_no_plan(engine):
    with session_scope(engine) as s:
        assert queries.plan_header(session=s) is None
        assert queries.area_summary(session=s) == []
        assert queries.semesters(session=s) == []
        assert queries.sub_areas(session=s) == []


def test_plan_header(small_plan):
    with session_scope(small_plan) as s:
        assert queries.plan_header(session=s) == {
            "title": "Piano di Zona di prova",
            "ambito": "Ambito di prova",
            "first_year": 2025,
            "last_year": 2027,
        }


def test_area_summary_of_the_small_plan_in_catalogue_order(small_plan):
    with session_scope(small_plan) as s:
        rows = queries.area_summary(session=s)
    assert rows == SMALL_SUMMARY
    assert all(isinstance(r["budget"], float) for r in rows if r["budget"] is not None)


def test_retired_items_leave_the_counts(small_plan):
    with session_scope(small_plan) as s:
        a2 = objective(s, "A.2")
        a1 = objective(s, "A.1")
        a2.retired = True  # its action, indicator (and budget line, still counted: it is not retired) drop out
        s.exec(select(Action).where(Action.objective_id == a1.id).order_by(Action.position)).first().retired = True
        s.exec(select(Indicator).where(Indicator.objective_id == a1.id)).first().retired = True
    area_a = summary(small_plan)["A"]
    assert (area_a["objectives"], area_a["actions"], area_a["indicators"]) == (1, 3, 4)
    assert area_a["cards"] == 1 and area_a["budget"] == 150_000


def test_retired_budget_lines_leave_the_budget_and_none_left_is_to_be_defined(small_plan):
    with session_scope(small_plan) as s:
        for line in s.exec(select(BudgetLine).where(BudgetLine.item == "Stazione di posta")):
            line.retired = True
    assert summary(small_plan)["A"]["budget"] == 100_000
    with session_scope(small_plan) as s:
        for line in s.exec(select(BudgetLine)):
            line.retired = True
    assert summary(small_plan)["A"]["budget"] is None and summary(small_plan)["B"]["budget"] is None


def test_only_the_planned_budget_is_summed(small_plan):
    with session_scope(small_plan) as s:
        for item, kind in (("Progetto rete", BudgetKind.PREVISIONE), ("Stazione di posta", BudgetKind.ESEMPIO_PASSATO)):
            line = s.exec(select(BudgetLine).where(BudgetLine.item == item)).one()
            s.add(BudgetLineKind(budget_line_id=line.id, kind=kind))
    area_a = summary(small_plan)["A"]
    assert area_a["budget"] is None, "a forecast and a past example are not the plan's budget, and not 0 €"


def test_a_planned_zero_is_zero_and_a_card_wide_line_counts(small_plan):
    with session_scope(small_plan) as s:
        card_b = s.exec(select(Card).where(Card.code == "B")).one()
        s.exec(select(BudgetLine).where(BudgetLine.card_id == card_b.id)).one().amount = 0.0
    assert summary(small_plan)["B"]["budget"] == 0.0
    with session_scope(small_plan) as s:
        card_b = s.exec(select(Card).where(Card.code == "B")).one()
        s.add(BudgetLine(card_id=card_b.id, objective_id=None, item="Tutta la scheda", amount=1234.5))
    assert summary(small_plan)["B"]["budget"] == 1234.5


def test_semesters_oldest_first_with_state_and_deadline(small_plan):
    with session_scope(small_plan) as s:
        s.add(Semester(year=2026, half=1, state=SemesterState.APERTO, deadline=date(2026, 7, 31)))
        s.add(Semester(year=2025, half=2, state=SemesterState.CHIUSO))
        s.add(Semester(year=2025, half=1, state=SemesterState.CHIUSO, deadline=date(2025, 7, 31)))
    with session_scope(small_plan) as s:
        rows = queries.semesters(session=s)
    assert [(r["year"], r["half"], r["state"], r["deadline"]) for r in rows] == [
        (2025, 1, "chiuso", date(2025, 7, 31)),
        (2025, 2, "chiuso", None),
        (2026, 1, "aperto", date(2026, 7, 31)),
    ]
    assert all(isinstance(r["id"], int) for r in rows) and len({r["id"] for r in rows}) == 3


def test_sub_areas_in_catalogue_order_with_their_municipalities(small_plan):
    with session_scope(small_plan) as s:
        assert queries.sub_areas(session=s) == [
            {"code": "AT1", "name": "AT 1", "municipalities": ["COMUNE UNO", "COMUNE DUE"]},
            {"code": "AT2", "name": "AT 2", "municipalities": ["COMUNE TRE"]},
        ]
        at1, at2 = (s.exec(select(SubArea).where(SubArea.code == c)).one() for c in ("AT1", "AT2"))
        at1.position, at2.position = at2.position, at1.position
    with session_scope(small_plan) as s:
        assert [a["code"] for a in queries.sub_areas(session=s)] == ["AT2", "AT1"]

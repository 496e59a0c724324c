"""The REAL plan (data/plan) after loading into a database: per card, the counts counted by hand in the document.

The expected numbers are not restated here: they are the per-card expectations of tests/test_plan_data_ABE.py,
test_plan_data_FGH.py and test_plan_data_IJK.py (each with the line ranges it counted in
shared/seeds/003_4be68b8e0ea9bbb6.txt). Those tests check the YAML files; these check what the loader writes
into the database from them, the plan browser and the Excel export, so that a record lost on the way fails.
"""

from __future__ import annotations

import io
from collections import Counter

import pytest
from openpyxl import load_workbook
from sqlalchemy import func
from sqlmodel import Session, select

from models.db import session_scope
from models.plan_browser import plan_tree
from models.plan_export import export_plan_xlsx
from models.plan_loader import load_plan
from models.tables import Action, BudgetLine, Card, HistoricalOutcome, Indicator, MacroArea, Objective
from tests.test_plan_data_ABE import EXPECTED as EXPECTED_ABE
from tests.test_plan_data_FGH import EXPECTED as EXPECTED_FGH
from tests.test_plan_data_IJK import EXPECTED as EXPECTED_IJK

CARD_CODES = ("A", "B", "E", "F", "G", "H", "I", "J1", "J2", "J3", "K")  # Chapter 6, document order
AREAS = ("A", "B", "D", "E", "F", "G", "H", "I", "J", "K")  # catalogue order; C no longer exists


def _normalised() -> dict[str, dict]:
    """The three files' expectations in one shape: objectives by kind, actions, indicators by battery, budget."""
    out: dict[str, dict] = {}
    for code, e in EXPECTED_ABE.items():
        out[code] = {
            "generale": e["general"],
            "specifico": e["specific"],
            "actions": sum(e["actions"].values()),
            "indicators": e["indicators"],
            "budget_lines": e["budget_lines"],
            "budget_sum": e["budget_sum"],
            "to_be_completed": e["to_be_completed"],
        }
    for code, e in EXPECTED_FGH.items():
        out[code] = {
            "generale": e["generale"],
            "specifico": e["specifico"],
            "actions": sum(e["actions"].values()),
            "indicators": e["indicators"],
            "budget_lines": e["budget_lines"],
            "budget_sum": e["budget_sum"],
            "to_be_completed": e["to_be_completed"],
        }
    for code, e in EXPECTED_IJK.items():
        out[code] = {
            "generale": e["general"],
            "specifico": e["specific"],
            "actions": e["actions_total"],
            "indicators": {b: e[b] for b in ("processo", "output", "outcome")},
            "budget_lines": e["budget_lines"],
            "budget_sum": e["budget_sum"],
            "to_be_completed": e["to_be_completed"],
        }
    return out


EXPECTED = _normalised()


def test_expectations_cover_every_card():
    assert sorted(EXPECTED) == sorted(CARD_CODES)


@pytest.mark.parametrize("code", CARD_CODES)
def test_card_counts_in_the_database(real_plan, code):
    exp = EXPECTED[code]
    with Session(real_plan) as s:
        card = s.exec(select(Card).where(Card.code == code)).one()
        objectives = s.exec(select(Objective).where(Objective.card_id == card.id, Objective.retired == False)).all()
        kinds = Counter(o.kind for o in objectives)
        assert (kinds["generale"], kinds["specifico"]) == (exp["generale"], exp["specifico"])
        ids = [o.id for o in objectives]
        actions = s.exec(
            select(func.count(Action.id)).where(Action.objective_id.in_(ids), Action.retired == False)
        ).one()
        assert actions == exp["actions"]
        batteries = Counter(
            s.exec(select(Indicator.battery).where(Indicator.objective_id.in_(ids), Indicator.retired == False)).all()
        )
        assert {b: batteries[b] for b in ("processo", "output", "outcome")} == exp["indicators"]
        lines = s.exec(select(BudgetLine).where(BudgetLine.card_id == card.id, BudgetLine.retired == False)).all()
        assert len(lines) == exp["budget_lines"]
        assert sum(b.amount or 0 for b in lines) == pytest.approx(exp["budget_sum"])
        assert sum(b.to_be_completed for b in lines) == exp["to_be_completed"]
        assert all(b.amount is None for b in lines if b.to_be_completed), "a placeholder never becomes a number"


def test_eleven_cards_and_the_catalogue(real_plan):
    with Session(real_plan) as s:
        assert [a.letter for a in s.exec(select(MacroArea).order_by(MacroArea.position))] == list(AREAS)
        cards = s.exec(select(Card).order_by(Card.position)).all()
        assert [c.code for c in cards] == list(CARD_CODES)
        letters = {a.id: a.letter for a in s.exec(select(MacroArea))}
        assert {letters[c.area_id] for c in cards} == set(AREAS) - {"D"}, "D has a catalogue but no card"


def test_plan_browser_and_export_hold_every_record(real_plan):
    """The page and the workbook show exactly what was counted in the document."""
    objectives = sum(e["generale"] + e["specifico"] for e in EXPECTED.values())
    actions = sum(e["actions"] for e in EXPECTED.values())
    indicators = sum(sum(e["indicators"].values()) for e in EXPECTED.values())
    budget_lines = sum(e["budget_lines"] for e in EXPECTED.values())
    with Session(real_plan) as s:
        view = plan_tree(session=s)
        data = export_plan_xlsx(session=s)
    shown = [o for a in view.areas for c in a.cards for o in c.objectives]
    assert [a.letter for a in view.areas] == list(AREAS)
    assert len(shown) == objectives
    assert sum(len(o.actions) for o in shown) == actions
    assert sum(len(o.indicators) for o in shown) == indicators
    assert sum(len(c.budget) for a in view.areas for c in a.cards) == budget_lines
    wb = load_workbook(io.BytesIO(data))
    assert {ws.title: ws.max_row - 1 for ws in wb if ws.title in ("Obiettivi", "Azioni", "Indicatori", "Budget")} == {
        "Obiettivi": objectives,
        "Azioni": actions,
        "Indicatori": indicators,
        "Budget": budget_lines,
    }
    amounts = [r[0] for r in wb["Budget"].iter_rows(min_row=2, min_col=7, max_col=7, values_only=True)]
    assert sum(a or 0 for a in amounts) == pytest.approx(sum(e["budget_sum"] for e in EXPECTED.values()))


def test_loading_twice_changes_nothing(real_plan, real_plan_data):
    with session_scope(real_plan) as s:
        report = load_plan(s, real_plan_data)
    assert not report.changed, report


def test_outcome_cards_2021_2023_and_their_bands(real_plan):
    # Chapter 1, lines 332-584: 17 grids printed, the one at 392-400 repeats 377-390 -> 16 cards.
    # Bands: 1-49% at 577; 50-79% at 336 358 368 378 405 566; 80-99% at 347 415 462 474 486 499 510 544 555.
    with Session(real_plan) as s:
        rows = s.exec(select(HistoricalOutcome).order_by(HistoricalOutcome.position)).all()
    assert len(rows) == 16
    assert Counter(r.band for r in rows) == {"insufficiente": 1, "sufficiente": 6, "buono": 9}
    assert Counter(r.area_letter for r in rows) == {"A": 5, "B": 3, "E": 5, "I": 2, "F": 1}
    assert rows[0].line == 335 and rows[-1].line == 576

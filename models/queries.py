"""Read-only queries for pages: aggregated in SQL, returned as plain dicts/lists."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from models import rules
from models.budget_rules import counted_budget_line
from models.tables import (
    Action,
    BudgetLine,
    Card,
    Indicator,
    MacroArea,
    Municipality,
    Objective,
    Plan,
    Semester,
    SubArea,
)


def plan_header(*, session: Session) -> dict | None:
    plan = session.exec(select(Plan)).first()
    if plan is None:
        return None
    return {"title": plan.title, "ambito": plan.ambito, "first_year": plan.first_year, "last_year": plan.last_year}


def area_summary(*, session: Session) -> list[dict]:
    """Per macro-area, in catalogue order: cards, objectives, actions, indicators, planned budget."""
    areas = session.exec(select(MacroArea).order_by(MacroArea.position)).all()

    def counts(stmt) -> dict[int, float]:
        return {area_id: value for area_id, value in session.exec(stmt)}

    live = Objective.retired == False
    cards = counts(select(Card.area_id, func.count(Card.id)).group_by(Card.area_id))
    objectives = counts(
        select(Objective.area_id, func.count(Objective.id)).where(rules.MONITORED_SQL).group_by(Objective.area_id)
    )
    actions = counts(
        select(Objective.area_id, func.count(Action.id))
        .join(Action)
        .where(live, Action.retired == False)
        .group_by(Objective.area_id)
    )
    indicators = counts(
        select(Objective.area_id, func.count(Indicator.id))
        .join(Indicator)
        .where(live, Indicator.retired == False)
        .group_by(Objective.area_id)
    )
    budget = counts(
        select(Card.area_id, func.sum(BudgetLine.amount))
        .join(Card)
        .where(BudgetLine.retired == False, counted_budget_line())
        .group_by(Card.area_id)
    )
    return [
        {
            "letter": a.letter,
            "title": a.title,
            "cards": cards.get(a.id, 0),
            "objectives": objectives.get(a.id, 0),
            "actions": actions.get(a.id, 0),
            "indicators": indicators.get(a.id, 0),
            # None: no amount in the plan ("da definire"), not 0 €
            "budget": float(budget[a.id]) if budget.get(a.id) is not None else None,
        }
        for a in areas
    ]


def semesters(*, session: Session) -> list[dict]:
    rows = session.exec(select(Semester).order_by(*rules.SEMESTER_ORDER)).all()
    return [{"id": s.id, "year": s.year, "half": s.half, "state": s.state, "deadline": s.deadline} for s in rows]


def sub_areas(*, session: Session) -> list[dict]:
    out = []
    for sub in session.exec(select(SubArea).order_by(SubArea.position)):
        names = session.exec(
            select(Municipality.name).where(Municipality.sub_area_id == sub.id).order_by(Municipality.id)
        ).all()
        out.append({"code": sub.code, "name": sub.name, "municipalities": list(names)})
    return out

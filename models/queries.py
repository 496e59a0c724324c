"""Read-only queries for pages: aggregated in SQL, returned as plain dicts/lists."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from models import plans, rules
from models.budget_rules import counted_budget_line
from models.tables import (
    Action,
    BudgetLine,
    Card,
    Indicator,
    MacroArea,
    Municipality,
    Objective,
    Semester,
    SubArea,
    pk,
)


def plan_header(*, session: Session, plan_id: int | None = None) -> dict | None:
    """The plan's title, Ambito and years (the current plan when `plan_id` is None)."""
    plan = plans.plan_row(session, plan_id)
    if plan is None:
        return None
    return {"title": plan.title, "ambito": plan.ambito, "first_year": plan.first_year, "last_year": plan.last_year}


def area_summary(*, session: Session, plan_id: int | None = None) -> list[dict]:
    """Per macro-area of the plan (the current one by default), in catalogue order: cards, objectives, actions,
    indicators, planned budget."""
    plan = plans.plan_row(session, plan_id)
    where = () if plan is None else (MacroArea.plan_id == plan.id,)
    areas = session.exec(select(MacroArea).where(*where).order_by(col(MacroArea.position))).all()

    def counts(stmt) -> dict[int, float]:
        return {area_id: value for area_id, value in session.exec(stmt)}

    live = Objective.retired == False
    cards = counts(select(Card.area_id, func.count(col(Card.id))).group_by(col(Card.area_id)))
    objectives = counts(
        select(Objective.area_id, func.count(col(Objective.id)))
        .where(rules.MONITORED_SQL)
        .group_by(col(Objective.area_id))
    )
    actions = counts(
        select(Objective.area_id, func.count(col(Action.id)))
        .join(Action)
        .where(live, Action.retired == False)
        .group_by(col(Objective.area_id))
    )
    indicators = counts(
        select(Objective.area_id, func.count(col(Indicator.id)))
        .join(Indicator)
        .where(live, Indicator.retired == False)
        .group_by(col(Objective.area_id))
    )
    budget = counts(
        select(Card.area_id, func.sum(BudgetLine.amount))
        .join(Card)
        .where(BudgetLine.retired == False, counted_budget_line())
        .group_by(col(Card.area_id))
    )
    return [
        {
            "letter": a.letter,
            "title": a.title,
            "cards": cards.get(pk(a), 0),
            "objectives": objectives.get(pk(a), 0),
            "actions": actions.get(pk(a), 0),
            "indicators": indicators.get(pk(a), 0),
            # None: no amount in the plan ("da definire"), not 0 €
            "budget": float(budget[pk(a)]) if budget.get(pk(a)) is not None else None,
        }
        for a in areas
    ]


def semesters(*, session: Session, plan_id: int | None = None) -> list[dict]:
    """The plan's semesters (the current plan's by default), oldest first."""
    plan = plans.plan_row(session, plan_id)
    rows = session.exec(select(Semester).where(*plans.semesters_of(plan)).order_by(*rules.SEMESTER_ORDER)).all()
    return [{"id": s.id, "year": s.year, "half": s.half, "state": s.state, "deadline": s.deadline} for s in rows]


def sub_areas(*, session: Session) -> list[dict]:
    out = []
    for sub in session.exec(select(SubArea).order_by(col(SubArea.position))):
        names = session.exec(
            select(Municipality.name).where(col(Municipality.sub_area_id) == sub.id).order_by(col(Municipality.id))
        ).all()
        out.append({"code": sub.code, "name": sub.name, "municipalities": list(names)})
    return out

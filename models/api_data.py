"""The read API's data (/api/v1/): plain JSON-ready dicts built from the very functions the screens use.

The plan comes from plan_browser.plan_tree (Il Piano), the figures from models.dashboard (the Cruscotto):
semester_summary, objective_rows and indicators_of_objectives, with the same «che cosa si conta» choice
(include_submitted, approved only by default). Nothing is computed here, only renamed and paged, so the API
cannot disagree with the screens. Report contents in every state (drafts included) follow
permissions.require_report_contents: the Ufficio di Piano, and a lead for their own areas only.
Ids are the database's, stable for the life of the database; areas are named by letter. One plan at a time,
as on the screens: the plan's own lists (areas, objectives, semesters) are the current plan's unless `plan` names
another (/plans lists them); a semester's figures are its own plan's.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlmodel import Session, col, select

from models import dashboard, dashboard_sql, plan_browser, plans
from models.dashboard_results import IndicatorSeries, Money, ObjectiveRow, Tally
from models.errors import InputRefused
from models.permissions import Actor, can_edit_area, require_report_contents
from models.tables import IndicatorValue, MacroArea, Objective, Report, Spend, pk

DEFAULT_LIMIT = 50
MAX_LIMIT = 500  # a page the client can still parse quickly; more with offset


def page_bounds(limit: int | None, offset: int | None) -> tuple[int, int]:
    limit = DEFAULT_LIMIT if limit is None else limit
    offset = 0 if offset is None else offset
    if not 1 <= limit <= MAX_LIMIT:
        raise InputRefused(f"limit: atteso un intero da 1 a {MAX_LIMIT}.")
    if offset < 0:
        raise InputRefused("offset: atteso un intero maggiore o uguale a 0.")
    return limit, offset


def _paged(items: list[Any], limit: int | None, offset: int | None) -> dict:
    size, start = page_bounds(limit, offset)
    return {"total": len(items), "limit": size, "offset": start, "items": items[start : start + size]}


def _check_area(session: Session, area: str | None, plan_id: int | None = None) -> None:
    if area is not None and area not in {a.letter for a in dashboard_sql.all_areas(session, plan_id)}:
        raise InputRefused(f"area: macro-area «{area}» inesistente.")


def _plan_id(session: Session, plan_id: int | None) -> int | None:
    """The plan asked for, or the current one (as the pages: one plan at a time); NotFound for an unknown id."""
    plan = plans.plan_row(session, plan_id)
    return pk(plan) if plan is not None else None


# --- the plan ---------------------------------------------------------------------------------


def plan_list(*, session: Session, actor: Actor) -> list[dict]:
    """Every plan of the database (successive trienniums), oldest first; `current`: the one data entry uses."""
    current = plans.current_plan(session=session)
    return [
        {
            "id": p.id,
            "title": p.title,
            "ambito": p.ambito,
            "first_year": p.first_year,
            "last_year": p.last_year,
            "state": p.state,
            "current": current is not None and p.id == current.id,
        }
        for p in plans.list_plans(session=session)
    ]


def areas(*, session: Session, actor: Actor, plan_id: int | None = None) -> list[dict]:
    return [
        {"letter": a.letter, "title": a.title} for a in dashboard_sql.all_areas(session, _plan_id(session, plan_id))
    ]


def plan_objectives(
    *,
    session: Session,
    actor: Actor,
    area: str | None = None,
    limit: int | None = None,
    offset: int | None = None,
    plan_id: int | None = None,
) -> dict:
    """The plan's objectives (areas -> cards flattened), each with its actions and indicators, targets and origin."""
    plan_id = _plan_id(session, plan_id)
    _check_area(session, area, plan_id)
    items = [
        {
            "id": o.id,
            "code": o.code,
            "kind": o.kind,
            "text": o.text,
            "area": a.letter,
            "card": c.code,
            "document_line": o.line,
            "actions": [{"text": x.text, "document_line": x.line} for x in o.actions],
            "indicators": [
                {
                    "id": i.id,
                    "battery": i.battery,
                    "text": i.text,
                    "unit": i.unit,
                    "higher_is_better": i.higher_is_better,
                    "targets": [{"year": y, "target": t, "origin": origin} for y, t, origin in i.targets],
                }
                for i in o.indicators
            ],
        }
        for a in plan_browser.plan_tree(session=session, area=area, plan_id=plan_id).areas
        for c in a.cards
        for o in c.objectives
    ]
    return _paged(items, limit, offset)


# --- semesters and figures ----------------------------------------------------------------------


def semesters(*, session: Session, actor: Actor, plan_id: int | None = None) -> list[dict]:
    return [
        {"id": s.id, "year": s.year, "half": s.half, "label": s.label, "state": s.state}
        for s in dashboard_sql.semester_options(session=session, plan_id=_plan_id(session, plan_id))
    ]


def _tally(t: Tally) -> dict:
    return {
        "reports_counted": t.reported,
        "reports_submitted": t.submitted,
        "actions_done": t.done,
        "actions_planned": t.planned,
        "achievement": t.achievement,
        "band": t.band,
        "bands": dict(t.counts),
    }


def _money(m: Money) -> dict:
    return {
        "budget": m.planned,
        "budget_lines_missing": m.budget_missing,
        "committed": m.committed if m.valid else None,
        "paid": m.paid if m.valid else None,
        "spend_reported": m.reported,
        "spend_ratio": m.ratio,
        "spend_class": m.spend_class,
    }


def summary(*, session: Session, actor: Actor, semester_id: int, include_submitted: bool = False) -> dict:
    """The Cruscotto's tiles and per-area figures (dashboard.semester_summary)."""
    s = dashboard.semester_summary(session=session, semester_id=semester_id, include_submitted=include_submitted)
    return {
        "semester": {"id": s.semester.id, "label": s.semester.label, "state": s.semester.state},
        "include_submitted": include_submitted,
        "counted_states": list(s.states),
        "objectives": s.objectives,
        "report_states": dict(s.report_states),
        "budget_period": s.period.label if s.period else None,
        "expected_share": s.expected_share,
        **_tally(s.tally),
        **_money(s.money),
        "areas": [
            {"letter": a.letter, "title": a.title, "objectives": a.objectives, **_tally(a.tally), **_money(a.money)}
            for a in s.areas
        ],
    }


def _indicator(series: IndicatorSeries) -> dict:
    point = series.points[-1] if series.points else None
    return {
        "id": series.id,
        "text": series.text,
        "battery": series.battery,
        "unit": series.unit,
        "target": point.target if point else None,
        "target_origin": series.target_origins.get(point.year) if point else None,
        "value": point.value_num if point and point.state else None,
        "value_text": point.value_text if point and point.state else "",
        "note": point.note if point and point.state else "",
        "report_state": (point.state or None) if point else None,
        "achievement": series.latest_achievement,
    }


def objective_result(row: ObjectiveRow, series: list[IndicatorSeries]) -> dict:
    return {
        "id": row.id,
        "code": row.code,
        "text": row.text,
        "area": row.area,
        "state": row.state,
        "counted": row.counted,
        "actions_done": row.done if row.counted else None,
        "actions_planned": row.planned,
        "achievement": row.achievement,
        "band": row.band if row.counted else None,
        **_money(row.money),
        "indicators": [_indicator(s) for s in series],
    }


def results(
    *,
    session: Session,
    actor: Actor,
    semester_id: int,
    include_submitted: bool = False,
    area: str | None = None,
    limit: int | None = None,
    offset: int | None = None,
) -> dict:
    """Per monitored objective: report state, achievement, band, indicator values, budget and spend, exactly as
    the Cruscotto computes them (dashboard.objective_rows and indicators_of_objectives)."""
    _check_area(session, area, plans.plan_id_of_semester(session, semester_id))
    size, start = page_bounds(limit, offset)
    rows = dashboard.objective_rows(
        session=session, semester_id=semester_id, include_submitted=include_submitted, area_letter=area
    )
    page = rows[start : start + size]
    series = dashboard.indicators_of_objectives(
        session=session,
        objective_ids=[r.id for r in page],
        semester_id=semester_id,
        include_submitted=include_submitted,
    )
    return {
        "semester_id": semester_id,
        "include_submitted": include_submitted,
        "total": len(rows),
        "limit": size,
        "offset": start,
        "items": [objective_result(r, series.get(r.id, [])) for r in page],
    }


# --- report contents (drafts included): the office and the area's lead ----------------------------


def reports(
    *,
    session: Session,
    actor: Actor,
    semester_id: int,
    area: str | None = None,
    limit: int | None = None,
    offset: int | None = None,
) -> dict:
    """Every report of the semester in the areas the actor may enter (a lead's own, all for the office), in any
    state, with the values as saved. Asking for another area's reports is refused (PermissionDenied)."""
    _check_area(session, area, plans.plan_id_of_semester(session, semester_id))  # NotFound: unknown semester
    if area is not None or not (actor.is_office or actor.is_lead):
        require_report_contents(actor, area or "")
        letters = [area or ""]
    else:  # no area asked: all those the actor may read
        letters = [a.letter for a in dashboard_sql.all_areas(session) if can_edit_area(actor, a.letter)]
    size, start = page_bounds(limit, offset)
    rows = session.exec(
        select(  # type: ignore[call-overload]  # sqlmodel.select is typed for up to 4 columns
            Report.id, Report.state, Report.updated_at, Objective.id, Objective.code, MacroArea.letter
        )
        .join(Objective, col(Objective.id) == Report.objective_id)
        .join(MacroArea, col(MacroArea.id) == Objective.area_id)
        .where(Report.semester_id == semester_id, col(MacroArea.letter).in_(letters))
        .order_by(col(MacroArea.position), col(Objective.position), col(Objective.id))
    ).all()
    page = rows[start : start + size]
    ids = [r[0] for r in page]
    values: dict = defaultdict(list)
    for report_id, indicator_id, num, text, note in session.exec(
        select(  # type: ignore[call-overload]
            IndicatorValue.report_id,
            IndicatorValue.indicator_id,
            IndicatorValue.value_num,
            IndicatorValue.value_text,
            IndicatorValue.note,
        )
        .where(col(IndicatorValue.report_id).in_(ids))
        .order_by(col(IndicatorValue.id))
    ):
        values[report_id].append({"indicator_id": indicator_id, "value": num, "value_text": text, "note": note})
    spend: dict = defaultdict(list)
    for report_id, source, committed, paid in session.exec(
        select(Spend.report_id, Spend.source, Spend.committed, Spend.paid)
        .where(col(Spend.report_id).in_(ids))
        .order_by(col(Spend.id))
    ):
        spend[report_id].append({"source": source, "committed": committed, "paid": paid})
    return {
        "semester_id": semester_id,
        "total": len(rows),
        "limit": size,
        "offset": start,
        "items": [
            {
                "id": rid,
                "objective_id": oid,
                "objective_code": code,
                "area": letter,
                "state": state,
                "updated_at": updated.isoformat() if updated else None,
                "indicator_values": values[rid],
                "spend": spend[rid],
            }
            for rid, state, updated, oid, code, letter in page
        ],
    }

"""The entry page's read model: which objectives and semesters a user enters, their states and one report's
form (load_entry -> EntryView)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from sqlalchemy import and_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from models import plans, rules
from models.calendar import rome_today
from models.entry_flow import SourceContext, carried_states_for, source_context_for, starting_state
from models.permissions import Actor, can_edit_area
from models.reports import (
    edit_block_reason,
    get_report,
    get_semester,
    indicator_targets,
    live_actions,
    live_indicators,
    objective_area,
    previous_values,
    report_snapshot,
)
from models.tables import (
    ActionStatus,
    IndicatorValue,
    MacroArea,
    Objective,
    Report,
    Semester,
    Spend,
    SubArea,
    SubAreaValue,
    pk,
)
from models.vocab import (
    ReportState,
    SemesterState,
    semester_label,
)

T = TypeVar("T")

# --- what the entry page shows ----------------------------------------------------------------


def open_semesters(*, session: Session, plan_id: int | None = None) -> list[Semester]:
    """The plan's semesters, newest first (the entry and review pages start from the latest). By default the
    current plan's: data entry and review always work on the plan in progress (models/plans.py)."""
    plan = plans.plan_row(session, plan_id)
    return list(
        session.exec(
            select(Semester).where(*plans.semesters_of(plan)).order_by(*(c.desc() for c in rules.SEMESTER_ORDER))
        )
    )


def _editable(actor: Actor, rows: Iterable[T]) -> list[T]:
    """The rows (id, code, area letter, text, ...) of the areas the actor may enter."""
    letters: dict[str, bool] = {}
    out = []
    for row in rows:
        letter = row[2]  # type: ignore[index]
        if letter not in letters:
            letters[letter] = can_edit_area(actor, letter)
        if letters[letter]:
            out.append(row)
    return out


def editable_objectives(*, actor: Actor, session: Session) -> list[dict]:
    """Specific objectives of the current plan the actor may enter data for (all for the office), in order."""
    plan = plans.current_plan_row(session)
    rows = session.exec(
        select(col(Objective.id), col(Objective.code), col(MacroArea.letter), col(Objective.text))
        .join(MacroArea, col(MacroArea.id) == Objective.area_id)
        .where(rules.MONITORED_SQL, *plans.objectives_of(plan.id if plan else None))
        .order_by(col(MacroArea.position), col(Objective.id))
    )
    return [{"id": i, "code": code, "area": area, "text": text} for i, code, area, text in _editable(actor, rows)]


def entry_status(*, actor: Actor, semester_id: int, session: Session) -> list[dict]:
    """Per editable objective: its report state this semester (None = nothing entered yet). One query (at a
    hundred times the plan, 5,000 objectives: columns, not ORM objects)."""
    rows = session.execute(  # SQLAlchemy's select: SQLModel's types at most four columns
        sa_select(
            col(Objective.id),
            col(Objective.code),
            col(MacroArea.letter),
            col(Objective.text),
            col(Report.state),
            col(Report.reviewer_comment),
        )
        .join(MacroArea, col(MacroArea.id) == Objective.area_id)
        .outerjoin(Report, and_(col(Report.objective_id) == Objective.id, col(Report.semester_id) == semester_id))
        .where(rules.MONITORED_SQL, *plans.objectives_of_semester(session, semester_id))
        .order_by(col(MacroArea.position), col(Objective.id))
    )
    return [
        {"id": i, "code": code, "area": area, "text": text, "state": state, "comment": comment or ""}
        for i, code, area, text, state, comment in _editable(actor, rows)
    ]


def waiting_for_lead(*, actor: Actor, session: Session, today: date | None = None) -> dict[str, int]:
    """Reports waiting for this lead in open semesters: sent back, or not started before the deadline."""
    if not actor.is_lead:
        return {"returned": 0, "not_started": 0}
    today = today or rome_today()  # the Ambito's calendar day
    returned = not_started = 0
    for sem in session.exec(select(Semester).where(Semester.state == SemesterState.APERTO)):
        for row in entry_status(actor=actor, semester_id=pk(sem), session=session):
            if row["state"] == ReportState.DA_RIVEDERE:
                returned += 1
            elif row["state"] is None and (sem.deadline is None or today <= sem.deadline):
                not_started += 1  # past the deadline the lead can no longer enter it: not a to-do
    return {"returned": returned, "not_started": not_started}


@dataclass
class EntryView:
    objective: dict
    semester: dict
    report: dict | None
    actions: list[dict]
    indicators: list[dict]
    spend: list[dict]
    budget_sources: list[str]
    sub_areas: list[str]
    block_reason: str | None
    snapshot: dict[str, str | None]
    carried_from: list[str] = field(default_factory=list)  # semesters whose approved action states were taken
    source_context: dict[str, SourceContext] = field(default_factory=dict)  # budget and earlier spend per source


def load_entry(
    objective_id: int,
    semester_id: int,
    *,
    actor: Actor,
    session: Session,
    today: date | None = None,
    for_form: bool = True,
) -> EntryView:
    """What the entry form shows for one objective and semester. `for_form=False` (the Excel template, hundreds
    of objectives at once) leaves out what only the form uses: the snapshot it checks conflicts against and the
    budget context of each funding source (a third of the time)."""
    from models.tables import BudgetLine

    objective, area = objective_area(session, objective_id)
    semester = get_semester(session, semester_id)
    report = get_report(objective_id, semester_id, session=session)
    states = {}
    values: dict[int, IndicatorValue] = {}
    splits: dict[int, dict[str, float]] = {}
    spend_rows: list[dict] = []
    subs = {s.id: s.code for s in session.exec(select(SubArea).order_by(col(SubArea.position)))}
    if report is not None:
        states = {
            s.action_id: s.state for s in session.exec(select(ActionStatus).where(ActionStatus.report_id == report.id))
        }
        values = {
            v.indicator_id: v for v in session.exec(select(IndicatorValue).where(IndicatorValue.report_id == report.id))
        }
        for v in values.values():
            splits[v.indicator_id] = {
                subs[s.sub_area_id]: s.value
                for s in session.exec(select(SubAreaValue).where(SubAreaValue.value_id == v.id))
            }
        spend_rows = [
            {
                "source": s.source,
                "committed": s.committed,
                "paid": s.paid,
                "document_ref": s.document_ref,
                "note": s.note,
            }
            for s in session.exec(select(Spend).where(Spend.report_id == report.id).order_by(Spend.source))
        ]
    indicators = live_indicators(session, objective_id, report)
    targets = indicator_targets(session, [pk(i) for i in indicators], semester.year)
    history = previous_values(session, [pk(i) for i in indicators], semester)
    # Actions without a state in this report start from their last approved state (carry forward), while the
    # lead can still save it: a submitted or approved report shows what it holds, the figure the Cruscotto counts.
    carried = (
        {}
        if report is not None and report.state in (ReportState.INVIATA, ReportState.APPROVATA)
        else carried_states_for(objective_id, semester.year, semester.half, session=session)
    )
    carried = {a: item for a, item in carried.items() if a not in states}
    budget_sources = sorted(
        {
            b.source
            for b in session.exec(
                select(BudgetLine).where(BudgetLine.objective_id == objective_id, BudgetLine.retired == False)
            )
            if b.source
        }
    )
    return EntryView(
        objective={
            "id": objective.id,
            "code": objective.code,
            "text": objective.text,
            "area": area.letter,
            "area_title": area.title,
        },
        semester={
            "id": semester.id,
            "year": semester.year,
            "half": semester.half,
            "state": semester.state,
            "deadline": semester.deadline,
            "label": semester_label(semester.year, semester.half),
        },
        report=None
        if report is None
        else {
            "version": report.version,
            "state": report.state,
            "comment": report.reviewer_comment,
            "users_assessment": report.users_assessment,
            "users_not_relevant": report.users_not_relevant,
            "resource_adequacy": report.resource_adequacy,
            "critical_issues": report.critical_issues,
            "need_answered": report.need_answered,
            "need_reason": report.need_reason,
            "proposed_again": report.proposed_again,
            "proposed_reason": report.proposed_reason,
            "updated_at": report.updated_at,
        },
        actions=[
            {
                "id": a.id,
                "text": a.text,
                "position": a.position,
                "retired": a.retired,
                "state": states.get(pk(a)) or starting_state(pk(a), carried),
                "carried": a.id in carried,
            }
            for a in live_actions(session, objective_id, report)
        ],
        indicators=[
            {
                "id": i.id,
                "text": i.text,
                "battery": i.battery,
                "unit": i.unit,
                "higher_is_better": i.higher_is_better,
                "retired": i.retired,
                "target": targets[i.id].target if i.id in targets else None,
                "value_num": values[i.id].value_num if i.id in values else None,
                "value_text": values[i.id].value_text if i.id in values else "",
                "note": values[i.id].note if i.id in values else "",
                "split": splits.get(pk(i), {}),
                "history": history.get(pk(i), []),
            }
            for i in indicators
        ],
        spend=spend_rows,
        budget_sources=budget_sources,
        sub_areas=list(subs.values()),
        block_reason=edit_block_reason(actor, area.letter, semester, report, today),
        snapshot=report_snapshot(session, report, objective_id) if for_form else {},
        carried_from=sorted(
            {i.semester for i in carried.values()},
            key=lambda label: next(i.ordinal for i in carried.values() if i.semester == label),
        ),
        source_context=source_context_for(objective_id, semester.year, semester.half, session=session)
        if for_form
        else {},
    )

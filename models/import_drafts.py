"""What one objective of an entry-template import is now and what the file says (models/entry_import.py): the
saved report as the form would send it, the draft read from the file, and their merge and dry-run changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from models.import_cells import input_value
from models.permissions import Actor
from models.reports import (
    IndicatorInput,
    ReportInput,
    SpendInput,
    live_actions,
    live_indicators,
    save_report,
)
from models.tables import (
    ActionStatus,
    IndicatorValue,
    Report,
    Spend,
    SubArea,
    SubAreaValue,
    pk,
)
from models.vocab import (
    ActionState,
    Unit,
)

# --- what one objective is now, and what the file says --------------------------------------


@dataclass
class ObjectiveNow:
    id: int
    code: str
    area: str
    report_id: int | None
    version: int | None
    actions: set[int]  # live actions
    indicators: dict[int, str]  # live indicator -> unit
    saved: ReportInput  # the saved report as the form would send it


@dataclass
class Draft:
    objective: ObjectiveNow
    anchor: tuple[str, str]  # sheet and cell naming the objective in problems
    actions: dict[int, str] = field(default_factory=dict)
    indicators: dict[int, IndicatorInput] = field(default_factory=dict)
    spend: dict[str, SpendInput] = field(default_factory=dict)
    qualitative: dict[str, Any] | None = None


QUALITATIVE_FIELDS = (
    "users_assessment",
    "users_not_relevant",
    "resource_adequacy",
    "critical_issues",
    "need_answered",
    "need_reason",
    "proposed_again",
    "proposed_reason",
)


def load_objective(session: Session, entry: dict, semester_id: int) -> ObjectiveNow:
    """An objective's live actions and indicators and its saved report, as plain values."""
    report = session.exec(
        select(Report).where(Report.objective_id == entry["id"], Report.semester_id == semester_id)
    ).first()
    saved = ReportInput(
        objective_id=entry["id"], semester_id=semester_id, base_version=report.version if report else None
    )
    indicators = {pk(i): i.unit for i in live_indicators(session, entry["id"], report)}
    if report is not None:
        fill_saved(session, report, indicators, saved)
    return ObjectiveNow(
        entry["id"],
        entry["code"],
        entry["area"],
        report.id if report else None,
        report.version if report else None,
        {pk(a) for a in live_actions(session, entry["id"], report)},
        indicators,
        saved,
    )


def fill_saved(session: Session, report: Report, units: dict[int, str], saved: ReportInput) -> None:
    saved.actions = {
        s.action_id: s.state for s in session.exec(select(ActionStatus).where(ActionStatus.report_id == report.id))
    }
    values = list(session.exec(select(IndicatorValue).where(IndicatorValue.report_id == report.id)))
    splits: dict[int, dict[str, float]] = {}
    if values:
        rows = session.exec(
            select(SubAreaValue.value_id, SubArea.code, SubAreaValue.value)
            .join(SubArea, col(SubArea.id) == SubAreaValue.sub_area_id)
            .where(col(SubAreaValue.value_id).in_([v.id for v in values]))
        )
        for value_id, code, value in rows:
            splits.setdefault(value_id, {})[code] = value
    for v in values:
        unit = units.get(v.indicator_id, Unit.NUMERO)
        saved.indicators[v.indicator_id] = IndicatorInput(
            input_value(unit, v.value_num, v.value_text), v.note, splits.get(pk(v), {})
        )
    saved.spend = [
        SpendInput(
            s.source, s.committed, s.paid, s.document_ref, s.note, confirmed_over=s.paid > s.committed
        )  # it was confirmed when saved
        for s in session.exec(select(Spend).where(Spend.report_id == report.id).order_by(Spend.source))
    ]
    for key in QUALITATIVE_FIELDS:
        setattr(saved, key, getattr(report, key))


def merged_input(draft: Draft) -> ReportInput:
    """The saved report with the file's rows on top: what the form would send."""
    saved = draft.objective.saved
    data = ReportInput(
        objective_id=saved.objective_id,
        semester_id=saved.semester_id,
        base_version=saved.base_version,
        actions=dict(saved.actions),
        indicators=dict(saved.indicators),
    )
    for action_id, state in draft.actions.items():
        if state != ActionState.NON_AVVIATA or action_id in saved.actions:
            data.actions[action_id] = state  # a default state never saved stays unsaved: no change
    for indicator_id, given in draft.indicators.items():
        if indicator_id in saved.indicators or given.value not in (None, "") or given.note or given.split:
            data.indicators[indicator_id] = given
    spend = {s.source: s for s in saved.spend}
    spend.update(draft.spend)
    data.spend = list(spend.values())
    for key in QUALITATIVE_FIELDS:
        setattr(data, key, getattr(saved, key) if draft.qualitative is None else draft.qualitative[key])
    return data


def same_input(data: ReportInput, saved: ReportInput) -> bool:
    """True when saving `data` would write exactly what is saved; False is settled by the dry run (it may still
    change nothing, e.g. an assessment typed next to «non pertinente», which the save drops)."""
    return (
        data.actions == saved.actions
        and _indicator_key(data) == _indicator_key(saved)
        and _spend_key(data) == _spend_key(saved)
        and all(getattr(data, k) == getattr(saved, k) for k in QUALITATIVE_FIELDS)
    )


def _indicator_key(data: ReportInput) -> dict[int, tuple[Any, str, dict[str, Any]]]:
    return {i: (v.value, v.note, v.split) for i, v in data.indicators.items()}


def _spend_key(data: ReportInput) -> list[tuple[str, float, float, str, str]]:
    return sorted((s.source, s.committed or 0.0, s.paid or 0.0, s.document_ref, s.note) for s in data.spend)


def changes_of(
    session: Session, data: ReportInput, actor: Actor, today: date | None
) -> list[tuple[str, str | None, str | None]]:
    """save_report's exact changes, inside a SAVEPOINT that is always rolled back."""
    savepoint = session.begin_nested()
    try:
        result = save_report(data, actor=actor, session=session, today=today)
        session.flush()  # every row and audit entry inside the savepoint, so that the rollback drops them
        return result.changes
    finally:
        savepoint.rollback()
        session.expire_all()  # nothing read during the dry run may be mistaken for saved data

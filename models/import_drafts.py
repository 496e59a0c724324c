"""What one objective of an entry-template import is now and what the file says (models/entry_import.py): the
saved report as the form would send it (from its models/report_context.ReportContext), the draft read from the
file, and their merge."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from models.import_cells import input_value
from models.report_context import QUALITATIVE_FIELDS, ReportContext
from models.reports import IndicatorInput, ReportInput, SpendInput
from models.tables import pk
from models.vocab import ActionState, Unit

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


def load_objective(ctx: ReportContext, entry: dict) -> ObjectiveNow:
    """An objective's live actions and indicators and its saved report, as plain values."""
    report = ctx.report
    saved = ReportInput(
        objective_id=entry["id"], semester_id=ctx.semester_id, base_version=report.version if report else None
    )
    indicators = {pk(i): i.unit for i in ctx.indicators}
    if report is not None:
        fill_saved(ctx, indicators, saved)
    return ObjectiveNow(
        entry["id"],
        entry["code"],
        entry["area"],
        report.id if report else None,
        report.version if report else None,
        {pk(a) for a in ctx.actions},
        indicators,
        saved,
    )


def fill_saved(ctx: ReportContext, units: dict[int, str], saved: ReportInput) -> None:
    saved.actions = {action_id: s.state for action_id, s in ctx.statuses.items()}
    for indicator_id, v in ctx.values.items():
        unit = units.get(indicator_id, Unit.NUMERO)
        split = {code: sv.value for code, sv in ctx.splits.get(indicator_id, {}).items()}
        saved.indicators[indicator_id] = IndicatorInput(input_value(unit, v.value_num, v.value_text), v.note, split)
    saved.spend = [
        SpendInput(
            s.source, s.committed, s.paid, s.document_ref, s.note, confirmed_over=s.paid > s.committed
        )  # it was confirmed when saved
        for s in ctx.spends.values()
    ]
    for key in QUALITATIVE_FIELDS:
        setattr(saved, key, getattr(ctx.report, key))


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

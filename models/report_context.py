"""What a save of semester reports reads, loaded for many objectives at once, and the report as plain values.

A save (models/report_save.py) needs, per objective: the objective and its area, the report, the form's live
actions and indicators, the saved action states, indicator values, sub-area splits and spend lines, and the
objective's budget. `load_contexts` reads them for any number of objectives in a few set-based queries (the
entry-template import saves hundreds of objectives: one query per row read was ~60 queries per objective).

`ReportData` is a report's figures as plain values: what is saved (`current_data`) and what a save will leave
(`models.report_save`); `snapshot` turns it into the flat 'field label' -> text used by conflicts, approvals and
the audit trail, so the changes of a save are known before writing anything, and the same after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from models.tables import (
    Action,
    ActionStatus,
    BudgetLine,
    Indicator,
    IndicatorValue,
    MacroArea,
    Objective,
    Report,
    Spend,
    SubArea,
    SubAreaValue,
    pk,
)
from models.validation import plausible_amount
from models.vocab import ADEGUACY_LABELS, FundingSource, Unit, battery_rank, funding_label, yes_no_label

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
_CHUNK = 500  # ids per IN list: far below SQLite's and PostgreSQL's parameter limits


@dataclass
class ReportContext:
    """One objective's report in one semester with everything a save reads (rows of the session)."""

    objective: Objective
    area: str  # the area's letter
    semester_id: int
    report: Report | None
    actions: list[Action]  # the form's live actions, in order
    indicators: list[Indicator]  # the form's live indicators, in order
    statuses: dict[int, ActionStatus] = field(default_factory=dict)  # action id -> row
    values: dict[int, IndicatorValue] = field(default_factory=dict)  # indicator id -> row
    splits: dict[int, dict[str, SubAreaValue]] = field(default_factory=dict)  # indicator id -> code -> row
    spends: dict[str, Spend] = field(default_factory=dict)  # source -> row, by source
    budget: tuple[dict[str, float], float] = ({}, 0.0)  # by source, total (load_contexts' budget_year)
    sub_areas: dict[str, int] = field(default_factory=dict)  # every sub-area: code -> id


@dataclass
class ReportData:
    """A report's figures as plain values (no rows): what is saved, or what a save will leave."""

    exists: bool
    states: dict[int, str]  # action id -> state
    values: dict[int, tuple[float | None, str, str]]  # indicator id -> (number, text, note)
    splits: dict[int, dict[str, float]]  # indicator id -> sub-area code -> value
    spend: dict[str, tuple[float, float, str, str]]  # source -> (committed, paid, document, note)
    qualitative: dict[str, Any]
    state: str | None  # vocab.ReportState


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


def live(rows: Iterable[Any], used: set[int]) -> list[Any]:
    """The form's rows: active ones, plus retired ones that already have data in the report."""
    return [r for r in rows if not r.retired or r.id in used]


def indicator_order(indicators: Iterable[Indicator]) -> list[Indicator]:
    return sorted(indicators, key=lambda i: (battery_rank(i.battery), i.position))


def load_contexts(
    session: Session,
    semester_id: int,
    objective_ids: Iterable[int],
    *,
    budget_year: int | None = None,
    reports: dict[int, Report | None] | None = None,
) -> dict[int, ReportContext]:
    """objective id -> its ReportContext (objectives not found are left out). `budget_year`: also load each
    objective's budget for that year (what spend is compared with). `reports`: use these report rows instead of
    looking them up (report_snapshot of a given row)."""
    ids = list(dict.fromkeys(objective_ids))
    areas = {pk(a): a.letter for a in session.exec(select(MacroArea))}
    codes = {pk(s): s.code for s in session.exec(select(SubArea))}
    sub_areas = {code: sub_id for sub_id, code in codes.items()}
    objectives: dict[int, Objective] = {}
    found: dict[int, Report | None] = {}
    actions: dict[int, list[Action]] = {}
    indicators: dict[int, list[Indicator]] = {}
    statuses: dict[int, dict[int, ActionStatus]] = {}
    values: dict[int, dict[int, IndicatorValue]] = {}
    splits: dict[int, dict[int, dict[str, SubAreaValue]]] = {}
    spends: dict[int, dict[str, Spend]] = {}
    budgets: dict[int, dict[str, float]] = {}
    of_report: dict[int, int] = {}  # report id -> objective id
    for chunk in _chunks(ids):
        objectives.update((pk(o), o) for o in session.exec(select(Objective).where(col(Objective.id).in_(chunk))))
        if reports is None:
            rows = session.exec(
                select(Report).where(Report.semester_id == semester_id, col(Report.objective_id).in_(chunk))
            )
            found.update((r.objective_id, r) for r in rows)
        for a in session.exec(
            select(Action).where(col(Action.objective_id).in_(chunk)).order_by(col(Action.position), col(Action.id))
        ):
            actions.setdefault(a.objective_id, []).append(a)
        for i in session.exec(
            select(Indicator)
            .where(col(Indicator.objective_id).in_(chunk))
            .order_by(col(Indicator.battery), col(Indicator.position), col(Indicator.id))
        ):
            indicators.setdefault(i.objective_id, []).append(i)
        if budget_year is not None:  # the live budget of the year and of the whole plan: what spend is compared with
            for line in session.exec(
                select(BudgetLine).where(
                    col(BudgetLine.objective_id).in_(chunk),
                    BudgetLine.retired == False,
                    or_(col(BudgetLine.year) == budget_year, col(BudgetLine.year).is_(None)),
                )
            ):
                if line.amount is not None and plausible_amount(line.amount) and line.objective_id is not None:
                    by_source = budgets.setdefault(line.objective_id, {})
                    key = line.source or FundingSource.ALTRO
                    by_source[key] = by_source.get(key, 0.0) + line.amount
    if reports is not None:
        found = {o: reports.get(o) for o in ids}
    for objective_id, report in found.items():
        if report is not None and report.id is not None:
            of_report[report.id] = objective_id
    for chunk in _chunks(list(of_report)):
        for s in session.exec(select(ActionStatus).where(col(ActionStatus.report_id).in_(chunk))):
            statuses.setdefault(of_report[s.report_id], {})[s.action_id] = s
        for v in session.exec(select(IndicatorValue).where(col(IndicatorValue.report_id).in_(chunk))):
            values.setdefault(of_report[v.report_id], {})[v.indicator_id] = v
        for sv, report_id, indicator_id in session.exec(
            select(SubAreaValue, IndicatorValue.report_id, IndicatorValue.indicator_id)
            .join(IndicatorValue, col(IndicatorValue.id) == SubAreaValue.value_id)
            .where(col(IndicatorValue.report_id).in_(chunk))
            .order_by(col(SubAreaValue.id))
        ):
            by_indicator = splits.setdefault(of_report[report_id], {})
            by_indicator.setdefault(indicator_id, {})[codes.get(sv.sub_area_id, "?")] = sv
        for sp in session.exec(
            select(Spend).where(col(Spend.report_id).in_(chunk)).order_by(col(Spend.source), col(Spend.id))
        ):
            spends.setdefault(of_report[sp.report_id], {})[sp.source] = sp
    out: dict[int, ReportContext] = {}
    for objective_id in ids:
        objective = objectives.get(objective_id)
        if objective is None:
            continue
        report = found.get(objective_id)
        done = statuses.get(objective_id, {})
        given = values.get(objective_id, {})
        by_source = budgets.get(objective_id, {})
        out[objective_id] = ReportContext(
            objective=objective,
            area=areas.get(objective.area_id, "?"),
            semester_id=semester_id,
            report=report,
            actions=live(actions.get(objective_id, []), set(done)),
            indicators=indicator_order(live(indicators.get(objective_id, []), set(given))),
            statuses=done,
            values=given,
            splits=splits.get(objective_id, {}),
            spends=spends.get(objective_id, {}),
            budget=(by_source, sum(by_source.values())),
            sub_areas=sub_areas,
        )
    return out


def current_data(ctx: ReportContext) -> ReportData:
    """What is saved now, as plain values."""
    report = ctx.report
    return ReportData(
        exists=report is not None,
        states={a: s.state for a, s in ctx.statuses.items()},
        values={i: (v.value_num, v.value_text, v.note) for i, v in ctx.values.items()},
        splits={i: {code: sv.value for code, sv in by_code.items()} for i, by_code in ctx.splits.items()},
        spend={s: (sp.committed, sp.paid, sp.document_ref, sp.note) for s, sp in ctx.spends.items()},
        qualitative={k: getattr(report, k) for k in QUALITATIVE_FIELDS} if report is not None else {},
        state=report.state if report is not None else None,
    )


def snapshot(ctx: ReportContext, data: ReportData) -> dict[str, str | None]:
    """The report as flat 'field label' -> text: for conflicts, approved snapshots and the audit trail."""
    snap: dict[str, str | None] = {}
    if not data.exists:
        return snap
    for a in ctx.actions:
        snap[f"Azione {a.position + 1}: {short(a.text)}"] = data.states.get(pk(a))
    for ind in ctx.indicators:
        v = data.values.get(pk(ind))
        label = f"Indicatore ({ind.battery}): {short(ind.text)}"
        snap[label] = None if v is None else _value_text(ind.unit, v[0], v[1])
        snap[f"{label} – nota"] = (v[2] or None) if v else None
        if v is not None:
            for code, value in data.splits.get(pk(ind), {}).items():
                snap[f"{label} – {code}"] = number_text(value)
    for source in sorted(data.spend):
        committed, paid, ref, note = data.spend[source]
        name = f"Spesa {funding_label(source)}"
        snap[f"{name} – impegnato"] = number_text(committed)
        snap[f"{name} – liquidato"] = number_text(paid)
        snap[f"{name} – documento"] = ref or None
        snap[f"{name} – nota"] = note or None
    q = data.qualitative
    snap["Valutazione degli utenti"] = (
        "non pertinente" if q.get("users_not_relevant") else (q.get("users_assessment") or None)
    )
    adequacy = q.get("resource_adequacy")
    snap["Adeguatezza delle risorse"] = ADEGUACY_LABELS.get(adequacy) if adequacy else None
    snap["Criticità e piano di miglioramento"] = q.get("critical_issues") or None
    snap["Bisogno soddisfatto"] = yes_no_label(q.get("need_answered"))
    snap["Bisogno soddisfatto – motivazione"] = q.get("need_reason") or None
    snap["Da riproporre"] = yes_no_label(q.get("proposed_again"))
    snap["Da riproporre – motivazione"] = q.get("proposed_reason") or None
    return snap


def short(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def number_text(value: float | None) -> str | None:
    from models.formatting import number

    return None if value is None else number(value, 2)


def _value_text(unit: str, num: float | None, text: str) -> str | None:
    if unit == Unit.TESTO:
        return text or None
    if num is None:
        return None
    if unit == Unit.SI_NO:
        return "sì" if num else "no"
    return number_text(num)

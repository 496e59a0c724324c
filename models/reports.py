"""Semester reports: the form's context, the save (one transaction, optimistic locking, audit).

A report is one objective's data for one semester; its `version` is the unit of concurrency: a save names
the version it started from and is refused when somebody else saved in between.

A save is planned, then written. `plan_save` does every check on the objective's loaded context
(models/report_context.py) and writes nothing: permission (require_area_write), closed semester, deadline and
report state (edit_block_reason), a retired objective, the form's rules (models/report_input.py clean_report),
the version the user started from, and the exact changes, computed on plain values (snapshot before and after).
The entry-template import runs it as its dry run. `write_plans` then writes planned saves in the caller's
transaction, in a few statements for any number of objectives: it takes each report (a new one is inserted
inside a savepoint; an existing one's version is bumped only if it is still the planned one: of two simultaneous
saves from the same version one finds it changed and raises ConflictError), writes the rows, then the audit
trail of the planned changes. `save_report` is both for one report; `save_reports` for many (the import).

Over 400 lines: the form's context and the save's two steps change together (the plan is what the write writes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import insert, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from models import rules
from models.audit import change_row, record_changes
from models.calendar import rome_today
from models.comments import record_comment
from models.db import bump_data_change
from models.errors import DomainError, NotFound
from models.permissions import Actor, PermissionDenied, can_edit_area, require_area_write
from models.report_context import (
    ReportContext,
    ReportData,
    current_data,
    indicator_order,
    live,
    load_contexts,
    snapshot,
)
from models.report_input import (
    CleanReport,
    IndicatorInput,
    ReportInput,
    SpendInput,
    ValidationFailed,
    clean_report,
)
from models.scoring import band_label, objective_achievement
from models.tables import (
    Action,
    ActionStatus,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    MacroArea,
    Objective,
    Plan,
    Report,
    Semester,
    Spend,
    SubAreaValue,
    pk,
    utcnow,
)
from models.vocab import (
    CommentKind,
    ReportState,
    SemesterState,
    semester_label,
)


class ConflictError(DomainError, RuntimeError):
    """Somebody else saved this report first; `changes` lists what they changed."""

    def __init__(self, changes: list[tuple[str, str | None, str | None]], by: str):
        self.changes, self.by = changes, by
        super().__init__(
            f"Qualcun altro ({by}) ha salvato questo report mentre lo stava modificando: "
            "i suoi dati non sono stati salvati. Rivedere le modifiche e salvare di nuovo."
        )


class ReportLocked(PermissionDenied):
    """The report cannot be edited now (closed semester, deadline, state)."""


# --- context for the form ---------------------------------------------------------------------


def objective_area(session: Session, objective_id: int) -> tuple[Objective, MacroArea]:
    objective = session.get(Objective, objective_id)
    if objective is None:
        raise NotFound("Obiettivo non trovato.")
    area = session.get(MacroArea, objective.area_id)
    if area is None:  # a foreign key: only a broken database
        raise RuntimeError(f"objective {objective_id} has no area")
    return objective, area


def get_semester(session: Session, semester_id: int) -> Semester:
    semester = session.get(Semester, semester_id)
    if semester is None:
        raise NotFound("Semestre non trovato.")
    return semester


def _report(session: Session, objective_id: int, semester_id: int) -> Report | None:
    return session.exec(
        select(Report).where(Report.objective_id == objective_id, Report.semester_id == semester_id)
    ).first()


def get_report(objective_id: int, semester_id: int, *, session: Session) -> Report | None:
    """The objective's report in the semester, or None when nothing was entered."""
    return _report(session, objective_id, semester_id)


def live_actions(session: Session, objective_id: int, report: Report | None) -> list[Action]:
    """Actions of the form: active ones, plus retired ones that already have a state in this report."""
    used = set()
    if report is not None:
        used = set(session.exec(select(ActionStatus.action_id).where(ActionStatus.report_id == report.id)))
    rows = session.exec(select(Action).where(col(Action.objective_id) == objective_id).order_by(col(Action.position)))
    return live(rows, used)


def live_indicators(session: Session, objective_id: int, report: Report | None) -> list[Indicator]:
    used = set()
    if report is not None:
        used = set(session.exec(select(IndicatorValue.indicator_id).where(IndicatorValue.report_id == report.id)))
    rows = session.exec(select(Indicator).where(col(Indicator.objective_id) == objective_id))
    return indicator_order(live(rows, used))


def edit_block_reason(
    actor: Actor, area_letter: str, semester: Semester, report: Report | None, today: date | None = None
) -> str | None:
    """Why this actor cannot edit this report now, in one Italian line; None when they can."""
    today = today or rome_today()  # the Ambito's calendar day
    if not can_edit_area(actor, area_letter):
        if actor.role == "comitato":
            return "Sola lettura: il Comitato Ristretto consulta i dati ma non li modifica."
        return f"Sola lettura: l'area {area_letter} non è tra le sue aree."
    if semester.state == SemesterState.CHIUSO:
        return f"Il {semester_label(semester.year, semester.half)} è chiuso: i dati non sono più modificabili."
    if report is not None and report.state == ReportState.APPROVATA and actor.is_office:
        return "Report approvato: per modificarlo occorre prima riaprirlo (Revisione semestrale)."
    if actor.is_office:
        return None
    if report is not None and report.state == ReportState.INVIATA:
        return "Report inviato all'Ufficio di Piano: è in sola lettura finché non viene approvato o rimandato."
    if report is not None and report.state == ReportState.APPROVATA:
        return "Report approvato dall'Ufficio di Piano: in sola lettura (l'Ufficio può riaprirlo)."
    return deadline_reason(actor, semester, today)


def deadline_reason(actor: Actor, semester: Semester, today: date | None = None) -> str | None:
    """Why a lead can no longer save or submit in this semester (its deadline passed); None for the Ufficio di
    Piano, which may still enter and submit data after the deadline."""
    today = today or date.today()
    if actor.is_office or semester.deadline is None or today <= semester.deadline:
        return None
    return (
        f"Scadenza per l'inserimento superata il {semester.deadline:%d/%m/%Y}: "
        "per una proroga rivolgersi all'Ufficio di Piano."
    )


def indicator_targets(session: Session, indicator_ids: list[int], year: int) -> dict[int, IndicatorTarget]:
    if not indicator_ids:
        return {}
    rows = session.exec(
        select(IndicatorTarget).where(
            col(IndicatorTarget.indicator_id).in_(indicator_ids), IndicatorTarget.year == year
        )
    )
    return {t.indicator_id: t for t in rows}


def previous_values(session: Session, indicator_ids: list[int], semester: Semester) -> dict[int, list[tuple[str, Any]]]:
    """Earlier semesters' values per indicator, oldest first: [(semester label, value)]."""
    if not indicator_ids:
        return {}
    rows = session.exec(
        # sqlmodel.select is typed for up to 4 columns
        select(  # type: ignore[call-overload]
            IndicatorValue.indicator_id,
            Semester.year,
            Semester.half,
            IndicatorValue.value_num,
            IndicatorValue.value_text,
        )
        .join(Report, Report.id == IndicatorValue.report_id)
        .join(Semester, Semester.id == Report.semester_id)
        .where(
            col(IndicatorValue.indicator_id).in_(indicator_ids),
            rules.SEMESTER_ORDINAL_SQL < rules.semester_ordinal(semester.year, semester.half),
        )
        .order_by(*rules.SEMESTER_ORDER)
    )
    out: dict[int, list[tuple[str, Any]]] = {}
    for ind_id, year, half, num, text in rows:
        out.setdefault(ind_id, []).append((semester_label(year, half), num if num is not None else text))
    return out


def report_snapshot(session: Session, report: Report | None, objective_id: int) -> dict[str, str | None]:
    """The report as flat 'field label' -> text: for conflicts, approved snapshots and the audit trail."""
    if report is None:
        return {}
    ctx = load_contexts(session, report.semester_id, [objective_id], reports={objective_id: report})[objective_id]
    return snapshot(ctx, current_data(ctx))


def diff_snapshots(old: dict[str, str | None], new: dict[str, str | None]) -> list[tuple[str, str | None, str | None]]:
    keys = list(dict.fromkeys([*old.keys(), *new.keys()]))
    return [(k, old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k)]


# --- validation (the rules: models/report_input.py) ----------------------------------------------


def validate_report(session: Session, data: ReportInput, *, submitting: bool) -> CleanReport:
    """Check every field; raise ValidationFailed listing every problem. Writes nothing."""
    semester = get_semester(session, data.semester_id)
    contexts = load_contexts(session, pk(semester), [data.objective_id], budget_year=semester.year)
    if data.objective_id not in contexts:
        raise NotFound("Obiettivo non trovato.")
    return clean_report(contexts[data.objective_id], data, submitting=submitting)


# --- saving -----------------------------------------------------------------------------------


@dataclass
class SaveResult:
    report_id: int
    version: int
    state: str
    changes: list[tuple[str, str | None, str | None]]


def save_report(
    data: ReportInput, *, actor: Actor, session: Session, submit: bool = False, today: date | None = None
) -> SaveResult:
    """Validate then write the whole report in the caller's transaction; optionally submit it."""
    return save_reports([data], actor=actor, session=session, submit=submit, today=today)[0]


def last_author(session: Session, report: Report | None) -> str:
    from models.tables import User

    if report is None or report.updated_by is None:
        return "un altro utente"
    user = session.get(User, report.updated_by)
    return user.name if user else "un altro utente"


_CHUNK = 400  # (id, version) pairs per UPDATE


@dataclass
class SavePlan:
    """One checked save, not written yet."""

    ctx: ReportContext
    data: ReportInput
    clean: CleanReport
    before: dict[str, str | None]  # the report's snapshot now (a conflict is shown against it)
    changes: list[tuple[str, str | None, str | None]]
    submit: bool
    old_state: str = ReportState.BOZZA


def plan_save(
    ctx: ReportContext,
    data: ReportInput,
    *,
    semester: Semester,
    actor: Actor,
    session: Session,
    submit: bool = False,
    today: date | None = None,
) -> SavePlan:
    """Every check of a save and its exact changes; writes nothing. Raises PermissionDenied, ReportLocked,
    ValidationFailed or ConflictError as the save would."""
    require_area_write(actor, ctx.area)
    reason = edit_block_reason(actor, ctx.area, semester, ctx.report, today)
    if reason:
        raise ReportLocked(reason)
    if ctx.objective.retired:
        raise ReportLocked("Obiettivo ritirato: non riceve dati nei nuovi semestri.")
    if not _in_plan_years(session, ctx.objective, semester):
        raise ReportLocked("Obiettivo di un altro piano: riceve dati solo nei semestri degli anni del suo piano.")
    clean = clean_report(ctx, data, submitting=submit)
    now = current_data(ctx)
    before = snapshot(ctx, now)
    report = ctx.report
    if report is None and data.base_version is not None:
        raise ConflictError([], "sconosciuto")
    if report is not None and (data.base_version is None or data.base_version != report.version):
        raise ConflictError(diff_snapshots(data.base_snapshot, before), last_author(session, report))
    after = _applied(now, clean, submit)
    return SavePlan(ctx, data, clean, before, diff_snapshots(before, snapshot(ctx, after)), submit)


def _in_plan_years(session: Session, objective: Objective, semester: Semester) -> bool:
    """An objective receives data only in the semesters of its own plan (models/plans.py: plans by years)."""
    area = session.get(MacroArea, objective.area_id)
    plan = session.get(Plan, area.plan_id) if area is not None else None
    return plan is None or plan.first_year <= semester.year <= plan.last_year


def _applied(now: ReportData, clean: CleanReport, submit: bool) -> ReportData:
    """What the report will be once `clean` is written (write_plans writes exactly this)."""
    values, splits = dict(now.values), dict(now.splits)
    for indicator_id, (num, text, note, split) in clean.values.items():
        values[indicator_id] = (num, text, note)
        splits[indicator_id] = dict(split)
    return ReportData(
        exists=True,
        states={**now.states, **clean.actions},
        values=values,
        splits=splits,
        spend={source: (committed, paid, ref, note) for source, committed, paid, ref, note in clean.spend},
        qualitative={**now.qualitative, **clean.qualitative},
        state=ReportState.INVIATA if submit else (now.state or ReportState.BOZZA),
    )


def save_reports(
    inputs: Sequence[ReportInput],
    *,
    actor: Actor,
    session: Session,
    submit: bool = False,
    today: date | None = None,
) -> list[SaveResult]:
    """Check then write every report (one per objective) in the caller's transaction; optionally submit them."""
    plans = plan_saves(session, inputs, actor=actor, submit=submit, today=today)
    return write_plans(session, plans, actor)


def plan_saves(
    session: Session, inputs: Sequence[ReportInput], *, actor: Actor, submit: bool = False, today: date | None = None
) -> list[SavePlan]:
    """plan_save for each input, their contexts loaded together."""
    if len({(d.objective_id, d.semester_id) for d in inputs}) != len(inputs):
        raise ValueError("one save per report")
    semesters: dict[int, Semester] = {}
    contexts: dict[tuple[int, int], ReportContext] = {}
    for semester_id in dict.fromkeys(d.semester_id for d in inputs):
        semester = semesters[semester_id] = get_semester(session, semester_id)
        ids = [d.objective_id for d in inputs if d.semester_id == semester_id]
        found = load_contexts(session, semester_id, ids, budget_year=semester.year)
        contexts.update(((objective_id, semester_id), ctx) for objective_id, ctx in found.items())
    plans = []
    for data in inputs:
        ctx = contexts.get((data.objective_id, data.semester_id))
        if ctx is None:
            raise NotFound("Obiettivo non trovato.")
        semester = semesters[data.semester_id]
        plans.append(plan_save(ctx, data, semester=semester, actor=actor, session=session, submit=submit, today=today))
    return plans


def write_plans(session: Session, plans: Sequence[SavePlan], actor: Actor) -> list[SaveResult]:
    """Write planned saves in the caller's transaction: the reports (version checked), their rows, the audit."""
    _claim(session, plans, actor)
    for plan in plans:
        write_rows(session, plan, actor)
    session.flush()  # new indicator values get their id, the old splits are gone
    results, audit, splits = [], [], []
    for plan in plans:
        ctx, report = plan.ctx, plan.ctx.report
        assert report is not None  # claimed
        for indicator_id, (_num, _text, _note, split) in plan.clean.values.items():
            value_id = pk(ctx.values[indicator_id])
            for code, value in split.items():
                splits.append({"value_id": value_id, "sub_area_id": ctx.sub_areas[code], "value": value})
        objective_id, semester_id = pk(ctx.objective), ctx.semester_id
        changes = [
            *plan.changes,
            *([("Stato", plan.old_state, report.state)] if plan.old_state != report.state else []),
        ]
        for label, old, new in changes:
            row = change_row(
                actor,
                entity="report",
                entity_id=report.id,
                field=label,
                old=old,
                new=new,
                objective_id=objective_id,
                semester_id=semester_id,
            )
            if row is not None:
                audit.append(row)
        if plan.old_state != report.state:
            record_comment(session, pk(report), actor, CommentKind.INVIO)
        results.append(
            SaveResult(report_id=pk(report), version=report.version, state=report.state, changes=plan.changes)
        )
    if splits:  # one statement for all of them: no ids needed back
        session.execute(insert(SubAreaValue), splits)
    record_changes(session, audit)
    session.flush()
    if plans:
        bump_data_change(session)
    return results


def _claim(session: Session, plans: Sequence[SavePlan], actor: Actor) -> None:
    """Take each report for its save: create it, or bump its version only if nobody saved since the plan."""
    created = [p for p in plans if p.ctx.report is None]
    if created:
        for p in created:
            p.ctx.report = Report(
                objective_id=p.data.objective_id, semester_id=p.data.semester_id, version=1, updated_by=actor.user_id
            )
        try:
            # Added inside the savepoint: a simultaneous first save that wins makes an INSERT fail, the
            # savepoint's rollback forgets the objects and the outer transaction stays usable.
            with session.begin_nested():
                session.add_all([p.ctx.report for p in created if p.ctx.report is not None])
                session.flush()
        except IntegrityError:
            for p in created:
                existing = get_report(p.data.objective_id, p.data.semester_id, session=session)
                if existing is not None:
                    raise ConflictError(
                        diff_snapshots({}, report_snapshot(session, existing, p.data.objective_id)),
                        last_author(session, existing),
                    ) from None
            raise
    claimed = {pk(p.ctx.report): p for p in plans if p not in created and p.ctx.report is not None}
    pairs = [(report_id, p.data.base_version) for report_id, p in claimed.items()]
    bumped: set[int] = set()
    for start in range(0, len(pairs), _CHUNK):
        # Atomic compare-and-set: of two simultaneous saves from the same version, one updates no row.
        chunk = pairs[start : start + _CHUNK]
        bumped.update(
            session.execute(
                update(Report)
                .where(col(Report.id).in_([i for i, _v in chunk]))  # the primary key's index (SQLite scans otherwise)
                .where(tuple_(col(Report.id), col(Report.version)).in_(chunk))
                .values(version=col(Report.version) + 1)
                .returning(col(Report.id))
                .execution_options(synchronize_session=False)
            ).scalars()
        )
    for report_id, p in claimed.items():
        report = p.ctx.report
        assert report is not None and p.data.base_version is not None
        if report_id not in bumped:
            session.expire(report)
            raise ConflictError(
                diff_snapshots(p.data.base_snapshot, report_snapshot(session, report, p.data.objective_id)),
                last_author(session, report),
            )
        set_committed_value(report, "version", p.data.base_version + 1)


def write_rows(session: Session, plan: SavePlan, actor: Actor) -> None:
    """The report's fields, action states, indicator values and spend lines; the old splits of the indicators
    written are deleted (write_plans adds the new ones once the values have their id)."""
    ctx, clean, report = plan.ctx, plan.clean, plan.ctx.report
    assert report is not None
    report_id = pk(report)
    for action_id, state in clean.actions.items():
        status = ctx.statuses.get(action_id) or ActionStatus(report_id=report_id, action_id=action_id)
        status.state = state
        ctx.statuses[action_id] = status
        session.add(status)
    for indicator_id, (num, text, note, _split) in clean.values.items():
        value_row = ctx.values.get(indicator_id) or IndicatorValue(report_id=report_id, indicator_id=indicator_id)
        value_row.value_num, value_row.value_text, value_row.note = num, text, note
        ctx.values[indicator_id] = value_row
        session.add(value_row)
        for old in ctx.splits.pop(indicator_id, {}).values():
            session.delete(old)
    kept = set()
    for source, committed, paid, ref, note in clean.spend:
        row = ctx.spends.get(source) or Spend(report_id=report_id, source=source)
        row.committed, row.paid, row.document_ref, row.note = committed, paid, ref, note
        session.add(row)
        kept.add(source)
    for source, row in ctx.spends.items():
        if source not in kept:
            session.delete(row)
    for key, value in clean.qualitative.items():
        setattr(report, key, value)
    report.updated_at, report.updated_by = utcnow(), actor.user_id
    plan.old_state = report.state
    if plan.submit:
        report.state = ReportState.INVIATA
    session.add(report)


__all__ = [
    "ConflictError",
    "IndicatorInput",
    "ReportInput",
    "ReportLocked",
    "SaveResult",
    "SpendInput",
    "ValidationFailed",
    "band_label",
    "objective_achievement",
    "save_report",
]

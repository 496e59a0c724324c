"""Semester reports: input, validation, save (one transaction, optimistic locking, audit).

A report is one objective's data for one semester; its `version` is the unit of concurrency: a save names
the version it started from and is refused when somebody else saved in between.

Over 400 lines: input, validation and the save transaction change together (the save's checks are the input's rules).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models import rules
from models.audit import record_change
from models.calendar import rome_today
from models.comments import record_comment
from models.db import bump_data_change
from models.errors import DomainError, NotFound
from models.permissions import Actor, PermissionDenied, can_edit_area, require_area_write
from models.scoring import band_label, objective_achievement
from models.tables import (
    Action,
    ActionStatus,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    MacroArea,
    Objective,
    Report,
    Semester,
    Spend,
    SubArea,
    SubAreaValue,
    pk,
    utcnow,
)
from models.validation import (
    EURO,
    MAX_NOTE,
    MAX_REF,
    FieldError,
    clean_action_state,
    clean_adequacy,
    clean_indicator_value,
    clean_number,
    clean_spend,
    clean_split,
    clean_text,
    clean_yes_no,
    over_budget,
    over_budget_message,
    plausible_amount,
)
from models.vocab import (
    ADEGUACY_LABELS,
    CommentKind,
    FundingSource,
    ReportState,
    SemesterState,
    Unit,
    battery_rank,
    funding_label,
    semester_label,
    yes_no_label,
)


class ValidationFailed(DomainError, ValueError):
    """Every problem of a submitted form; nothing was written."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


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


# --- what the form edits ----------------------------------------------------------------------


@dataclass
class IndicatorInput:
    value: Any = None  # raw: text as typed, number, or bool
    note: str = ""
    split: dict[str, Any] = field(default_factory=dict)  # sub-area code -> raw value


@dataclass
class SpendInput:
    source: str
    committed: Any = None
    paid: Any = None
    document_ref: str = ""
    note: str = ""
    confirmed_over: bool = False


@dataclass
class ReportInput:
    objective_id: int
    semester_id: int
    base_version: int | None  # the version the user started from; None for a report not yet saved
    base_snapshot: dict[str, str | None] = field(default_factory=dict)
    actions: dict[int, Any] = field(default_factory=dict)
    indicators: dict[int, IndicatorInput] = field(default_factory=dict)
    spend: list[SpendInput] = field(default_factory=list)
    users_assessment: str = ""
    users_not_relevant: bool = False
    resource_adequacy: Any = None
    critical_issues: str = ""
    need_answered: Any = None
    need_reason: str = ""
    proposed_again: Any = None
    proposed_reason: str = ""


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
    return [a for a in rows if not a.retired or a.id in used]


def live_indicators(session: Session, objective_id: int, report: Report | None) -> list[Indicator]:
    used = set()
    if report is not None:
        used = set(session.exec(select(IndicatorValue.indicator_id).where(IndicatorValue.report_id == report.id)))
    rows = session.exec(
        select(Indicator)
        .where(col(Indicator.objective_id) == objective_id)
        .order_by(col(Indicator.battery), col(Indicator.position))
    )
    return sorted(
        [i for i in rows if not i.retired or i.id in used], key=lambda i: (battery_rank(i.battery), i.position)
    )


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
    snap: dict[str, str | None] = {}
    if report is None:
        return snap
    states = {
        s.action_id: s.state for s in session.exec(select(ActionStatus).where(ActionStatus.report_id == report.id))
    }
    for a in live_actions(session, objective_id, report):
        snap[f"Azione {a.position + 1}: {_short(a.text)}"] = states.get(pk(a))
    values = {
        v.indicator_id: v for v in session.exec(select(IndicatorValue).where(IndicatorValue.report_id == report.id))
    }
    subs = {s.id: s.code for s in session.exec(select(SubArea))}
    for ind in live_indicators(session, objective_id, report):
        v = values.get(pk(ind))
        label = f"Indicatore ({ind.battery}): {_short(ind.text)}"
        snap[label] = None if v is None else _value_text(ind.unit, v)
        snap[f"{label} – nota"] = (v.note or None) if v else None
        if v is not None:
            for sv in session.exec(select(SubAreaValue).where(SubAreaValue.value_id == v.id)):
                snap[f"{label} – {subs.get(sv.sub_area_id, '?')}"] = _num(sv.value)
    for sp in session.exec(select(Spend).where(Spend.report_id == report.id).order_by(Spend.source)):
        name = f"Spesa {funding_label(sp.source)}"
        snap[f"{name} – impegnato"] = _num(sp.committed)
        snap[f"{name} – liquidato"] = _num(sp.paid)
        snap[f"{name} – documento"] = sp.document_ref or None
        snap[f"{name} – nota"] = sp.note or None
    snap["Valutazione degli utenti"] = (
        "non pertinente" if report.users_not_relevant else (report.users_assessment or None)
    )
    snap["Adeguatezza delle risorse"] = (
        ADEGUACY_LABELS.get(report.resource_adequacy) if report.resource_adequacy else None
    )
    snap["Criticità e piano di miglioramento"] = report.critical_issues or None
    snap["Bisogno soddisfatto"] = _yes_no(report.need_answered)
    snap["Bisogno soddisfatto – motivazione"] = report.need_reason or None
    snap["Da riproporre"] = _yes_no(report.proposed_again)
    snap["Da riproporre – motivazione"] = report.proposed_reason or None
    return snap


def diff_snapshots(old: dict[str, str | None], new: dict[str, str | None]) -> list[tuple[str, str | None, str | None]]:
    keys = list(dict.fromkeys([*old.keys(), *new.keys()]))
    return [(k, old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k)]


def _short(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _num(value: float | None) -> str | None:
    from models.formatting import number

    return None if value is None else number(value, 2)


def _yes_no(value: bool | None) -> str | None:
    return yes_no_label(value)


def _value_text(unit: str, v: IndicatorValue) -> str | None:
    if unit == Unit.TESTO:
        return v.value_text or None
    if v.value_num is None:
        return None
    if unit == Unit.SI_NO:
        return "sì" if v.value_num else "no"
    return _num(v.value_num)


# --- validation -------------------------------------------------------------------------------


@dataclass
class CleanReport:
    actions: dict[int, str]
    values: dict[int, tuple[float | None, str, str, dict[str, float]]]  # num, text, note, split
    spend: list[tuple[str, float, float, str, str]]  # source, committed, paid, ref, note
    qualitative: dict[str, Any]


def validate_report(session: Session, data: ReportInput, *, submitting: bool) -> CleanReport:
    """Check every field; raise ValidationFailed listing every problem. Writes nothing."""
    report = _report(session, data.objective_id, data.semester_id)
    errors: list[FieldError] = []
    actions = {a.id: a for a in live_actions(session, data.objective_id, report)}
    indicators = {i.id: i for i in live_indicators(session, data.objective_id, report)}
    sub_codes = set(session.exec(select(SubArea.code)))
    clean = CleanReport(actions={}, values={}, spend=[], qualitative={})

    for action_id, raw in data.actions.items():
        action = actions.get(action_id)
        if action is None:
            errors.append(FieldError("Azioni", f"azione {action_id} non appartiene all'obiettivo."))
            continue
        try:
            clean.actions[action_id] = clean_action_state(raw, f"Azione {action.position + 1}")
        except FieldError as exc:
            errors.append(_at(exc, f"action:{action_id}"))
    for ind_id, given in data.indicators.items():
        ind = indicators.get(ind_id)
        if ind is None:
            errors.append(FieldError("Indicatori", f"indicatore {ind_id} non appartiene all'obiettivo."))
            continue
        label = f"Indicatore «{_short(ind.text, 50)}»"
        try:
            num, text = clean_indicator_value(ind.unit, given.value, label)
            unknown = set(given.split) - sub_codes
            if unknown:
                raise FieldError(label, f"sub-ambiti sconosciuti: {', '.join(sorted(unknown))}.")
            split = clean_split(ind.unit, num, given.split, label)
            note = clean_text(given.note, f"{label} – nota", limit=MAX_NOTE)
            clean.values[ind_id] = (num, text, note, split)
        except FieldError as exc:
            errors.append(_at(exc, f"indicator:{ind_id}"))
    errors.extend(_clean_spend_lines(session, data, report, clean))
    q = clean.qualitative
    for key, label, fn in (
        ("users_assessment", "Valutazione degli utenti", clean_text),
        ("critical_issues", "Criticità e piano di miglioramento", clean_text),
        ("need_reason", "Bisogno soddisfatto – motivazione", clean_text),
        ("proposed_reason", "Da riproporre – motivazione", clean_text),
        ("need_answered", "Bisogno soddisfatto (SI/NO)", clean_yes_no),
        ("proposed_again", "Da riproporre (SI/NO)", clean_yes_no),
        ("resource_adequacy", "Adeguatezza delle risorse", clean_adequacy),
    ):
        try:
            q[key] = fn(getattr(data, key), label)
        except FieldError as exc:
            errors.append(_at(exc, f"q:{key}"))
    q["users_not_relevant"] = bool(data.users_not_relevant)
    if q.get("users_not_relevant"):
        q["users_assessment"] = ""
    if submitting and not errors:
        errors.extend(_required_for_submission(q))
    if errors:
        raise ValidationFailed(errors)
    return clean


def objective_budget(session: Session, objective_id: int, year: int) -> tuple[dict[str, float], float]:
    """The objective's live budget for the semester's year (lines of that year and of the whole plan):
    by funding source, and in total. What a spend line is compared with for the over-budget warning."""
    from models.tables import BudgetLine

    by_source: dict[str, float] = {}
    for line in session.exec(
        select(BudgetLine).where(
            BudgetLine.objective_id == objective_id,
            BudgetLine.retired == False,
            or_(col(BudgetLine.year) == year, col(BudgetLine.year).is_(None)),
        )
    ):
        if line.amount is not None and plausible_amount(line.amount):
            key = line.source or FundingSource.ALTRO
            by_source[key] = by_source.get(key, 0.0) + line.amount
    return by_source, sum(by_source.values())


def _already_confirmed(saved: Spend | None, item: SpendInput, label: str) -> bool:
    """A confirmation given with a save stays valid while the figures are the ones saved with it."""
    if saved is None:
        return False
    try:
        committed = clean_number(item.committed, label, unit=EURO) or 0.0
        paid = clean_number(item.paid, label, unit=EURO) or 0.0
    except FieldError:
        return False
    return committed == saved.committed and paid == saved.paid


def _clean_spend_lines(
    session: Session, data: ReportInput, report: Report | None, clean: CleanReport
) -> list[FieldError]:
    """Spend lines: one per source; an empty line is left out (no data, not zero spent); paid above committed
    and amounts far above the objective's budget need a confirmation with a note (kept while unchanged)."""
    errors: list[FieldError] = []
    semester = get_semester(session, data.semester_id)
    by_source, total_budget = objective_budget(session, data.objective_id, semester.year)
    saved = (
        {} if report is None else {s.source: s for s in session.exec(select(Spend).where(Spend.report_id == report.id))}
    )
    seen_sources: set[str] = set()
    explained = False
    for item in data.spend:
        if item.source not in tuple(FundingSource):
            errors.append(FieldError("Spesa – fonte", f"fonte «{item.source}» non ammessa."))
            continue
        label = f"Spesa {funding_label(item.source)}"
        if item.source in seen_sources:
            errors.append(_at(FieldError(label, "fonte ripetuta: una riga per fonte."), f"spend:{item.source}"))
            continue
        seen_sources.add(item.source)
        confirmed = item.confirmed_over or _already_confirmed(saved.get(item.source), item, label)
        try:
            line = clean_spend(
                item.committed,
                item.paid,
                item.note,
                confirmed=confirmed,
                field=label,
                budget=by_source.get(item.source) or total_budget or None,
            )
            ref = clean_text(item.document_ref, f"{label} – documento", limit=MAX_REF)
        except FieldError as exc:
            errors.append(_at(exc, f"spend:{item.source}"))
            continue
        if line is None:
            if ref or str(item.note or "").strip():
                errors.append(
                    _at(
                        FieldError(
                            f"{label} – impegnato",
                            "indicare l'impegnato o il liquidato (anche 0), oppure svuotare documento e nota.",
                        ),
                        f"spend:{item.source}",
                    )
                )
            continue
        committed, paid, note = line
        explained = explained or (confirmed and bool(note))
        clean.spend.append((item.source, committed, paid, ref, note))
    committed_total = sum(row[1] for row in clean.spend)
    paid_total = sum(row[2] for row in clean.spend)
    for what, amount in (("impegnato", committed_total), ("liquidato", paid_total)):
        if over_budget(amount, total_budget) and not explained and not errors:
            errors.append(FieldError(f"Spesa – totale {what}", over_budget_message(amount, total_budget)))
            break
    return errors


def _required_for_submission(q: dict[str, Any]) -> list[FieldError]:
    missing = []
    if not q["users_not_relevant"] and not q["users_assessment"]:
        missing.append(
            _at(
                FieldError("Valutazione degli utenti", "indicare la valutazione o «non pertinente»."),
                "q:users_assessment",
            )
        )
    if q["resource_adequacy"] is None:
        missing.append(
            _at(
                FieldError("Adeguatezza delle risorse", "scegliere un livello prima dell'invio."), "q:resource_adequacy"
            )
        )
    for key, reason, label in (
        ("need_answered", "need_reason", "Bisogno soddisfatto"),
        ("proposed_again", "proposed_reason", "Da riproporre"),
    ):
        if q[key] is None:
            missing.append(_at(FieldError(label, "rispondere SI o NO prima dell'invio."), f"q:{key}"))
        elif not q[reason]:
            missing.append(
                _at(FieldError(f"{label} – motivazione", "motivare la risposta prima dell'invio."), f"q:{reason}")
            )
    return missing


def _at(error: FieldError, target: str) -> FieldError:
    """Tie an error to the form field it belongs to (see FieldError.target)."""
    error.target = target
    return error


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
    objective, area = objective_area(session, data.objective_id)
    require_area_write(actor, area.letter)
    semester = get_semester(session, data.semester_id)
    report = _report(session, data.objective_id, data.semester_id)
    reason = edit_block_reason(actor, area.letter, semester, report, today)
    if reason:
        raise ReportLocked(reason)
    if objective.retired:
        raise ReportLocked("Obiettivo ritirato: non riceve dati nei nuovi semestri.")
    clean = validate_report(session, data, submitting=submit)

    before = report_snapshot(session, report, pk(objective))
    report = _claim(session, report, data, actor, before)
    write_children(session, report, clean)
    for key, value in clean.qualitative.items():
        setattr(report, key, value)
    report.updated_at, report.updated_by = utcnow(), actor.user_id
    old_state = report.state
    if submit:
        report.state = ReportState.INVIATA
    session.add(report)
    session.flush()
    after = report_snapshot(session, report, pk(objective))
    changes = diff_snapshots(before, after)
    for label, old, new in changes:
        record_change(
            session,
            actor,
            entity="report",
            entity_id=report.id,
            field=label,
            old=old,
            new=new,
            objective_id=objective.id,
            semester_id=semester.id,
        )
    if old_state != report.state:
        record_change(
            session,
            actor,
            entity="report",
            entity_id=report.id,
            field="Stato",
            old=old_state,
            new=report.state,
            objective_id=objective.id,
            semester_id=semester.id,
        )
        record_comment(session, pk(report), actor, CommentKind.INVIO)
    bump_data_change(session)
    return SaveResult(report_id=pk(report), version=report.version, state=report.state, changes=changes)


def _claim(
    session: Session, report: Report | None, data: ReportInput, actor: Actor, before: dict[str, str | None]
) -> Report:
    """Take the report for this save: create it, or bump its version only if nobody saved since."""
    if report is None:
        if data.base_version is not None:
            raise ConflictError([], "sconosciuto")
        report = Report(
            objective_id=data.objective_id, semester_id=data.semester_id, version=1, updated_by=actor.user_id
        )
        try:
            # Added inside the savepoint: a simultaneous first save that wins makes this INSERT fail, the
            # savepoint's rollback forgets the object and the outer transaction stays usable.
            with session.begin_nested():
                session.add(report)
                session.flush()
        except IntegrityError:
            existing = _report(session, data.objective_id, data.semester_id)
            if existing is None:
                raise
            raise ConflictError(
                diff_snapshots({}, report_snapshot(session, existing, data.objective_id)),
                last_author(session, existing),
            ) from None
        return report
    if data.base_version is None or data.base_version != report.version:
        raise ConflictError(diff_snapshots(data.base_snapshot, before), last_author(session, report))
    # Atomic compare-and-set: of two simultaneous saves from the same version, one updates 0 rows.
    result = session.exec(
        update(Report)
        .where(col(Report.id) == report.id, col(Report.version) == data.base_version)
        .values(version=Report.version + 1)
    )
    if result.rowcount != 1:
        session.expire(report)
        raise ConflictError(
            diff_snapshots(data.base_snapshot, report_snapshot(session, report, data.objective_id)),
            last_author(session, report),
        )
    session.refresh(report)
    return report


def last_author(session: Session, report: Report | None) -> str:
    from models.tables import User

    if report is None or report.updated_by is None:
        return "un altro utente"
    user = session.get(User, report.updated_by)
    return user.name if user else "un altro utente"


def write_children(session: Session, report: Report, clean: CleanReport) -> None:
    statuses = {s.action_id: s for s in session.exec(select(ActionStatus).where(ActionStatus.report_id == report.id))}
    for action_id, state in clean.actions.items():
        status = statuses.get(action_id) or ActionStatus(report_id=pk(report), action_id=action_id)
        status.state = state
        session.add(status)
    values = {
        v.indicator_id: v for v in session.exec(select(IndicatorValue).where(IndicatorValue.report_id == report.id))
    }
    subs = {s.code: pk(s) for s in session.exec(select(SubArea))}
    for ind_id, (num, text, note, split) in clean.values.items():
        value_row = values.get(ind_id) or IndicatorValue(report_id=pk(report), indicator_id=ind_id)
        value_row.value_num, value_row.value_text, value_row.note = num, text, note
        session.add(value_row)
        session.flush()
        for old in session.exec(select(SubAreaValue).where(SubAreaValue.value_id == value_row.id)):
            session.delete(old)
        session.flush()
        for code, value in split.items():
            session.add(SubAreaValue(value_id=pk(value_row), sub_area_id=subs[code], value=value))
    spends = {s.source: s for s in session.exec(select(Spend).where(Spend.report_id == report.id))}
    kept = set()
    for source, committed, paid, ref, note in clean.spend:
        row = spends.get(source) or Spend(report_id=pk(report), source=source)
        row.committed, row.paid, row.document_ref, row.note = committed, paid, ref, note
        session.add(row)
        kept.add(source)
    for source, row in spends.items():
        if source not in kept:
            session.delete(row)


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

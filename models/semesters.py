"""Semesters: open any semester of the plan's period with its deadline (past ones too: a plan that started
before the app is backfilled), close (all approved, or with a reason), reopen (logged), days left.

Opening a semester while another is open is allowed (backfilling runs beside the current semester) but must
be confirmed: leads then see two semesters to fill in.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from models import plans, rules
from models.audit import record_change
from models.calendar import days_left, rome_today
from models.db import bump_data_change
from models.permissions import Actor, require_office
from models.reports import ReportLocked
from models.tables import MacroArea, Objective, Report, Semester, pk
from models.validation import FieldError, clean_text
from models.vocab import ReportState, SemesterState, report_state_label, semester_label

DEFAULT_DEADLINE_DAYS = 31  # data entry closes a month after the semester ends


class ConfirmationNeeded(FieldError):
    """The write is allowed but has a consequence the user must confirm first (the message says which)."""


def semester_of(day: date) -> tuple[int, int]:
    return day.year, 1 if day.month <= 6 else 2


def semester_to_open(*, session: Session, today: date | None = None) -> tuple[int, int]:
    """The semester the office opens next: the one after the latest, or today's when there is none."""
    latest = latest_semester(session=session)
    if latest is None:
        return semester_of(today or date.today())
    return rules.next_semester(latest.year, latest.half)


def semester_end(year: int, half: int) -> date:
    return date(year, 6, 30) if half == 1 else date(year, 12, 31)


def default_deadline(year: int, half: int) -> date:
    return semester_end(year, half) + timedelta(days=DEFAULT_DEADLINE_DAYS)


def ensure_current_semester(session: Session, today: date | None = None) -> Semester | None:
    """First start: open the semester we are in, so that data entry can begin. Nothing if any exists."""
    if session.exec(select(Semester.id)).first() is not None:
        return None
    year, half = semester_of(today or rome_today())
    sem = Semester(year=year, half=half, deadline=default_deadline(year, half))
    session.add(sem)
    return sem


def latest_semester(*, session: Session) -> Semester | None:
    return session.exec(select(Semester).order_by(rules.SEMESTER_ORDINAL_SQL.desc())).first()


def days_left_text(deadline: date | None, now: datetime | None = None) -> str:
    """The entry page's line about the deadline, in Italian."""
    left = days_left(deadline, now)
    if left is None:
        return "Nessuna scadenza fissata per l'inserimento."
    when = f"{deadline:%d/%m/%Y}"
    if left > 1:
        return f"Scadenza per l'inserimento: {when} (mancano {left} giorni)."
    if left == 1:
        return f"Scadenza per l'inserimento: {when} (domani)."
    if left == 0:
        return f"Scadenza per l'inserimento: {when} (oggi è l'ultimo giorno)."
    return f"Scadenza per l'inserimento: {when} (superata da {-left} {'giorno' if left == -1 else 'giorni'})."


def plan_semesters(*, session: Session) -> list[tuple[int, int]]:
    """Every (year, half) of the current plan's period, in time order (2025 I .. 2027 II for 2025-2027)."""
    plan = plans.current_plan_row(session)
    if plan is None:
        return []
    return [(y, h) for y in range(plan.first_year, plan.last_year + 1) for h in (1, 2)]


def openable_semesters(*, session: Session) -> list[tuple[int, int]]:
    """Semesters of the plan's period not opened yet, past ones included (backfill), in time order."""
    existing = {(s.year, s.half) for s in session.exec(select(Semester))}
    return [ys for ys in plan_semesters(session=session) if ys not in existing]


def suggested_deadline(year: int, half: int, today: date | None = None) -> date:
    """A month after the semester ends; for a semester long over (backfill), a month from today."""
    today = today or rome_today()
    return max(default_deadline(year, half), today + timedelta(days=DEFAULT_DEADLINE_DAYS))


def other_open_semesters(*, session: Session) -> list[str]:
    """Labels of the semesters open now (opening one more asks for confirmation)."""
    rows = session.exec(
        select(Semester)
        .where(col(Semester.state) == SemesterState.APERTO)
        .order_by(col(Semester.year), col(Semester.half))
    )
    return [semester_label(s.year, s.half) for s in rows]


def open_semester(
    year: int, half: int, deadline: date | None, *, actor: Actor, session: Session, confirmed: bool = False
) -> Semester:
    """Open any semester of the plan's period; with another one open, only when `confirmed`."""
    require_office(actor, "l'apertura di un semestre")
    if half not in (1, 2):
        raise FieldError("Semestre", "scegliere I o II.")
    if session.exec(select(Semester).where(Semester.year == year, Semester.half == half)).first():
        raise FieldError("Semestre", f"il {semester_label(year, half)} esiste già.")
    period = plan_semesters(session=session)
    if period and (year, half) not in period:
        raise FieldError(
            "Semestre",
            f"il {semester_label(year, half)} è fuori dal periodo del piano "
            f"({semester_label(*period[0])} – {semester_label(*period[-1])}).",
        )
    already_open = other_open_semesters(session=session)
    if already_open and not confirmed:
        raise ConfirmationNeeded(
            "Conferma",
            f"è già aperto il {', '.join(already_open)}: confermare per aprire "
            f"anche il {semester_label(year, half)} (i referenti vedranno "
            "entrambi i semestri da compilare).",
        )
    deadline = deadline or suggested_deadline(year, half)
    if deadline < semester_end(year, half) - timedelta(days=183):
        raise FieldError("Scadenza", "la scadenza precede l'inizio del semestre.")
    sem = Semester(year=year, half=half, deadline=deadline)
    session.add(sem)
    session.flush()
    record_change(
        session,
        actor,
        entity="semester",
        entity_id=sem.id,
        field="Semestre aperto",
        old=None,
        new=f"{semester_label(year, half)}, scadenza {deadline:%d/%m/%Y}",
        semester_id=sem.id,
    )
    return sem


def _semester(session: Session, semester_id: int) -> Semester:
    sem = session.get(Semester, semester_id)
    if sem is None:
        raise FieldError("Semestre", "non trovato.")
    return sem


def set_deadline(semester_id: int, deadline: date, *, actor: Actor, session: Session) -> None:
    """Move the data-entry deadline (this is how the office grants an extension)."""
    require_office(actor, "la modifica della scadenza")
    sem = _semester(session, semester_id)
    if sem.state == SemesterState.CHIUSO:
        raise ReportLocked("Semestre chiuso: riaprirlo prima di cambiare la scadenza.")
    old = sem.deadline
    sem.deadline = deadline
    sem.version += 1
    record_change(
        session,
        actor,
        entity="semester",
        entity_id=sem.id,
        field="Scadenza",
        old=old and f"{old:%d/%m/%Y}",
        new=f"{deadline:%d/%m/%Y}",
        semester_id=sem.id,
    )


def missing_reports(semester_id: int, *, session: Session) -> list[dict]:
    """Live specific objectives whose report this semester is not approved (None = no data at all)."""
    states = {r.objective_id: r.state for r in session.exec(select(Report).where(Report.semester_id == semester_id))}
    rows = session.exec(
        select(Objective, MacroArea)
        .join(MacroArea, col(MacroArea.id) == Objective.area_id)
        .where(rules.MONITORED_SQL, *plans.objectives_of_semester(session, semester_id))
        .order_by(col(MacroArea.position), col(Objective.id))
    )
    return [
        {"code": o.code, "area": a.letter, "state": states.get(pk(o))}
        for o, a in rows
        if states.get(pk(o)) != ReportState.APPROVATA
    ]


def close_semester(semester_id: int, *, actor: Actor, session: Session, reason: str = "") -> list[dict]:
    """Close when every report is approved, or with a reason (the missing ones are listed and logged)."""
    require_office(actor, "la chiusura del semestre")
    sem = _semester(session, semester_id)
    if sem.state == SemesterState.CHIUSO:
        raise ReportLocked("Il semestre è già chiuso.")
    missing = missing_reports(semester_id, session=session)
    reason = clean_text(reason, "Motivazione", limit=2000)
    if missing and not reason:
        raise FieldError(
            "Motivazione",
            f"{len(missing)} obiettivi non hanno un report approvato: per chiudere comunque indicare il motivo.",
        )
    sem.state, sem.closed_reason = SemesterState.CHIUSO, reason
    sem.version += 1
    listed = ", ".join(f"{m['code']} ({report_state_label(m['state'])})" for m in missing)
    record_change(
        session,
        actor,
        entity="semester",
        entity_id=sem.id,
        field="Stato semestre",
        old="aperto",
        new="chiuso",
        semester_id=sem.id,
        reason=(reason + (f" — mancanti: {listed}" if listed else "")),
    )
    bump_data_change(session)
    return missing


def reopen_semester(semester_id: int, *, actor: Actor, session: Session, reason: str) -> None:
    require_office(actor, "la riapertura del semestre")
    sem = _semester(session, semester_id)
    if sem.state != SemesterState.CHIUSO:
        raise ReportLocked("Il semestre è già aperto.")
    reason = clean_text(reason, "Motivazione", limit=2000)
    if not reason:
        raise FieldError("Motivazione", "obbligatoria per riaprire un semestre chiuso.")
    sem.state = SemesterState.APERTO
    sem.version += 1
    record_change(
        session,
        actor,
        entity="semester",
        entity_id=sem.id,
        field="Stato semestre",
        old="chiuso",
        new="aperto",
        semester_id=sem.id,
        reason=reason,
    )
    bump_data_change(session)

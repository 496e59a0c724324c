"""Who wants which e-mail notices, and when leads are reminded.

A user receives every kind of notice meant for their role unless they turned it off (table `noticeoptout`:
one row per kind turned off; all of them = no notices). The plan's reminder days (table `noticesettings`) say
how many calendar days before the deadline leads whose reports are not submitted are reminded: 7 and 2 unless
the Ufficio di Piano sets others.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete
from sqlmodel import Session, select

from models import plans
from models.audit import record_change
from models.permissions import Actor, require_office
from models.tables import NoticeOptOut, NoticeSettings, User, pk
from models.users import set_email
from models.validation import FieldError
from models.vocab import NOTICE_KIND_LABELS, NoticeKind, Role

DEFAULT_REMINDER_DAYS = (7, 2)
MAX_REMINDER_DAY = 60  # further ahead a reminder is no longer about the deadline
MAX_REMINDERS = 5  # more would be noise, not reminders
REMINDER_FIELD = "Promemoria (giorni prima della scadenza)"

# The notices each role can receive (a lead's are about their own reports; the office's about everyone's).
KINDS_BY_ROLE: dict[str, tuple[NoticeKind, ...]] = {
    Role.REFERENTE: (
        NoticeKind.SEMESTRE_APERTO,
        NoticeKind.PROMEMORIA,
        NoticeKind.SCADENZA_SUPERATA,
        NoticeKind.RINVIO,
        NoticeKind.APPROVAZIONE,
    ),
    Role.UFFICIO_DI_PIANO: (NoticeKind.SCADENZA_SUPERATA, NoticeKind.RIEPILOGO),
    Role.COMITATO: (),
}


@dataclass(frozen=True)
class NoticePreferences:
    email: str
    available: tuple[NoticeKind, ...]  # the kinds this user's role receives
    enabled: tuple[NoticeKind, ...]  # of those, the ones not turned off


def kinds_for_role(role: str) -> tuple[NoticeKind, ...]:
    return KINDS_BY_ROLE.get(role, ())


def _user(session: Session, actor: Actor, user_id: int) -> User:
    if actor.user_id != user_id:
        require_office(actor, "la gestione degli avvisi di un altro utente")
    user = session.get(User, user_id)
    if user is None:
        raise FieldError("Utente", "non trovato.")
    return user


def notice_preferences(*, session: Session, actor: Actor, user_id: int) -> NoticePreferences:
    """A user's address and notices (their own, or anyone's for the Ufficio di Piano)."""
    user = _user(session, actor, user_id)
    off = set(session.exec(select(NoticeOptOut.kind).where(NoticeOptOut.user_id == user_id)))
    available = kinds_for_role(user.role)
    return NoticePreferences(user.email, available, tuple(k for k in available if k not in off))


def set_notice_preferences(*, session: Session, actor: Actor, user_id: int, enabled: list[str]) -> None:
    """Keep the kinds in `enabled`, turn every other kind off (an empty list: no notices at all)."""
    user = _user(session, actor, user_id)
    unknown = [k for k in enabled if k not in tuple(NoticeKind)]
    if unknown:
        raise FieldError("Avvisi", f"tipo sconosciuto: {', '.join(unknown)}.")
    wanted = set(enabled)
    off = [k for k in NoticeKind if k not in wanted]
    before = set(session.exec(select(NoticeOptOut.kind).where(NoticeOptOut.user_id == user_id)))
    if before == set(off):
        return
    session.execute(delete(NoticeOptOut).where(NoticeOptOut.user_id == user_id))  # type: ignore[arg-type]
    session.add_all(NoticeOptOut(user_id=pk(user), kind=k) for k in off)
    record_change(
        session,
        actor,
        entity="user",
        entity_id=user.id,
        field="avvisi e-mail",
        old=_describe(user.role, before),
        new=_describe(user.role, set(off)),
    )


def save_email_and_notices(*, session: Session, actor: Actor, user_id: int, email: str, enabled: list[str]) -> None:
    """The address and the notices wanted, saved together (one form, one transaction)."""
    set_email(session, actor=actor, user_id=user_id, email=email)
    set_notice_preferences(session=session, actor=actor, user_id=user_id, enabled=enabled)


def _describe(role: str, off: set[str]) -> str:
    kinds = [NOTICE_KIND_LABELS[k] for k in kinds_for_role(role) if k not in off]
    return ", ".join(kinds) if kinds else "nessuno"


def opted_out(*, session: Session) -> set[tuple[int, str]]:
    """Every (user id, kind) turned off."""
    return {(row.user_id, row.kind) for row in session.exec(select(NoticeOptOut))}


def parse_reminder_days(text: str) -> tuple[int, ...]:
    """'7, 2' -> (7, 2): whole days before the deadline, largest first; '' = no reminders."""
    parts = [p.strip() for p in (text or "").replace(";", ",").split(",") if p.strip()]
    days = []
    for part in parts:
        if not part.isdigit() or not part.isascii():
            raise FieldError(REMINDER_FIELD, f"«{part[:20]}» non è un numero intero di giorni (es. 7, 2).")
        day = int(part)
        if not 1 <= day <= MAX_REMINDER_DAY:
            raise FieldError(REMINDER_FIELD, f"{day}: ammessi da 1 a {MAX_REMINDER_DAY} giorni.")
        days.append(day)
    days = sorted(set(days), reverse=True)
    if len(days) > MAX_REMINDERS:
        raise FieldError(REMINDER_FIELD, f"al massimo {MAX_REMINDERS} promemoria.")
    return tuple(days)


def reminder_days_text(days: tuple[int, ...]) -> str:
    return ", ".join(str(d) for d in days)


def reminder_days(*, session: Session) -> tuple[int, ...]:
    """The current plan's reminder days, largest first (the default when the office never set them)."""
    plan = plans.current_plan_row(session)
    row = session.get(NoticeSettings, pk(plan)) if plan else None
    if row is None:
        return DEFAULT_REMINDER_DAYS
    return parse_reminder_days(row.reminder_days)


def set_reminder_days(text: str, *, actor: Actor, session: Session) -> tuple[int, ...]:
    require_office(actor, "l'impostazione dei promemoria")
    days = parse_reminder_days(text)
    plan = plans.current_plan_row(session)
    if plan is None:
        raise FieldError("Piano", "non ancora caricato.")
    old = reminder_days(session=session)
    row = session.get(NoticeSettings, pk(plan)) or NoticeSettings(plan_id=pk(plan))
    row.reminder_days = reminder_days_text(days)
    session.add(row)
    record_change(
        session,
        actor,
        entity="plan",
        entity_id=plan.id,
        field=REMINDER_FIELD,
        old=reminder_days_text(old) or "nessuno",
        new=reminder_days_text(days) or "nessuno",
    )
    return days

"""`make remind`: record the notices due now (each once, by its dedupe key), send those not sent yet, retry
those that failed; and what the Ufficio di Piano sees of it (sent and failed notices, SMTP configured or not).

Only this command sends: no page ever waits for a mail server. Without SMTP settings nothing is recorded or sent
(notices due meanwhile are not piled up to go out all at once later). A notice the server refuses or cannot
take stays *non inviato* and is retried on each run, up to MAX_ATTEMPTS; after REPORT_AFTER failures the
command reports it (and exits with 1, so that cron mails the administrator). Each notice is claimed before
it is sent (an UPDATE that only one run can win), so two runs started together do not send it twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models.config import ConfigError
from models.db import session_scope
from models.mailer import MailError, SmtpSettings, smtp_settings
from models.notice_prefs import kinds_for_role
from models.notices import Notice, due_notices
from models.permissions import Actor, require_office
from models.tables import NoticeSent, User, utcnow
from models.vocab import NOTICE_KIND_LABELS, NoticeKind, NoticeStatus

MAX_ATTEMPTS = 10  # then a notice is no longer retried (it stays on the page as not sent)
REPORT_AFTER = 3  # failed attempts after which a notice is reported (command output, log, page)
NO_SMTP = "Nessuna impostazione SMTP: nessun avviso viene inviato."
_ERROR_LIMIT = 500  # characters of a server's answer kept

log = logging.getLogger("pdz.remind")

Sender = Callable[[SmtpSettings, str, str, str], None]


@dataclass
class RunResult:
    configured: bool
    recorded: int = 0
    sent: int = 0
    failed: int = 0
    reported: list[str] = field(default_factory=list)  # notices failing again and again
    lines: list[str] = field(default_factory=list)  # what the command prints


def _record(session: Session, notices: list[Notice]) -> int:
    """Add the notices not recorded yet; returns how many. A key recorded meanwhile by another run is skipped."""
    keys = [n.dedupe_key for n in notices]
    known = (
        set(session.exec(select(NoticeSent.dedupe_key).where(col(NoticeSent.dedupe_key).in_(keys)))) if keys else set()
    )
    added = 0
    for n in notices:
        if n.dedupe_key in known:
            continue
        try:
            with session.begin_nested():
                session.add(
                    NoticeSent(
                        dedupe_key=n.dedupe_key,
                        kind=n.kind,
                        user_id=n.user_id,
                        address=n.address,
                        subject=n.subject,
                        body=n.body,
                        link=n.link,
                    )
                )
            added += 1
        except IntegrityError:
            continue
        known.add(n.dedupe_key)
    return added


def _to_send(session: Session) -> list[int]:
    rows = session.exec(
        select(col(NoticeSent.id))
        .where(col(NoticeSent.status) != NoticeStatus.INVIATO, col(NoticeSent.attempts) < MAX_ATTEMPTS)
        .order_by(col(NoticeSent.id))
    )
    return [i for i in rows if i is not None]


def _claim(session: Session, row: NoticeSent, now: datetime) -> bool:
    """Count the attempt before sending; False when another run claimed (or sent) this notice first."""
    claimed = session.execute(
        update(NoticeSent)
        .where(
            col(NoticeSent.id) == row.id,
            col(NoticeSent.attempts) == row.attempts,
            col(NoticeSent.status) != NoticeStatus.INVIATO,
        )
        .values(attempts=row.attempts + 1, last_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    session.refresh(row)
    return claimed.rowcount == 1  # type: ignore[attr-defined]


def _send_one(engine: Engine, notice_id: int, settings: SmtpSettings, send: Sender, now: datetime) -> bool | None:
    """True sent, False failed, None left to another run."""
    with session_scope(engine) as session:
        row = session.get(NoticeSent, notice_id)
        if row is None or not _claim(session, row, now):
            return None
        try:
            send(settings, row.address, row.subject, row.body)
        except MailError as exc:
            row.status, row.last_error = NoticeStatus.NON_INVIATO, str(exc)[:_ERROR_LIMIT]
            session.add(row)
            log.warning("notice %s to user %s not sent (attempt %d): %s", row.kind, row.user_id, row.attempts, exc)
            return False
        row.status, row.sent_at, row.last_error = NoticeStatus.INVIATO, now, ""
        session.add(row)
        log.info("notice %s sent to user %s", row.kind, row.user_id)
        return True


def _describe(kind: str, username: str, subject: str) -> str:
    return f"{NOTICE_KIND_LABELS.get(NoticeKind(kind), kind)} → {username}: {subject}"


def run_reminders(
    engine: Engine, *, now: datetime | None = None, settings: SmtpSettings | None, send: Sender, dry_run: bool = False
) -> RunResult:
    """What `make remind` does: record what is due at `now`, send it, retry earlier failures."""
    now = now or utcnow()
    if dry_run:
        return _dry_run(engine, now, configured=settings is not None)
    if settings is None:
        return RunResult(configured=False, lines=[NO_SMTP])
    with session_scope(engine) as session:
        recorded = _record(session, due_notices(session=session, now=now))
    with session_scope(engine) as session:
        ids = _to_send(session)
    result = RunResult(configured=True, recorded=recorded)
    for notice_id in ids:
        outcome = _send_one(engine, notice_id, settings, send, now)
        result.sent += outcome is True
        result.failed += outcome is False
    with session_scope(engine) as session:
        names = dict(session.exec(select(User.id, User.username)).all())
        for row in session.exec(
            select(NoticeSent)
            .where(col(NoticeSent.status) == NoticeStatus.NON_INVIATO, col(NoticeSent.attempts) >= REPORT_AFTER)
            .order_by(col(NoticeSent.id))
        ):
            gave_up = " (non sarà più ritentato)" if row.attempts >= MAX_ATTEMPTS else ""
            result.reported.append(
                f"{_describe(row.kind, names.get(row.user_id, '?'), row.subject)}: {row.attempts} tentativi "
                f"falliti{gave_up}, ultimo errore: {row.last_error}"
            )
    result.lines = [f"Avvisi: {result.recorded} nuovi, {result.sent} inviati, {result.failed} non inviati."]
    if result.reported:
        log.error("%d notices failed %d times or more", len(result.reported), REPORT_AFTER)
        result.lines += ["Avvisi non inviati dopo ripetuti tentativi:", *(f"  - {r}" for r in result.reported)]
    return result


def _dry_run(engine: Engine, now: datetime, *, configured: bool) -> RunResult:
    """Print what a run would send now; nothing is recorded or sent."""
    result = RunResult(configured=configured)
    with Session(engine) as session:
        names = dict(session.exec(select(User.id, User.username)).all())
        due = due_notices(session=session, now=now)
        known = set(session.exec(select(NoticeSent.dedupe_key)))
        retry = session.exec(select(NoticeSent).where(col(NoticeSent.id).in_(_to_send(session)))).all()
    new = [n for n in due if n.dedupe_key not in known]
    result.lines.append("Prova (DRY_RUN): nulla viene inviato né registrato.")
    if not configured:
        result.lines.append(NO_SMTP)
    result.lines.append(f"Da inviare: {len(new)} nuovi avvisi, {len(retry)} da ritentare.")
    for n in new:
        result.lines += [f"- {_describe(n.kind, names.get(n.user_id, '?'), n.subject)}", f"  a: {n.address}"]
        result.lines += [f"  {line}" for line in n.body.splitlines()]
    for row in retry:
        result.lines.append(f"- (ritentato) {_describe(row.kind, names.get(row.user_id, '?'), row.subject)}")
    return result


@dataclass(frozen=True)
class NoticeRow:
    at: datetime
    kind: str
    username: str
    subject: str
    status: str
    attempts: int
    last_error: str
    sent_at: datetime | None


def notice_log(*, session: Session, actor: Actor, limit: int = 200) -> list[NoticeRow]:
    """The latest notices, newest first, with their outcome (Ufficio di Piano only)."""
    require_office(actor, "la consultazione degli avvisi inviati")
    names = dict(session.exec(select(User.id, User.username)).all())
    rows = session.exec(select(NoticeSent).order_by(col(NoticeSent.id).desc()).limit(limit))
    return [
        NoticeRow(
            at=r.created_at,
            kind=NOTICE_KIND_LABELS.get(NoticeKind(r.kind), r.kind),
            username=names.get(r.user_id, "?"),
            subject=r.subject,
            status=r.status,
            attempts=r.attempts,
            last_error=r.last_error,
            sent_at=r.sent_at,
        )
        for r in rows
    ]


def notice_counts(*, session: Session, actor: Actor) -> dict[str, int]:
    """How many notices are in each state (Ufficio di Piano only)."""
    require_office(actor, "la consultazione degli avvisi inviati")
    counts = {s.value: 0 for s in NoticeStatus}
    for status in session.exec(select(NoticeSent.status)):
        counts[status] = counts.get(status, 0) + 1
    return counts


def smtp_status() -> tuple[bool, str]:
    """Whether notices can be sent, and the words for the page (never the password)."""
    try:
        settings = smtp_settings()
    except ConfigError as exc:
        return False, f"Impostazioni SMTP non valide: {exc} Nessun avviso viene inviato."
    if settings is None:
        return False, NO_SMTP
    who = f", utente {settings.user}" if settings.user else ""
    return True, (
        f"Invio tramite {settings.host}:{settings.port} ({settings.security}{who}), mittente {settings.sender}. "
        "Gli avvisi partono con `make remind` (da cron), mai dalle pagine."
    )


def users_without_address(*, session: Session, actor: Actor) -> list[str]:
    """Active users whose role receives notices but who have no e-mail address (Ufficio di Piano only)."""
    require_office(actor, "la consultazione degli utenti")
    rows = session.exec(
        select(User).where(col(User.active) == True, col(User.email) == "").order_by(col(User.username))
    )
    return [u.username for u in rows if kinds_for_role(u.role)]

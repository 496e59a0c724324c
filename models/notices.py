"""Which e-mail notices are due at a moment `now`: read from the database, nothing written, nothing sent.

Each notice has a dedupe key (kind + semester or report + recipient + the reminder's day) under which
models/reminders.py records it once: however often `make remind` runs, the same notice is never sent twice.

- *semestre aperto*: to the leads of an open semester whose deadline is not past, with the deadline;
- *promemoria*: N calendar days before the deadline (Europe/Rome; N from the plan's reminder days), to each lead
  whose reports are still with them (no data, draft, sent back), listing those reports only. A run on a later day
  sends the latest reminder passed (a run missed on day 7, made on day 5, still reminds; made on day 1, sends
  the 2-day one only);
- *scadenza superata*: in the week after the deadline, to those leads (their reports) and to the Ufficio di
  Piano (every area's reports still with the leads, by area and lead name);
- *rinvio* / *approvazione*: a report sent back (with the reviewer's comment) or approved in the last week, to
  the leads of its area;
- *riepilogo*: once a week (ISO week, Rome time) to the Ufficio di Piano, the reports waiting for review.

Privacy: a lead's notice lists their own areas' reports; no notice carries another user's address, a password
or a token (the body has names, codes and links only).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, col, select

from models import config, plans, rules
from models.calendar import days_left, rome_today
from models.notice_prefs import kinds_for_role, opted_out, reminder_days
from models.review import review_queue
from models.tables import MacroArea, Objective, Plan, Report, ReportComment, Semester, User, UserArea, pk
from models.vocab import (
    PAGE_URLS,
    CommentKind,
    NoticeKind,
    Role,
    SemesterState,
    plural,
    report_state_label,
    semester_label,
)

EVENT_WINDOW = timedelta(days=7)  # older send-backs and approvals are not announced (e.g. a first run on old data)
LATE_WINDOW_DAYS = 7  # "deadline passed" only in the week after it: a long-past deadline is no news
LISTED = 30  # reports listed in one message; the link shows them all
SUBJECT_PREFIX = "[Piano di Zona]"


@dataclass(frozen=True)
class Notice:
    kind: NoticeKind
    user_id: int
    address: str
    dedupe_key: str
    subject: str
    body: str
    link: str


@dataclass(frozen=True)
class Recipient:
    id: int
    name: str
    email: str
    role: str
    areas: frozenset[str]


@dataclass(frozen=True)
class Pending:
    """A report still with the lead in an open semester."""

    objective_id: int
    area: str
    code: str
    text: str
    state: str | None


def page_link(page: str, **params: int | str) -> str:
    """The absolute address of a page of the app (PDZ_PUBLIC_URL + the page's path), with its parameters."""
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{config.public_url()}/{PAGE_URLS[page]}" + (f"?{query}" if query else "")


def _recipients(session: Session) -> list[Recipient]:
    """Active users with an address."""
    areas: dict[int, set[str]] = {}
    for user_id, letter in session.exec(select(UserArea.user_id, UserArea.area_letter)):
        areas.setdefault(user_id, set()).add(letter)
    users = session.exec(select(User).where(col(User.active) == True, col(User.email) != "").order_by(col(User.id)))
    return [Recipient(pk(u), u.name, u.email, u.role, frozenset(areas.get(pk(u), ()))) for u in users]


def _still_with_leads(session: Session, semester_id: int) -> list[Pending]:
    """Monitored objectives whose report this semester is still with the lead, in catalogue order."""
    states = dict(
        session.exec(select(Report.objective_id, Report.state).where(Report.semester_id == semester_id)).all()
    )
    rows = session.exec(
        select(Objective.id, MacroArea.letter, Objective.code, Objective.text)
        .join(MacroArea, col(MacroArea.id) == Objective.area_id)
        .where(rules.MONITORED_SQL, *plans.objectives_of_semester(session, semester_id))
        .order_by(col(MacroArea.position), col(Objective.id))
    )
    return [
        Pending(oid, letter, code, text, states.get(oid))
        for oid, letter, code, text in rows
        if oid is not None and rules.is_with_lead(states.get(oid))
    ]


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _report_lines(pending: Iterable[Pending], semester_id: int) -> list[str]:
    items = list(pending)
    lines = [
        f"- {p.code} ({report_state_label(p.state)}): {_short(p.text)}\n"
        f"  {page_link('inserimento', semestre=semester_id, obiettivo=p.objective_id)}"
        for p in items[:LISTED]
    ]
    if len(items) > LISTED:
        lines.append(f"- … e altri {len(items) - LISTED}")
    return lines


def _footer() -> str:
    return (
        "\n\n--\nMessaggio automatico di Monitoraggio Piano di Zona: non rispondere a questo indirizzo.\n"
        f"Per scegliere quali avvisi ricevere: {page_link('account')}\n"
    )


def _notice(kind: NoticeKind, who: Recipient, key: str, subject: str, lines: list[str], link: str) -> Notice:
    body = f"Gentile {who.name},\n\n" + "\n".join(lines) + _footer()
    return Notice(kind, who.id, who.email, f"{kind}:{key}:u{who.id}", f"{SUBJECT_PREFIX} {subject}", body, link)


def _deadline_text(deadline: date | None) -> str:
    return f"{deadline:%d/%m/%Y}" if deadline else "non ancora fissata"


def due_reminder_day(left: int, days: tuple[int, ...]) -> int | None:
    """The reminder due with `left` days to the deadline: the smallest N of `days` with N >= left (the latest
    reminder day reached), None past the deadline or before the first reminder day."""
    if left < 0:
        return None
    reached = [n for n in days if n >= left]
    return min(reached) if reached else None


def _semester_notices(session: Session, sem: Semester, leads: list[Recipient], office: list[Recipient], now: datetime):
    label = semester_label(sem.year, sem.half)
    sid = pk(sem)
    left = days_left(sem.deadline, now)
    entry = page_link("inserimento", semestre=sid)
    pending = _still_with_leads(session, sid)
    if left is None or left >= 0:
        for lead in leads:
            yield _notice(
                NoticeKind.SEMESTRE_APERTO,
                lead,
                f"s{sid}",
                f"Aperto il {label}: scadenza {_deadline_text(sem.deadline)}",
                [
                    f"l'Ufficio di Piano ha aperto il {label} per l'inserimento dei dati di monitoraggio.",
                    f"Scadenza per l'inserimento: {_deadline_text(sem.deadline)}.",
                    f"Aree assegnate: {', '.join(sorted(lead.areas))}.",
                    "",
                    f"Inserimento dati: {entry}",
                ],
                entry,
            )
    if left is None or sem.deadline is None:
        return
    reminder = due_reminder_day(left, reminder_days(session=session))
    late = -LATE_WINDOW_DAYS <= left < 0
    for lead in leads:
        mine = [p for p in pending if p.area in lead.areas]
        if not mine:
            continue
        count = plural(len(mine), "report da completare", "report da completare")
        if reminder is not None:
            when = "oggi è l'ultimo giorno" if left == 0 else ("domani" if left == 1 else f"mancano {left} giorni")
            yield _notice(
                NoticeKind.PROMEMORIA,
                lead,
                f"s{sid}:{sem.deadline.isoformat()}:n{reminder}",
                f"{label}: scadenza {_deadline_text(sem.deadline)} ({when}), {count}",
                [
                    f"la scadenza per l'inserimento del {label} è il {_deadline_text(sem.deadline)} ({when}).",
                    f"Nelle sue aree restano {count} (non ancora inviati):",
                    "",
                    *_report_lines(mine, sid),
                    "",
                    f"Inserimento dati: {entry}",
                ],
                entry,
            )
        if late:
            yield _notice(
                NoticeKind.SCADENZA_SUPERATA,
                lead,
                f"s{sid}:{sem.deadline.isoformat()}",
                f"{label}: scadenza superata, {count}",
                [
                    f"la scadenza per l'inserimento del {label} ({_deadline_text(sem.deadline)}) è superata e "
                    f"nelle sue aree restano {count}:",
                    "",
                    *_report_lines(mine, sid),
                    "",
                    "Dopo la scadenza l'inserimento è possibile solo con una proroga: contattare l'Ufficio di Piano.",
                ],
                entry,
            )
    if late and pending:
        yield from _late_for_office(sem, pending, leads, office)


def _late_for_office(sem: Semester, pending: list[Pending], leads: list[Recipient], office: list[Recipient]):
    label, sid = semester_label(sem.year, sem.half), pk(sem)
    by_area: dict[str, list[Pending]] = {}
    for p in pending:
        by_area.setdefault(p.area, []).append(p)
    lines = [
        f"- area {area}: {plural(len(items), 'report', 'report')} ({', '.join(i.code for i in items[:LISTED])}"
        f"{', …' if len(items) > LISTED else ''}); referenti: "
        f"{', '.join(r.name for r in leads if area in r.areas) or 'nessuno con un indirizzo e-mail'}"
        for area, items in by_area.items()
    ]
    link = page_link("revisione", semestre=sid)
    for who in office:
        yield _notice(
            NoticeKind.SCADENZA_SUPERATA,
            who,
            f"s{sid}:{sem.deadline.isoformat() if sem.deadline else ''}",
            f"{label}: scadenza superata, {plural(len(pending), 'report non inviato', 'report non inviati')}",
            [
                f"la scadenza del {label} ({_deadline_text(sem.deadline)}) è superata; "
                f"{plural(len(pending), 'report non è stato inviato', 'report non sono stati inviati')}:",
                "",
                *lines,
                "",
                f"Revisione semestrale: {link}",
            ],
            link,
        )


def _review_events(session: Session, leads: list[Recipient], now: datetime):
    """Send-backs and approvals of the last week, to the leads of the report's area."""
    since = now - EVENT_WINDOW
    labels = {pk(s): semester_label(s.year, s.half) for s in session.exec(select(Semester))}
    rows = session.exec(
        select(ReportComment, Report, Objective, MacroArea)
        .join(Report, col(Report.id) == ReportComment.report_id)
        .join(Objective, col(Objective.id) == Report.objective_id)
        .join(MacroArea, col(MacroArea.id) == Objective.area_id)
        .where(col(ReportComment.kind).in_([CommentKind.RINVIO, CommentKind.APPROVAZIONE]))
        .where(col(ReportComment.at) >= since)
        .order_by(col(ReportComment.id))
    )
    for comment, report, objective, area in rows:
        label = labels[report.semester_id]
        link = page_link("inserimento", semestre=report.semester_id, obiettivo=report.objective_id)
        sent_back = comment.kind == CommentKind.RINVIO
        kind = NoticeKind.RINVIO if sent_back else NoticeKind.APPROVAZIONE
        said = (comment.text or "").strip()
        for lead in leads:
            if area.letter not in lead.areas:
                continue
            if sent_back:
                subject = f"{objective.code} ({label}) rimandato dall'Ufficio di Piano"
                lines = [
                    f"l'Ufficio di Piano ha rimandato il report dell'obiettivo {objective.code} del {label} "
                    "perché sia corretto e inviato di nuovo.",
                    f"Obiettivo: {_short(objective.text, 200)}",
                    "",
                    "Commento di chi ha rivisto il report:",
                    *(f"> {line}" for line in said.splitlines()),
                    "",
                    f"Apri il report: {link}",
                ]
            else:
                subject = f"{objective.code} ({label}) approvato"
                lines = [
                    f"l'Ufficio di Piano ha approvato il report dell'obiettivo {objective.code} del {label}.",
                    f"Obiettivo: {_short(objective.text, 200)}",
                    *(["", "Commento:", *(f"> {line}" for line in said.splitlines())] if said else []),
                    "",
                    f"Il report: {link}",
                ]
            yield _notice(kind, lead, f"c{pk(comment)}", subject, lines, link)


def _digest(session: Session, office: list[Recipient], today: date):
    queue = review_queue(session=session)
    if not queue:
        return
    year, week, _ = today.isocalendar()
    link = page_link("revisione")
    lines = [
        f"- {q.code} ({q.semester_label}, area {q.area}), inviato il {q.submitted_at:%d/%m/%Y}: "
        f"{page_link('revisione', semestre=q.semester_id, obiettivo=q.objective_id)}"
        for q in queue[:LISTED]
    ]
    if len(queue) > LISTED:
        lines.append(f"- … e altri {len(queue) - LISTED}")
    waiting = plural(len(queue), "report attende", "report attendono")
    for who in office:
        yield _notice(
            NoticeKind.RIEPILOGO,
            who,
            f"{year}-W{week:02d}",
            f"Riepilogo settimanale: {waiting} la revisione",
            [f"{waiting} la revisione (dal più vecchio):", "", *lines, "", f"Revisione semestrale: {link}"],
            link,
        )


def due_notices(*, session: Session, now: datetime) -> list[Notice]:
    """Every notice due at `now` (aware, any zone; naive = UTC), for users with an address who want it."""
    if session.exec(select(Plan.id)).first() is None:
        return []
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    today = rome_today(now)
    everyone = _recipients(session)
    leads = [r for r in everyone if r.role == Role.REFERENTE and r.areas]
    office = [r for r in everyone if r.role == Role.UFFICIO_DI_PIANO]
    notices: list[Notice] = []
    for sem in session.exec(
        select(Semester).where(col(Semester.state) == SemesterState.APERTO).order_by(col(Semester.id))
    ):
        notices += _semester_notices(session, sem, leads, office, now)
    notices += _review_events(session, leads, now)
    notices += _digest(session, office, today)
    off = opted_out(session=session)
    roles = {r.id: r.role for r in everyone}
    return [n for n in notices if (n.user_id, n.kind) not in off and n.kind in kinds_for_role(roles[n.user_id])]

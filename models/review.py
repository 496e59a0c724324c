"""Reviewing reports: the state machine (submit, approve, send back) and what the Ufficio di Piano sees.

Over 400 lines: the state machine and the review read model (table, queue, conversation) change together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from models import dashboard, plans, rules
from models.audit import record_change
from models.comments import record_comment
from models.db import bump_data_change
from models.errors import DomainError, NotFound
from models.permissions import Actor, require_area_write, require_office
from models.reports import (
    ConflictError,
    ReportLocked,
    ValidationFailed,
    deadline_reason,
    diff_snapshots,
    get_report,
    get_semester,
    last_author,
    objective_area,
    report_snapshot,
)
from models.tables import AuditEntry, MacroArea, Objective, Report, ReportComment, Semester, User, UserArea, pk, utcnow
from models.validation import FieldError, clean_text
from models.vocab import (
    COMMENT_KIND_LABELS,
    CommentKind,
    ReportState,
    SemesterState,
    report_state_label,
    semester_label,
)

# --- review state machine ---------------------------------------------------------------------

# (from state, action) -> to state; action: submit (lead or office), approve, send_back (office only)
TRANSITIONS: dict[tuple[str, str], str] = {
    (ReportState.BOZZA, "submit"): ReportState.INVIATA,
    (ReportState.DA_RIVEDERE, "submit"): ReportState.INVIATA,
    (ReportState.INVIATA, "approve"): ReportState.APPROVATA,
    (ReportState.INVIATA, "send_back"): ReportState.DA_RIVEDERE,
    (ReportState.APPROVATA, "send_back"): ReportState.DA_RIVEDERE,  # reopening an approved report
}
ACTION_LABELS = {"submit": "invio", "approve": "approvazione", "send_back": "rinvio al referente"}
OFFICE_ACTIONS = ("approve", "send_back")  # what the Revisione page offers


def allowed_review_actions(state: str | None) -> frozenset[str]:
    """The review actions the state machine allows from `state` (None: no report, nothing to review)."""
    return frozenset(action for (source, action) in TRANSITIONS if source == state)


def review_report(
    objective_id: int,
    semester_id: int,
    action: str,
    *,
    actor: Actor,
    session: Session,
    expected_version: int,
    comment: str = "",
    today: date | None = None,
) -> Report:
    """Approve or send back (office), or submit as is; enforces the state machine, the closed semester and, for
    a lead's submission, the semester's deadline."""
    objective, area = objective_area(session, objective_id)
    if action == "submit":
        require_area_write(actor, area.letter)
    else:
        require_office(actor, "la revisione dei report")
    semester = get_semester(session, semester_id)
    if semester.state == SemesterState.CHIUSO:
        raise ReportLocked(f"Il {semester_label(semester.year, semester.half)} è chiuso: nessuna modifica possibile.")
    if action == "submit" and (late := deadline_reason(actor, semester, today)):
        raise ReportLocked(late)
    report = get_report(objective_id, semester_id, session=session)
    if report is None:
        raise ReportLocked("Nessun dato inserito per questo obiettivo nel semestre: niente da rivedere.")
    target = TRANSITIONS.get((report.state, action))
    if target is None:
        raise ReportLocked(
            f"Operazione non ammessa: {ACTION_LABELS.get(action, action)} di un report in stato «{report.state}»."
        )
    comment = clean_text(comment, "Commento", limit=2000)
    if action == "send_back" and not comment:
        raise ValidationFailed([FieldError("Commento", "obbligatorio quando si rimanda il report al referente.")])
    if report.version != expected_version:
        raise ConflictError([], last_author(session, report))
    result = session.exec(
        update(Report)
        .where(col(Report.id) == report.id, col(Report.version) == expected_version)
        .values(version=Report.version + 1)
    )
    if result.rowcount != 1:
        raise ConflictError([], last_author(session, report))
    session.refresh(report)
    old_state = report.state
    report.state = target
    if action == "approve":
        report.approved_snapshot = report_snapshot(session, report, objective_id)
        report.reviewer_comment = comment
        record_comment(session, pk(report), actor, CommentKind.APPROVAZIONE, comment)
    elif action == "send_back":
        report.reviewer_comment = comment
        # The report as sent back: the next review shows what the lead changed since, side by side.
        record_comment(
            session,
            pk(report),
            actor,
            CommentKind.RINVIO,
            comment,
            snapshot=report_snapshot(session, report, objective_id),
        )
    else:
        record_comment(session, pk(report), actor, CommentKind.INVIO, comment)
    report.updated_at, report.updated_by = utcnow(), actor.user_id
    session.add(report)
    record_change(
        session,
        actor,
        entity="report",
        entity_id=report.id,
        field="Stato",
        old=old_state,
        new=target,
        objective_id=objective_id,
        semester_id=semester_id,
        reason=comment,
    )
    bump_data_change(session)
    return report


def changes_since_approval(
    objective_id: int, semester_id: int, *, session: Session
) -> list[tuple[str, str | None, str | None]]:
    report = get_report(objective_id, semester_id, session=session)
    if report is None or not report.approved_snapshot:
        return []
    return diff_snapshots(report.approved_snapshot, report_snapshot(session, report, objective_id))


# --- the review table -------------------------------------------------------------------------


def _leads_by_area(session: Session) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    rows = session.exec(
        select(UserArea.area_letter, col(User.name))
        .join(User, col(User.id) == UserArea.user_id)
        .where(col(User.active) == True)
    )
    for letter, name in rows:
        out.setdefault(letter, []).append(name)
    return out


REVIEW_COUNTS_SUBMITTED = True  # the figures of what the office reviews: approved and submitted reports


def review_table(semester_id: int, *, session: Session, today: date | None = None) -> list[dict]:
    """Every monitored objective this semester, objectives with no data and late leads first.

    Achievement, band and money are the Cruscotto's (dashboard.objective_rows, counting approved and submitted
    reports): a draft or a report sent back shows its state, and its figures once it is submitted again."""
    today = today or date.today()
    sem = session.get(Semester, semester_id)
    if sem is None:
        raise ValueError("Semestre non trovato.")
    reports = {
        objective_id: (state, updated_at, version)
        for objective_id, state, updated_at, version in session.exec(
            select(Report.objective_id, Report.state, Report.updated_at, Report.version).where(
                Report.semester_id == semester_id
            )
        )
    }
    leads = _leads_by_area(session)
    late = sem.deadline is not None and today > sem.deadline
    rows = []
    for obj in dashboard.objective_rows(
        session=session, semester_id=semester_id, include_submitted=REVIEW_COUNTS_SUBMITTED
    ):
        rep = reports.get(pk(obj))
        state = rep[0] if rep else None
        rows.append(
            {
                "objective_id": obj.id,
                "code": obj.code,
                "area": obj.area,
                "text": obj.text,
                "lead": ", ".join(leads.get(obj.area, [])) or "—",
                "state": report_state_label(state),
                "counted": obj.counted,
                "actions": obj.actions.text if obj.counted else "—",
                "achievement": obj.achievement,
                "band": obj.band,
                "budget": obj.money.budget,
                "planned": obj.money.planned,  # None: no budget in the plan ("da definire", not 0 €)
                "committed": obj.money.committed,
                "paid": obj.money.paid,
                "ratio": obj.money.ratio,
                "ratio_class": obj.money.spend_class,
                "updated_at": rep[1] if rep else None,
                "version": rep[2] if rep else None,
                "no_data": rep is None,
                "overdue": rules.is_overdue(state, late),
                "actions_allowed": allowed_review_actions(state),
            }
        )
    rows.sort(key=lambda r: (not r["no_data"], not r["overdue"]))
    return rows


def report_with_previous(objective_id: int, semester_id: int, *, session: Session) -> dict:
    """This semester's report beside the previous semester's, field by field."""
    sem = session.get(Semester, semester_id)
    if sem is None:
        raise ValueError("Semestre non trovato.")
    prev = session.exec(  # the previous semester of the same plan: an objective belongs to one plan
        select(Semester)
        .where(rules.SEMESTER_ORDINAL_SQL < rules.semester_ordinal(sem.year, sem.half))
        .where(*plans.semesters_of(plans.plan_of_year(session, sem.year)))
        .order_by(rules.SEMESTER_ORDINAL_SQL.desc())
    ).first()
    current = get_report(objective_id, semester_id, session=session)
    before = get_report(objective_id, pk(prev), session=session) if prev else None
    now_snap = report_snapshot(session, current, objective_id)
    prev_snap = report_snapshot(session, before, objective_id)
    fields = list(dict.fromkeys([*now_snap, *prev_snap]))
    return {
        "state": current.state if current else None,
        "version": current.version if current else None,
        "comment": current.reviewer_comment if current else "",
        "previous_label": semester_label(prev.year, prev.half) if prev else None,
        "actions_allowed": allowed_review_actions(current.state if current else None),
        "rows": [
            {"Campo": f, "Semestre": now_snap.get(f) or "—", "Precedente": prev_snap.get(f) or "—"} for f in fields
        ],
    }


# --- the review queue -------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    """A submitted report waiting for the Ufficio di Piano."""

    objective_id: int
    semester_id: int
    semester_label: str
    area: str
    code: str
    text: str
    lead: str
    submitted_at: datetime
    version: int


def review_queue(*, session: Session, semester_id: int | None = None) -> list[QueueItem]:
    """Submitted reports of open semesters (or of one semester), the longest waiting first.

    Waiting since the last time the report was sent (audit entry "Stato" -> inviata); a report whose audit
    is missing (e.g. imported data) falls back to its last change. Ties: catalogue order.
    """
    query = sa_select(  # columns, not ORM objects: at a hundred times the plan the queue has 1,500 reports
        col(Report.id),
        col(Report.objective_id),
        col(Report.semester_id),
        col(Report.updated_at),
        col(Report.version),
        col(Objective.code),
        col(Objective.text),
        col(MacroArea.letter),
        col(MacroArea.position),
        col(Semester.year),
        col(Semester.half),
    ).select_from(Report)
    query = (
        query.join(Objective, col(Objective.id) == Report.objective_id)
        .join(MacroArea, col(MacroArea.id) == Objective.area_id)
        .join(Semester, col(Semester.id) == Report.semester_id)
        .where(col(Report.state) == ReportState.INVIATA, col(Semester.state) == SemesterState.APERTO)
    )
    if semester_id is not None:
        query = query.where(col(Report.semester_id) == semester_id)
    rows = list(session.execute(query))
    if not rows:
        return []
    sent = {
        report_id: at
        for report_id, at in session.exec(
            select(AuditEntry.entity_id, func.max(AuditEntry.at))
            .where(
                AuditEntry.entity == "report",
                AuditEntry.field == "Stato",
                AuditEntry.new == ReportState.INVIATA,
                col(AuditEntry.entity_id).in_([r.id for r in rows]),
            )
            .group_by(col(AuditEntry.entity_id))
        )
    }
    leads = _leads_by_area(session)
    labels: dict[tuple[int, int], str] = {}
    items = [
        (
            QueueItem(
                objective_id=r.objective_id,
                semester_id=r.semester_id,
                semester_label=labels.get((r.year, r.half))
                or labels.setdefault((r.year, r.half), semester_label(r.year, r.half)),
                area=r.letter,
                code=r.code,
                text=r.text,
                lead=", ".join(leads.get(r.letter, [])) or "—",
                submitted_at=_naive(sent.get(r.id) or r.updated_at),
                version=r.version,
            ),
            (r.position, r.objective_id),
        )
        for r in rows
    ]
    items.sort(key=lambda pair: (pair[0].submitted_at, pair[1]))
    return [item for item, _ in items]


def _naive(at: datetime) -> datetime:
    """SQLite returns naive datetimes, PostgreSQL aware ones: compare them as naive UTC."""
    return at.replace(tzinfo=None) if at.tzinfo else at


def first_to_review(semester_id: int, *, session: Session) -> int | None:
    """The objective Revisione opens on: the oldest submitted report, else the first objective with data."""
    queue = review_queue(session=session, semester_id=semester_id)
    if queue:
        return queue[0].objective_id
    first = session.exec(
        select(Report.objective_id)
        .join(Objective, col(Objective.id) == Report.objective_id)
        .join(MacroArea, col(MacroArea.id) == Objective.area_id)
        .where(Report.semester_id == semester_id, Objective.retired == False)
        .order_by(col(MacroArea.position), col(Objective.id))
    ).first()
    return first


@dataclass(frozen=True)
class ApprovalOutcome:
    objective_id: int
    semester_id: int
    code: str
    approved: bool
    message: str


def approve_many(
    items: list[tuple[int, int, int]], *, actor: Actor, session: Session, comment: str = ""
) -> list[ApprovalOutcome]:
    """Approve several reports, each exactly as one by one (review_report above: permission, state,
    closed semester, version). Per-report result: each approval is its own savepoint, so a refused report
    leaves the others approved; every refusal says why. items: (objective_id, semester_id, expected_version).
    """
    require_office(actor, "la revisione dei report")
    out = []
    for objective_id, semester_id, version in items:
        objective = session.get(Objective, objective_id)
        code = objective.code if objective else str(objective_id)
        try:
            with session.begin_nested():
                review_report(
                    objective_id,
                    semester_id,
                    "approve",
                    actor=actor,
                    session=session,
                    expected_version=version,
                    comment=comment,
                )
            out.append(ApprovalOutcome(objective_id, semester_id, code, True, "approvato"))
        except ConflictError:
            out.append(
                ApprovalOutcome(
                    objective_id,
                    semester_id,
                    code,
                    False,
                    "modificato da qualcun altro dopo l'apertura della coda: riaprirlo e controllarlo",
                )
            )
        except ValidationFailed as exc:
            out.append(ApprovalOutcome(objective_id, semester_id, code, False, "; ".join(map(str, exc.errors))))
        except DomainError as exc:  # ReportLocked, PermissionDenied, FieldError...
            out.append(ApprovalOutcome(objective_id, semester_id, code, False, str(exc)))
    return out


# --- the conversation of a report -------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    at: datetime
    author: str
    role: str
    kind: str
    kind_label: str
    text: str


def conversation(objective_id: int, semester_id: int, *, session: Session) -> list[Message]:
    """Every message about this report, oldest first (a comment kept only in Report.reviewer_comment, from
    before the conversation existed, appears once as the reviewer's)."""
    report = get_report(objective_id, semester_id, session=session)
    if report is None:
        return []
    rows = list(
        session.exec(
            select(ReportComment)
            .where(ReportComment.report_id == report.id)
            .order_by(col(ReportComment.at), col(ReportComment.id))
        )
    )
    if not rows and report.reviewer_comment:
        return [
            Message(
                report.updated_at,
                "Ufficio di Piano",
                "ufficio_di_piano",
                CommentKind.COMMENTO,
                COMMENT_KIND_LABELS[CommentKind.COMMENTO],
                report.reviewer_comment,
            )
        ]
    return [
        Message(r.at, r.author, r.role, r.kind, COMMENT_KIND_LABELS.get(CommentKind(r.kind), r.kind), r.text)
        for r in rows
    ]


COMMENT_LIMIT = 2000  # characters: a message, not a document


def add_comment(objective_id: int, semester_id: int, text: str, *, actor: Actor, session: Session) -> Message:
    """A comment or reply: the Ufficio di Piano on any report, a lead on their areas' reports; not in a closed
    semester (its reports are final)."""
    objective = session.get(Objective, objective_id)
    if objective is None:
        raise NotFound("Obiettivo non trovato.")
    area = session.get(MacroArea, objective.area_id)
    if area is None:  # a foreign key: only a broken database lacks it
        raise ValueError("Area dell'obiettivo non trovata.")
    require_area_write(actor, area.letter)
    semester = session.get(Semester, semester_id)
    if semester is None or semester.state == SemesterState.CHIUSO:
        raise ReportLocked("Semestre chiuso: la conversazione è in sola lettura.")
    report = get_report(objective_id, semester_id, session=session)
    if report is None:
        raise ReportLocked("Nessun report per questo obiettivo nel semestre: salvare prima una bozza.")
    text = clean_text(text, "Commento", limit=COMMENT_LIMIT)
    if not text:
        raise ValidationFailed([FieldError("Commento", "scrivere il testo del commento.")])
    row = record_comment(session, pk(report), actor, CommentKind.COMMENTO, text)
    session.flush()
    return Message(row.at, row.author, row.role, row.kind, COMMENT_KIND_LABELS[CommentKind.COMMENTO], row.text)


def changes_since_send_back(
    objective_id: int, semester_id: int, *, session: Session
) -> list[tuple[str, str | None, str | None]]:
    """(field, as sent back, now) for every field the lead changed after the last send-back."""
    report = get_report(objective_id, semester_id, session=session)
    if report is None:
        return []
    last = session.exec(
        select(ReportComment)
        .where(ReportComment.report_id == report.id, ReportComment.kind == CommentKind.RINVIO)
        .order_by(col(ReportComment.at).desc(), col(ReportComment.id).desc())
    ).first()
    if last is None or last.snapshot is None:
        return []
    return diff_snapshots(last.snapshot, report_snapshot(session, report, objective_id))

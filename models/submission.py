"""Sending a report to the Ufficio di Piano: validate, check completeness, and accept gaps only with a note.

The note and what was missing are stored (table SubmissionNote, one row per sending) and shown to the
reviewer; the audit trail records the sending as any other change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from models.audit import record_change
from models.entry_flow import Completeness, completeness
from models.permissions import Actor
from models.reports import ReportInput, SaveResult, live_indicators, save_report, validate_report
from models.tables import Report, SubmissionNote
from models.validation import FieldError, clean_text
from models.vocab import funding_label

NOTE_FIELD = "Nota sui dati mancanti"
MAX_NOTE = 2000


class IncompleteReport(FieldError):
    """The report has gaps and no note explaining them: nothing was saved."""

    def __init__(self, gaps: Completeness):
        super().__init__(
            NOTE_FIELD, f"{gaps.summary}: completare i dati oppure spiegare nella nota perché si invia così."
        )
        self.gaps = gaps


def report_completeness(data: ReportInput, *, session: Session) -> Completeness:
    """The completeness of what the form holds (indicator values, spend per source)."""
    report = session.exec(
        select(Report).where(
            Report.objective_id == data.objective_id,  # retired indicators
            Report.semester_id == data.semester_id,
        )
    ).first()  # with a value
    names = {i.id: i.text for i in live_indicators(session, data.objective_id, report)}
    return completeness(
        [(names[i], given.value) for i, given in data.indicators.items() if i in names],
        [(funding_label(s.source), s.committed, s.paid) for s in data.spend],
    )


def submit_report(
    data: ReportInput, *, actor: Actor, session: Session, note: str = "", today: date | None = None
) -> SaveResult:
    """Save and send in one transaction; with gaps, only when `note` says why."""
    validate_report(session, data, submitting=True)  # field errors first: they are the lead's to fix
    gaps = report_completeness(data, session=session)
    note = clean_text(note, NOTE_FIELD, limit=MAX_NOTE)
    if not gaps.complete and not note:
        raise IncompleteReport(gaps)
    result = save_report(data, actor=actor, session=session, submit=True, today=today)
    if not gaps.complete:
        session.add(
            SubmissionNote(
                report_id=result.report_id, user_id=actor.user_id, username=actor.username, gaps=gaps.summary, note=note
            )
        )
        record_change(
            session,
            actor,
            entity="report",
            entity_id=result.report_id,
            field="Inviato con dati mancanti",
            old=None,
            new=gaps.summary,
            objective_id=data.objective_id,
            semester_id=data.semester_id,
            reason=note,
        )
    return result


@dataclass(frozen=True)
class SubmissionNoteView:
    at: datetime
    username: str
    gaps: str
    note: str


def submission_notes(objective_id: int, semester_id: int, *, session: Session) -> list[SubmissionNoteView]:
    """Notes of the sendings of one report, newest first (for the reviewer)."""
    rows = session.exec(
        select(SubmissionNote)
        .join(Report, col(Report.id) == SubmissionNote.report_id)
        .where(Report.objective_id == objective_id, Report.semester_id == semester_id)
        .order_by(col(SubmissionNote.at).desc(), col(SubmissionNote.id).desc())
    )
    return [SubmissionNoteView(n.at, n.username, n.gaps, n.note) for n in rows]

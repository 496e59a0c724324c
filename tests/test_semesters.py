"""Semesters of the plan's period: backfilling past ones, confirmation with another open, permissions, and the
days left to the deadline on the Ambito's calendar (Europe/Rome)."""

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, select

from models.db import session_scope
from models.permissions import PermissionDenied
from models.semesters import (
    ConfirmationNeeded,
    days_left,
    days_left_text,
    open_semester,
    openable_semesters,
    suggested_deadline,
)
from models.tables import AuditEntry, Semester
from models.validation import FieldError
from tests.test_reports import LEAD_A, OFFICE, db  # noqa: F401


def run(engine, fn, *args, **kw):
    with session_scope(engine) as s:
        return fn(*args, session=s, **kw)


def test_every_semester_of_the_plan_not_yet_open_is_offered_past_ones_included(db):
    # the fixture opened 2025 I; the small plan runs 2025-2027
    assert run(db, openable_semesters) == [(2025, 2), (2026, 1), (2026, 2), (2027, 1), (2027, 2)]


def test_office_backfills_a_past_semester_with_its_own_deadline_after_confirming(db):
    with pytest.raises(ConfirmationNeeded, match="già aperto il I semestre 2025"):
        run(db, open_semester, 2025, 2, date(2027, 2, 28), actor=OFFICE)
    with Session(db) as s:
        assert s.exec(select(Semester).where(Semester.half == 2)).first() is None, "nothing opened unconfirmed"
    run(db, open_semester, 2025, 2, date(2027, 2, 28), actor=OFFICE, confirmed=True)
    with Session(db) as s:
        sem = s.exec(select(Semester).where(Semester.year == 2025, Semester.half == 2)).one()
        assert sem.state == "aperto" and sem.deadline == date(2027, 2, 28)
        assert (
            s.exec(select(AuditEntry).where(AuditEntry.field == "Semestre aperto"))
            .one()
            .new.startswith("II semestre 2025")
        )
    assert (2025, 2) not in run(db, openable_semesters)


def test_no_confirmation_needed_when_no_other_semester_is_open(db):
    with session_scope(db) as s:
        s.exec(select(Semester)).one().state = "chiuso"
    run(db, open_semester, 2025, 2, None, actor=OFFICE)


def test_lead_may_not_open_a_semester(db):
    with pytest.raises(PermissionDenied, match="riservata all'Ufficio di Piano"):
        run(db, open_semester, 2025, 2, None, actor=LEAD_A, confirmed=True)


@pytest.mark.parametrize(
    "year, half, message",
    [(2024, 2, "fuori dal periodo del piano"), (2028, 1, "fuori dal periodo del piano"), (2025, 1, "esiste già")],
)
def test_semesters_outside_the_plan_or_existing_are_refused(db, year, half, message):
    with pytest.raises(FieldError, match=message):
        run(db, open_semester, year, half, None, actor=OFFICE, confirmed=True)


def test_suggested_deadline_for_a_backfilled_semester_is_still_ahead():
    assert suggested_deadline(2026, 2, today=date(2026, 12, 2)) == date(2027, 1, 31)  # the usual month after
    assert suggested_deadline(2025, 1, today=date(2026, 12, 2)) == date(2027, 1, 2)  # long past: a month from now


@pytest.mark.parametrize(
    "utc, left",
    [
        # 31/1 23:30 in Rome (winter, UTC+1) is 22:30 UTC: still the deadline day itself
        (datetime(2027, 1, 31, 22, 30, tzinfo=UTC), 0),
        # 23:30 UTC is already 1 February in Rome: one day past, though the UTC date is still the 31st
        (datetime(2027, 1, 31, 23, 30, tzinfo=UTC), -1),
        (datetime(2027, 1, 30, 22, 59, tzinfo=UTC), 1),
        (datetime(2027, 1, 30, 23, 0, tzinfo=UTC), 0),
        # summer time (UTC+2): 21:59 UTC is 23:59 in Rome, 22:00 UTC is the next day
        (datetime(2026, 7, 30, 21, 59, tzinfo=UTC), 1),
        (datetime(2026, 7, 30, 22, 0, tzinfo=UTC), 0),
    ],
)
def test_days_left_counts_days_on_the_rome_calendar_around_midnight(utc, left):
    deadline = date(2027, 1, 31) if utc.month == 1 else date(2026, 7, 31)
    assert days_left(deadline, utc) == left


def test_days_left_text():
    now = datetime(2027, 1, 1, 10, tzinfo=UTC)
    assert days_left_text(date(2027, 1, 31), now) == "Scadenza per l'inserimento: 31/01/2027 (mancano 30 giorni)."
    assert days_left_text(date(2027, 1, 2), now).endswith("(domani).")
    assert days_left_text(date(2027, 1, 1), now).endswith("(oggi è l'ultimo giorno).")
    assert days_left_text(date(2026, 12, 31), now).endswith("(superata da 1 giorno).")
    assert days_left(None, now) is None

"""Which e-mail notices are due (models/notices.py), for whom, with which links; the deadline arithmetic in
Europe/Rome around midnight and the changes of daylight-saving time; addresses, preferences and reminder days
(models/users.py, models/notice_prefs.py). Sending is in tests/test_remind.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from models.calendar import days_left
from models.db import session_scope
from models.notice_prefs import (
    notice_preferences,
    parse_reminder_days,
    reminder_days,
    set_notice_preferences,
    set_reminder_days,
)
from models.notices import due_notices, due_reminder_day
from models.permissions import PermissionDenied
from models.tables import Semester, User
from models.users import UserError, clean_email, set_email
from models.validation import FieldError
from models.vocab import NoticeKind
from tests.notice_helpers import EMAILS, LEAD_A, LEAD_B, OFFICE, objective_ids, populate, review, save

pytestmark = pytest.mark.both_databases

ROME = ZoneInfo("Europe/Rome")
BASE = "https://pdz.example.it"


@pytest.fixture(autouse=True)
def _public_url(monkeypatch):
    monkeypatch.setenv("PDZ_PUBLIC_URL", BASE + "/")  # a trailing slash is dropped


@pytest.fixture
def db(small_plan):
    return small_plan, populate(small_plan)


def due(engine, now: datetime):
    with Session(engine) as s:
        return due_notices(session=s, now=now)


def rome(*args: int) -> datetime:
    return datetime(*args, tzinfo=ROME)


def kinds(notices) -> list[tuple[str, int]]:
    return sorted((n.kind.value, n.user_id) for n in notices)


def test_a_semester_opened_goes_to_its_leads_with_the_deadline_and_link(db):
    engine, sem = db
    notices = due(engine, rome(2025, 7, 1, 10))  # 30 days left: no reminder yet
    assert kinds(notices) == [("semestre_aperto", LEAD_A.user_id), ("semestre_aperto", LEAD_B.user_id)]
    to_a = next(n for n in notices if n.user_id == LEAD_A.user_id)
    assert to_a.address == EMAILS[LEAD_A.user_id]
    assert "31/07/2025" in to_a.subject and "I semestre 2025" in to_a.subject
    assert to_a.link == f"{BASE}/inserimento?semestre={sem}"
    assert to_a.link in to_a.body and "Gentile Referente A" in to_a.body
    assert to_a.dedupe_key == f"semestre_aperto:s{sem}:u{LEAD_A.user_id}"


def test_reminders_n_days_before_list_only_the_leads_own_reports_still_with_them(db):
    engine, sem = db
    ids = objective_ids(engine)
    save(engine, "A.1", LEAD_A, sem, submit=True)  # sent: not in the reminder
    save(engine, "A.2", LEAD_A, sem, submit=False)  # draft: in it
    notices = [n for n in due(engine, rome(2025, 7, 24, 9)) if n.kind == NoticeKind.PROMEMORIA]  # 7 days left
    assert kinds(notices) == [("promemoria", LEAD_A.user_id), ("promemoria", LEAD_B.user_id)]
    to_a = next(n for n in notices if n.user_id == LEAD_A.user_id)
    assert "A.2" in to_a.body and "(bozza)" in to_a.body and "A.1" not in to_a.body
    assert "B.1" not in to_a.body  # another lead's report is never listed
    assert f"{BASE}/inserimento?semestre={sem}&obiettivo={ids['A.2']}" in to_a.body
    assert "mancano 7 giorni" in to_a.subject and "1 report da completare" in to_a.subject
    assert to_a.dedupe_key == f"promemoria:s{sem}:2025-07-31:n7:u{LEAD_A.user_id}"
    for n in notices:  # no address of anyone but the recipient, in any notice
        assert not [a for uid, a in EMAILS.items() if uid != n.user_id and a in n.body + n.subject]
    # every report sent: no reminder for that lead
    save(engine, "A.2", LEAD_A, sem, submit=True)
    later = [n for n in due(engine, rome(2025, 7, 29, 9)) if n.kind == NoticeKind.PROMEMORIA]  # 2 days left
    assert kinds(later) == [("promemoria", LEAD_B.user_id)]
    assert later[0].dedupe_key.endswith(":n2:u3")


def test_deadline_passed_goes_to_the_lead_and_to_the_office(db):
    engine, sem = db
    save(engine, "A.1", LEAD_A, sem, submit=True)
    save(engine, "A.2", LEAD_A, sem, submit=True)
    notices = due(engine, rome(2025, 8, 1, 0, 30))  # the first half hour after the deadline's day
    late = [n for n in notices if n.kind == NoticeKind.SCADENZA_SUPERATA]
    assert kinds(late) == [("scadenza_superata", OFFICE.user_id), ("scadenza_superata", LEAD_B.user_id)]
    to_office = next(n for n in late if n.user_id == OFFICE.user_id)
    assert "B.1" in to_office.body and "Referente B" in to_office.body and "area B" in to_office.body
    assert EMAILS[LEAD_B.user_id] not in to_office.body  # names, never addresses
    assert to_office.link == f"{BASE}/revisione?semestre={sem}"
    assert not [n for n in notices if n.kind in (NoticeKind.SEMESTRE_APERTO, NoticeKind.PROMEMORIA)]
    assert not [n for n in due(engine, rome(2025, 8, 9, 12)) if n.kind == NoticeKind.SCADENZA_SUPERATA]  # old news


def test_sent_back_and_approved_reports_reach_the_area_leads_with_the_comment(db):
    engine, sem = db
    ids = objective_ids(engine)
    save(engine, "A.1", LEAD_A, sem, submit=True)
    save(engine, "B.1", LEAD_B, sem, submit=True)
    review(engine, "A.1", sem, "send_back", "Manca la spesa FNPS.\nControllare le azioni.")
    review(engine, "B.1", sem, "approve", "Ottimo lavoro")
    notices = due(engine, datetime.now(UTC))
    back = [n for n in notices if n.kind == NoticeKind.RINVIO]
    approved = [n for n in notices if n.kind == NoticeKind.APPROVAZIONE]
    assert kinds(back) == [("rinvio", LEAD_A.user_id)]
    assert kinds(approved) == [("approvazione", LEAD_B.user_id)]
    assert "> Manca la spesa FNPS.\n> Controllare le azioni." in back[0].body
    assert back[0].link == f"{BASE}/inserimento?semestre={sem}&obiettivo={ids['A.1']}"
    assert "A.1" in back[0].subject and "rimandato" in back[0].subject
    assert "Ottimo lavoro" in approved[0].body and "approvato" in approved[0].subject
    # a week later the events are no longer announced
    assert not [n for n in due(engine, datetime.now(UTC) + timedelta(days=8)) if n.kind == NoticeKind.RINVIO]


def test_the_weekly_digest_lists_what_waits_for_review_once_a_week(db):
    engine, sem = db
    ids = objective_ids(engine)
    assert not [n for n in due(engine, rome(2025, 7, 1, 9)) if n.kind == NoticeKind.RIEPILOGO]  # nothing waits
    save(engine, "B.1", LEAD_B, sem, submit=True)
    monday, sunday = rome(2025, 7, 7, 8), rome(2025, 7, 13, 23, 30)
    digests = [n for n in due(engine, monday) if n.kind == NoticeKind.RIEPILOGO]
    assert kinds(digests) == [("riepilogo", OFFICE.user_id)]
    assert "1 report attende la revisione" in digests[0].subject
    assert f"{BASE}/revisione?semestre={sem}&obiettivo={ids['B.1']}" in digests[0].body
    same_week = [n for n in due(engine, sunday) if n.kind == NoticeKind.RIEPILOGO]
    assert same_week[0].dedupe_key == digests[0].dedupe_key == "riepilogo:2025-W28:u1"
    # 23:30 UTC on Sunday is already Monday in Rome: the next week's digest
    next_week = [n for n in due(engine, datetime(2025, 7, 13, 22, 30, tzinfo=UTC)) if n.kind == NoticeKind.RIEPILOGO]
    assert next_week[0].dedupe_key == "riepilogo:2025-W29:u1"


def test_preferences_turn_notices_off_and_users_without_address_get_none(db):
    engine, sem = db
    with session_scope(engine) as s:
        set_notice_preferences(session=s, actor=LEAD_A, user_id=LEAD_A.user_id, enabled=[NoticeKind.PROMEMORIA])
        set_email(s, actor=OFFICE, user_id=LEAD_B.user_id, email="")
    assert not due(engine, rome(2025, 7, 1, 10))  # A turned "semestre aperto" off, B has no address
    assert kinds(due(engine, rome(2025, 7, 25, 10))) == [("promemoria", LEAD_A.user_id)]
    with session_scope(engine) as s:
        prefs = notice_preferences(session=s, actor=LEAD_A, user_id=LEAD_A.user_id)
        assert prefs.enabled == (NoticeKind.PROMEMORIA,)
        assert NoticeKind.RIEPILOGO not in prefs.available  # the office's digest is not a lead's
        set_notice_preferences(session=s, actor=LEAD_A, user_id=LEAD_A.user_id, enabled=[])  # none at all
    assert not due(engine, rome(2025, 7, 25, 10))


def test_a_lead_sets_only_their_own_address_and_preferences(db):
    engine, _ = db
    with session_scope(engine) as s:
        set_email(s, actor=LEAD_A, user_id=LEAD_A.user_id, email="  Mario.Rossi@Comune.Cremona.IT ")
        assert s.get(User, LEAD_A.user_id).email == "Mario.Rossi@comune.cremona.it"
        with pytest.raises(PermissionDenied):
            set_email(s, actor=LEAD_A, user_id=LEAD_B.user_id, email="x@example.it")
        with pytest.raises(PermissionDenied):
            notice_preferences(session=s, actor=LEAD_A, user_id=LEAD_B.user_id)  # not even to read B's address
        with pytest.raises(PermissionDenied):
            set_notice_preferences(session=s, actor=LEAD_B, user_id=LEAD_A.user_id, enabled=[])
        assert notice_preferences(session=s, actor=OFFICE, user_id=LEAD_B.user_id).email == EMAILS[3]


@pytest.mark.parametrize(
    "bad",
    [
        "mario",
        "mario@",
        "@comune.it",
        "mario@comune",
        "ma rio@comune.it",
        "mario@@comune.it",
        "mario@comune..it",
        "mario@-comune.it",
        "mario.@comune.it",
        "mario@comune.it\nBcc: x@y.it",
        "a" * 250 + "@comune.it",
    ],
)
def test_invalid_addresses_are_refused_with_an_italian_message(bad):
    with pytest.raises(UserError, match="Indirizzo e-mail"):
        clean_email(bad)


def test_valid_addresses_are_accepted():
    assert clean_email("") == ""
    assert clean_email("ufficio.piano+pdz@comune.cremona.it") == "ufficio.piano+pdz@comune.cremona.it"
    assert clean_email("a_b-c@example.invalid") == "a_b-c@example.invalid"


def test_reminder_days_are_set_in_impostazione_and_validated(db):
    engine, sem = db
    with session_scope(engine) as s:
        assert reminder_days(session=s) == (7, 2)
        assert set_reminder_days("3; 10, 3", actor=OFFICE, session=s) == (10, 3)
        with pytest.raises(PermissionDenied):
            set_reminder_days("5", actor=LEAD_A, session=s)
    with Session(engine) as s:
        assert reminder_days(session=s) == (10, 3)
    for day, expected in [(20, set()), (21, {"n10"}), (24, {"n10"}), (28, {"n3"})]:  # 11, 10, 7, 3 days left
        reminders = [n for n in due(engine, rome(2025, 7, day, 9)) if n.kind == NoticeKind.PROMEMORIA]
        assert {n.dedupe_key.split(":")[3] for n in reminders} == expected, day
    for bad, words in [("sette", "non è un numero"), ("0", "da 1 a 60"), ("61", "da 1 a 60"), ("1,2,3,4,5,6", "5")]:
        with pytest.raises(FieldError, match=words):
            parse_reminder_days(bad)
    assert parse_reminder_days("") == ()


# --- the deadline arithmetic (Europe/Rome calendar days) -----------------------------------------


def test_the_due_reminder_is_the_latest_reminder_day_reached():
    days = (7, 2)
    assert [due_reminder_day(left, days) for left in (10, 8, 7, 5, 3, 2, 1, 0, -1)] == [
        None,
        None,
        7,
        7,
        7,
        2,
        2,
        2,
        None,
    ]
    assert due_reminder_day(3, ()) is None


MIDNIGHT_CASES = [
    (datetime(2025, 7, 23, 21, 59, tzinfo=UTC), None),  # 23:59 on 23 July in Rome (CEST): 8 days left
    (datetime(2025, 7, 23, 22, 0, tzinfo=UTC), 7),  # midnight in Rome: 24 July, 7 days left (UTC still says 8)
    (datetime(2025, 7, 23, 22, 0), 7),  # a naive clock is UTC
    (rome(2025, 7, 24, 0, 0), 7),
    (rome(2025, 7, 31, 23, 59), 2),  # the deadline's last minute: still a reminder
    (rome(2025, 8, 1, 0, 0), "late"),  # one minute later: past
]


def test_reminder_day_changes_at_midnight_in_rome_not_in_utc(db):
    engine, _ = db
    for now, expected in MIDNIGHT_CASES:
        notices = due(engine, now)
        reminders = {n.dedupe_key.split(":")[3] for n in notices if n.kind == NoticeKind.PROMEMORIA}
        if expected == "late":
            assert not reminders and [n for n in notices if n.kind == NoticeKind.SCADENZA_SUPERATA], now
        else:
            assert reminders == ({f"n{expected}"} if expected else set()), now


DST_CASES = [
    # spring forward (30 March 2025, 02:00 -> 03:00): the day has 23 hours; still one calendar day
    (date(2025, 4, 6), datetime(2025, 3, 29, 23, 0, tzinfo=UTC), 7),  # 00:00 of 30 March in Rome (CET)
    (date(2025, 4, 6), datetime(2025, 3, 29, 22, 59, tzinfo=UTC), 8),
    # fall back (26 October 2025, 03:00 -> 02:00): the day has 25 hours
    (date(2025, 11, 2), datetime(2025, 10, 25, 22, 0, tzinfo=UTC), 7),  # 00:00 of 26 October (CEST)
    (date(2025, 11, 2), datetime(2025, 10, 26, 22, 59, tzinfo=UTC), 7),  # 23:59 of 26 October (CET)
    (date(2025, 11, 2), datetime(2025, 10, 26, 23, 0, tzinfo=UTC), 6),
]


def test_days_before_the_deadline_are_calendar_days_across_daylight_saving(db):
    engine, sem = db
    for deadline, moment, left in DST_CASES:
        with session_scope(engine) as s:
            s.get(Semester, sem).deadline = deadline
        assert days_left(deadline, moment) == left, moment
        reminders = [n for n in due(engine, moment) if n.kind == NoticeKind.PROMEMORIA]
        assert bool(reminders) == (left <= 7), moment

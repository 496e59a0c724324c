"""The review queue, the conversation of a report and approving several reports at once (models/review.py)."""

from datetime import date

import pytest
from sqlmodel import Session, select

from models.db import session_scope
from models.permissions import Actor, PermissionDenied
from models.reports import ReportInput, ReportLocked, ValidationFailed, save_report
from models.review import (
    add_comment,
    approve_many,
    changes_since_send_back,
    conversation,
    first_to_review,
    review_queue,
    review_report,
)
from models.tables import AuditEntry, Indicator, Objective, Report, ReportComment, Semester, User

pytestmark = pytest.mark.both_databases  # its SQL runs on SQLite and on PostgreSQL (tests/conftest.py)

OFFICE = Actor(1, "uff", "ufficio_di_piano", name="Ufficio")
LEAD_A = Actor(2, "refa", "referente", frozenset({"A"}), name="Referente A")
LEAD_B = Actor(3, "refb", "referente", frozenset({"B"}), name="Referente B")
COMITATO = Actor(4, "com", "comitato", name="Comitato")
TODAY = date(2025, 7, 1)


@pytest.fixture
def db(small_plan):
    with session_scope(small_plan) as s:
        s.add(Semester(year=2025, half=1, deadline=date(2025, 7, 31)))
        for actor in (OFFICE, LEAD_A, LEAD_B, COMITATO):
            s.add(
                User(
                    id=actor.user_id,
                    username=actor.username,
                    name=actor.name,
                    role=actor.role,
                    password_hash="x",
                    must_change_password=False,
                )
            )
    return small_plan


def _ids(engine) -> tuple[dict[str, int], int]:
    with Session(engine) as s:
        return ({o.code: o.id for o in s.exec(select(Objective))}, s.exec(select(Semester)).one().id)


def _complete(objective_id: int, semester_id: int, version: int | None = None, **extra) -> ReportInput:
    data = ReportInput(
        objective_id=objective_id,
        semester_id=semester_id,
        base_version=version,
        users_not_relevant=True,
        resource_adequacy="adeguato",
        need_answered="SI",
        need_reason="sì",
        proposed_again="SI",
        proposed_reason="sì",
    )
    for k, v in extra.items():
        setattr(data, k, v)
    return data


def _save(engine, code: str, actor: Actor, *, submit: bool, **extra) -> int:
    objs, sem = _ids(engine)
    with session_scope(engine) as s:
        rep = s.exec(select(Report).where(Report.objective_id == objs[code])).first()
        data = _complete(objs[code], sem, rep.version if rep else None, **extra)
        return save_report(data, actor=actor, session=s, submit=submit, today=TODAY).version


def _version(engine, code: str) -> int:
    objs, _ = _ids(engine)
    with Session(engine) as s:
        return s.exec(select(Report).where(Report.objective_id == objs[code])).one().version


def _review(engine, code: str, action: str, comment: str = "", actor: Actor = OFFICE) -> None:
    objs, sem = _ids(engine)
    with session_scope(engine) as s:
        review_report(
            objs[code], sem, action, actor=actor, session=s, expected_version=_version(engine, code), comment=comment
        )


def _queue_codes(engine, **kw) -> list[str]:
    with session_scope(engine) as s:
        return [i.code for i in review_queue(session=s, **kw)]


def test_queue_holds_submitted_reports_longest_waiting_first(db):
    _save(db, "B.1", LEAD_B, submit=True)
    _save(db, "A.2", LEAD_A, submit=False)  # a draft is not waiting for the office
    _save(db, "A.1", LEAD_A, submit=True)
    assert _queue_codes(db) == ["B.1", "A.1"]  # submission order, not catalogue order
    _save(db, "A.2", LEAD_A, submit=True)
    assert _queue_codes(db) == ["B.1", "A.1", "A.2"]
    # B.1 sent back and sent again: it waits since its latest submission, so it goes last
    _review(db, "B.1", "send_back", "Manca la spesa")
    assert _queue_codes(db) == ["A.1", "A.2"]
    _save(db, "B.1", LEAD_B, submit=True)
    assert _queue_codes(db) == ["A.1", "A.2", "B.1"]
    _review(db, "A.1", "approve")
    assert _queue_codes(db) == ["A.2", "B.1"]
    objs, sem = _ids(db)
    with session_scope(db) as s:
        assert first_to_review(sem, session=s) == objs["A.2"]


def test_queue_skips_closed_semesters_and_first_to_review_falls_back_to_data(db):
    objs, sem = _ids(db)
    with session_scope(db) as s:
        assert first_to_review(sem, session=s) is None  # nothing entered at all
    _save(db, "B.1", LEAD_B, submit=False)
    with session_scope(db) as s:
        assert first_to_review(sem, session=s) == objs["B.1"]  # not A.1, which has no data
    _save(db, "A.2", LEAD_A, submit=True)
    with session_scope(db) as s:
        s.get(Semester, sem).state = "chiuso"
    assert _queue_codes(db) == []


def test_queue_order_uses_the_submission_time_not_later_edits(db):
    _save(db, "A.1", LEAD_A, submit=True)
    _save(db, "B.1", LEAD_B, submit=True)
    _save(db, "A.1", OFFICE, submit=False)  # the office corrects A.1 after it was sent: still waiting longest
    assert _queue_codes(db) == ["A.1", "B.1"]


def test_bulk_approve_mixed_reports_gives_a_result_for_each(db):
    objs, sem = _ids(db)
    _save(db, "A.1", LEAD_A, submit=True)
    _save(db, "A.2", LEAD_A, submit=False)  # a draft: refused, as one by one
    _save(db, "B.1", LEAD_B, submit=True)
    stale_b1 = _version(db, "B.1")
    _save(db, "B.1", OFFICE, submit=False)  # B.1 changed after the queue was read: refused (version)
    audit_before = _count(db, AuditEntry)
    with session_scope(db) as s:
        out = approve_many(
            [
                (objs["A.1"], sem, _version(db, "A.1")),
                (objs["A.2"], sem, _version(db, "A.2")),
                (objs["B.1"], sem, stale_b1),
            ],
            actor=OFFICE,
            session=s,
        )
    assert [(o.code, o.approved) for o in out] == [("A.1", True), ("A.2", False), ("B.1", False)]
    assert "bozza" in out[1].message
    assert "qualcun altro" in out[2].message
    with Session(db) as s:
        states = {r.objective_id: r.state for r in s.exec(select(Report))}
    assert states == {objs["A.1"]: "approvata", objs["A.2"]: "bozza", objs["B.1"]: "inviata"}
    assert _count(db, AuditEntry) == audit_before + 1  # only A.1's state change: the refused left nothing


def test_bulk_approve_refused_to_leads_and_the_comitato(db):
    objs, sem = _ids(db)
    _save(db, "A.1", LEAD_A, submit=True)
    for actor in (LEAD_A, COMITATO):
        with pytest.raises(PermissionDenied), session_scope(db) as s:
            approve_many([(objs["A.1"], sem, _version(db, "A.1"))], actor=actor, session=s)
    with Session(db) as s:
        assert s.exec(select(Report)).one().state == "inviata"


def test_bulk_approve_refuses_a_closed_semester(db):
    objs, sem = _ids(db)
    _save(db, "A.1", LEAD_A, submit=True)
    with session_scope(db) as s:
        s.get(Semester, sem).state = "chiuso"
    with session_scope(db) as s:
        [out] = approve_many([(objs["A.1"], sem, _version(db, "A.1"))], actor=OFFICE, session=s)
    assert not out.approved and "chiuso" in out.message


def test_conversation_keeps_every_message_and_what_changed_since_send_back(db):
    objs, sem = _ids(db)
    with Session(db) as s:
        ind = s.exec(select(Indicator).where(Indicator.objective_id == objs["A.2"])).one()
    from models.reports import IndicatorInput

    _save(db, "A.2", LEAD_A, submit=True, indicators={ind.id: IndicatorInput("10")})
    _review(db, "A.2", "send_back", "Il numero di persone accolte sembra basso")
    with session_scope(db) as s:
        add_comment(objs["A.2"], sem, "  Erano 12, correggo  ", actor=LEAD_A, session=s)
        add_comment(objs["A.2"], sem, "Grazie", actor=OFFICE, session=s)
    _save(db, "A.2", LEAD_A, submit=True, indicators={ind.id: IndicatorInput("12")})
    with session_scope(db) as s:
        thread = conversation(objs["A.2"], sem, session=s)
        changes = changes_since_send_back(objs["A.2"], sem, session=s)
    assert [(m.kind, m.author, m.text) for m in thread] == [
        ("invio", "Referente A", ""),
        ("rinvio", "Ufficio", "Il numero di persone accolte sembra basso"),
        ("commento", "Referente A", "Erano 12, correggo"),
        ("commento", "Ufficio", "Grazie"),
        ("invio", "Referente A", ""),
    ]
    assert thread[1].kind_label == "Rimandato al referente"
    assert all(m.at is not None for m in thread)
    assert changes == [("Indicatore (output): N. persone accolte", "10", "12")]
    _review(db, "A.2", "approve", "Ok")
    with session_scope(db) as s:
        assert [m.kind for m in conversation(objs["A.2"], sem, session=s)][-1] == "approvazione"
        # the latest reviewer's comment still reaches the lead's notices
        assert s.exec(select(Report).where(Report.objective_id == objs["A.2"])).one().reviewer_comment == "Ok"


def test_comments_need_the_area_text_and_an_open_semester(db):
    objs, sem = _ids(db)
    with pytest.raises(ReportLocked), session_scope(db) as s:  # nothing to talk about yet
        add_comment(objs["A.1"], sem, "Ciao", actor=LEAD_A, session=s)
    _save(db, "A.1", LEAD_A, submit=True)
    for actor in (LEAD_B, COMITATO):
        with pytest.raises(PermissionDenied), session_scope(db) as s:
            add_comment(objs["A.1"], sem, "Ciao", actor=actor, session=s)
    with pytest.raises(ValidationFailed) as err, session_scope(db) as s:
        add_comment(objs["A.1"], sem, "   ", actor=LEAD_A, session=s)
    assert "Commento" in str(err.value)
    with session_scope(db) as s:
        s.get(Semester, sem).state = "chiuso"
    with pytest.raises(ReportLocked), session_scope(db) as s:
        add_comment(objs["A.1"], sem, "Ciao", actor=OFFICE, session=s)
    assert _count(db, ReportComment) == 1  # only the submission


def test_a_comment_from_before_the_conversation_is_still_shown(db):
    objs, sem = _ids(db)
    _save(db, "A.1", LEAD_A, submit=False)
    with session_scope(db) as s:
        rep = s.exec(select(Report)).one()
        rep.reviewer_comment = "Commento di una versione precedente"
    with session_scope(db) as s:
        [m] = conversation(objs["A.1"], sem, session=s)
    assert (m.text, m.author) == ("Commento di una versione precedente", "Ufficio di Piano")


def _count(engine, table) -> int:
    with Session(engine) as s:
        return len(s.exec(select(table)).all())

"""The lead's path, domain side: first objective to do, carry-forward of approved action states, each source's
budget and earlier spend, completeness before sending (and the note that lets an incomplete report go)."""

from datetime import date

import pytest
from sqlmodel import Session, select

from models.db import session_scope
from models.entry_flow import (
    Completeness,
    PastActionState,
    carried_states,
    completeness,
    first_needing_lead,
    source_context,
)
from models.entry_view import load_entry
from models.reports import SpendInput, ValidationFailed, save_report
from models.review import review_report
from models.submission import IncompleteReport, submission_notes, submit_report
from models.tables import AuditEntry, Report, Semester, SubmissionNote
from tests.test_reports import LEAD_A, OFFICE, db, form, ids  # noqa: F401


def test_first_objective_needing_the_lead_skips_sent_and_approved_ones():
    rows = [
        {"id": 1, "state": "approvata"},
        {"id": 2, "state": "inviata"},
        {"id": 3, "state": "da rivedere"},
        {"id": 4, "state": None},
    ]
    assert first_needing_lead(rows) == 3
    assert first_needing_lead([{"id": 5, "state": "bozza"}]) == 5
    assert first_needing_lead([{"id": 1, "state": "approvata"}]) is None


def test_carried_states_take_the_latest_approved_semester_before_this_one():
    history = [
        PastActionState(1, 4051, "I semestre 2025", "in corso"),
        PastActionState(1, 4052, "II semestre 2025", "realizzata"),
        PastActionState(2, 4051, "I semestre 2025", "in corso"),
        PastActionState(1, 4054, "II semestre 2026", "non avviata"),
    ]  # later than the one being filled
    carried = carried_states(history, before=4053)
    assert {a: c.state for a, c in carried.items()} == {1: "realizzata", 2: "in corso"}
    assert carried[1].semester == "II semestre 2025"
    assert carried_states(history, before=4051) == {}, "a backfilled first semester inherits nothing"


def test_source_context_sums_budget_and_earlier_spend_per_source():
    ctx = source_context(
        [("FNPS", 100_000.0), ("FNPS", 20_000.0), ("FONDO_POVERTA", None), (None, 5.0)],
        [("FNPS", 10_000, 8_000), ("PNRR", 1_000, 0)],
    )
    assert ctx["FNPS"].budget == 120_000 and (ctx["FNPS"].committed_before, ctx["FNPS"].paid_before) == (10_000, 8_000)
    assert ctx["FONDO_POVERTA"].budget is None, "a line without amount says 'not stated', not zero"
    assert ctx["PNRR"].budget is None and ctx["PNRR"].committed_before == 1_000


@pytest.mark.parametrize(
    "indicators, spend, summary",
    [
        (
            [("a", ""), ("b", None), ("c", "—"), ("d", "12")],
            [("FNPS", "", "0,00")],
            "3 indicatori senza valore, 1 fonte senza spesa",
        ),
        ([("a", False), ("b", "0")], [("FNPS", "0", "10"), ("PNRR", "1.000", "")], ""),
        ([("a", " ")], [], "1 indicatore senza valore"),
        ([], [("FNPS", None, None), ("PNRR", "0.000,00", "0")], "2 fonti senza spesa"),
    ],
)
def test_completeness_counts_empty_indicators_and_sources_without_spend(indicators, spend, summary):
    gaps = completeness(indicators, spend)
    assert gaps.summary == summary and gaps.complete == (summary == "")


def _approve(engine, data, today=date(2025, 7, 1)):
    with session_scope(engine) as s:
        sent = save_report(data, actor=LEAD_A, session=s, submit=True, today=today)
        review_report(
            data.objective_id, data.semester_id, "approve", actor=OFFICE, session=s, expected_version=sent.version
        )


def _complete(engine, **overrides):
    fields = dict(
        users_not_relevant=True,
        resource_adequacy="adeguato",
        need_answered="SI",
        need_reason="sì",
        proposed_again="NO",
        proposed_reason="concluso",
    )
    return form(engine, **{**fields, **overrides})


def test_a_new_semester_starts_from_the_last_approved_action_states(db):
    obj, acts, _inds, sem = ids(db)
    _approve(db, _complete(db))  # 2025 I approved: actions 1-2 realizzata, 3 in corso, 4 never set
    with session_scope(db) as s:
        nxt = Semester(year=2025, half=2)
        s.add(nxt)
        s.flush()
        view = load_entry(obj, nxt.id, actor=LEAD_A, session=s, today=date(2026, 1, 1))
        earlier = load_entry(obj, sem, actor=LEAD_A, session=s, today=date(2025, 7, 1))
    assert [a["state"] for a in view.actions] == ["realizzata", "realizzata", "in corso", "non avviata"]
    assert view.carried_from == ["I semestre 2025"]
    assert view.source_context["FNPS"].budget == 100_000 and view.source_context["FNPS"].paid_before == 8000.5
    assert earlier.carried_from == [] and earlier.source_context["FNPS"].paid_before == 0, (
        "a semester does not carry or count its own data"
    )


def test_drafts_and_submitted_reports_are_not_carried_forward(db):
    obj, _acts, _inds, _sem = ids(db)
    with session_scope(db) as s:
        save_report(_complete(db), actor=LEAD_A, session=s, submit=True, today=date(2025, 7, 1))
        nxt = Semester(year=2025, half=2)
        s.add(nxt)
        s.flush()
        view = load_entry(obj, nxt.id, actor=LEAD_A, session=s, today=date(2026, 1, 1))
    assert {a["state"] for a in view.actions} == {"non avviata"} and view.carried_from == []
    assert view.source_context["FNPS"].paid_before == 0


def test_incomplete_report_is_refused_without_a_note_and_nothing_is_saved(db):
    data = _complete(db, spend=[SpendInput("FNPS", "", ""), SpendInput("PNRR", "10", "5")])
    with pytest.raises(IncompleteReport, match="fonte senza spesa") as caught, session_scope(db) as s:
        submit_report(data, actor=LEAD_A, session=s, today=date(2025, 7, 1))
    assert caught.value.field == "Nota sui dati mancanti"
    with Session(db) as s:
        assert s.exec(select(Report)).first() is None


def test_incomplete_report_sent_with_a_note_keeps_it_for_the_reviewer(db):
    obj, _acts, inds, sem = ids(db)
    data = _complete(db)
    data.indicators[inds["Cambiamento percepito"]].value = ""
    with session_scope(db) as s:
        submit_report(data, actor=LEAD_A, session=s, today=date(2025, 7, 1), note="Dato qualitativo in arrivo")
    with Session(db) as s:
        assert s.exec(select(Report)).one().state == "inviata"
        audit = s.exec(select(AuditEntry).where(AuditEntry.field == "Inviato con dati mancanti")).one()
        assert audit.new == "1 indicatore senza valore" and audit.reason == "Dato qualitativo in arrivo"
        notes = submission_notes(obj, sem, session=s)
    assert [(n.username, n.gaps, n.note) for n in notes] == [
        ("refa", "1 indicatore senza valore", "Dato qualitativo in arrivo")
    ]


def test_complete_report_needs_no_note_and_field_errors_come_first(db):
    with session_scope(db) as s:
        submit_report(_complete(db), actor=LEAD_A, session=s, today=date(2025, 7, 1))
    with Session(db) as s:
        assert s.exec(select(SubmissionNote)).first() is None
    bad = _complete(db, resource_adequacy=None, spend=[SpendInput("FNPS", "", "")])
    with session_scope(db) as s, pytest.raises(ValidationFailed) as caught:
        s.exec(select(Report)).one().state = "da rivedere"
        s.flush()
        submit_report(bad, actor=LEAD_A, session=s, today=date(2025, 7, 1))
    assert [e.target for e in caught.value.errors] == ["q:resource_adequacy"]


def test_field_errors_name_their_form_field(db):
    obj, acts, inds, _sem = ids(db)
    data = form(db, spend=[SpendInput("FNPS", "10", "20")], need_answered="forse")
    data.indicators[inds["N. di incontri della cabina di regia"]].value = "dodici"
    data.actions[acts[0]] = "finita"
    with session_scope(db) as s, pytest.raises(ValidationFailed) as caught:
        save_report(data, actor=LEAD_A, session=s, today=date(2025, 7, 1))
    targets = {e.target: e.field for e in caught.value.errors}
    meetings = "N. di incontri della cabina di regia"
    assert targets == {
        f"action:{acts[0]}": "Azione 1",
        f"indicator:{inds[meetings]}": f"Indicatore «{meetings}»",
        "spend:FNPS": "Spesa FNPS – liquidato",
        "q:need_answered": "Bisogno soddisfatto (SI/NO)",
    }


def test_completeness_dataclass_defaults():
    assert Completeness().complete and Completeness().summary == ""

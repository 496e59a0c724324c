"""Semester reports: validation, one transaction, optimistic locking, audit, permissions, review."""

from datetime import date

import pytest
from sqlmodel import Session, select

from models.audit import audit_trail
from models.dashboard import report_actions
from models.db import session_scope
from models.entry_view import load_entry, waiting_for_lead
from models.permissions import Actor, PermissionDenied
from models.reports import (
    ConflictError,
    IndicatorInput,
    ReportInput,
    ReportLocked,
    SpendInput,
    ValidationFailed,
    save_report,
)
from models.review import changes_since_approval, review_report
from models.tables import (
    Action,
    ActionStatus,
    Indicator,
    IndicatorValue,
    Objective,
    Report,
    Semester,
    Spend,
    SubAreaValue,
    User,
)
from models.validation import FieldError

pytestmark = pytest.mark.both_databases  # its SQL runs on SQLite and on PostgreSQL (tests/conftest.py)

OFFICE = Actor(1, "uff", "ufficio_di_piano")
LEAD_A = Actor(2, "refa", "referente", frozenset({"A"}))
LEAD_B = Actor(3, "refb", "referente", frozenset({"B"}))
COMITATO = Actor(4, "com", "comitato")


@pytest.fixture
def db(small_plan):
    with session_scope(small_plan) as s:
        s.add(Semester(year=2025, half=1, deadline=date(2025, 7, 31)))
        for actor in (OFFICE, LEAD_A, LEAD_B, COMITATO):
            s.add(
                User(
                    id=actor.user_id,
                    username=actor.username,
                    name=actor.username.upper(),
                    role=actor.role,
                    password_hash="x",
                    must_change_password=False,
                )
            )
    return small_plan


def ids(engine):
    with Session(engine) as s:
        obj = s.exec(select(Objective).where(Objective.code == "A.1")).one()
        acts = s.exec(select(Action).where(Action.objective_id == obj.id).order_by(Action.position)).all()
        inds = {i.text: i.id for i in s.exec(select(Indicator).where(Indicator.objective_id == obj.id))}
        sem = s.exec(select(Semester)).one()
        return obj.id, [a.id for a in acts], inds, sem.id


def form(engine, **overrides) -> ReportInput:
    obj, acts, inds, sem = ids(engine)
    data = ReportInput(objective_id=obj, semester_id=sem, base_version=None)
    data.actions = {acts[0]: "realizzata", acts[1]: "realizzata", acts[2]: "in corso"}
    data.indicators = {
        inds["N. di incontri della cabina di regia"]: IndicatorInput("1.234", "nota", {"AT1": "1.000", "AT2": "234"}),
        inds["Percentuale di progetti personalizzati avviati"]: IndicatorInput("45,5"),
        inds["Protocollo sottoscritto"]: IndicatorInput("sì"),
        inds["Cambiamento percepito"]: IndicatorInput("Rete più solida"),
    }
    data.spend = [SpendInput("FNPS", "10.000", "8.000,50", "Det. 12/2025")]
    for k, v in overrides.items():
        setattr(data, k, v)
    return data


def save(engine, data, actor=LEAD_A, **kw):
    with session_scope(engine) as s:
        return save_report(data, actor=actor, session=s, today=date(2025, 7, 1), **kw)


def test_save_draft_writes_everything_and_computes_achievement(db):
    result = save(db, form(db))
    assert result.version == 1 and result.state == "bozza"
    with Session(db) as s:
        rep = s.get(Report, result.report_id)
        counts = report_actions(session=s, report_id=rep.id)
        assert (counts.planned, counts.done) == (4, 2)
        values = {v.indicator_id: v for v in s.exec(select(IndicatorValue))}
        assert sorted(v.value_num for v in values.values() if v.value_num is not None) == [1, 45.5, 1234]
        assert sorted(sv.value for sv in s.exec(select(SubAreaValue))) == [234, 1000]
        spend = s.exec(select(Spend)).one()
        assert (spend.committed, spend.paid, spend.document_ref) == (10000, 8000.5, "Det. 12/2025")


@pytest.mark.parametrize(
    "mutate, field, message",
    [
        (
            lambda d, i: d.indicators.__setitem__(i["N. di incontri della cabina di regia"], IndicatorInput("-3")),
            "Indicatore «N. di incontri",
            "negativo",
        ),
        (
            lambda d, i: d.indicators.__setitem__(
                i["Percentuale di progetti personalizzati avviati"], IndicatorInput("101")
            ),
            "Indicatore «Percentuale",
            "da 0 a 100",
        ),
        (
            lambda d, i: d.indicators.__setitem__(i["N. di incontri della cabina di regia"], IndicatorInput("dodici")),
            "Indicatore «N. di incontri",
            "non è un numero",
        ),
        (
            lambda d, i: d.indicators.__setitem__(
                i["N. di incontri della cabina di regia"], IndicatorInput("10", "", {"AT1": "4", "AT2": "5"})
            ),
            "Indicatore «N. di incontri",
            "non corrisponde al totale",
        ),
        (
            lambda d, i: d.indicators.__setitem__(i["Protocollo sottoscritto"], IndicatorInput("forse")),
            "Indicatore «Protocollo",
            "sì o no",
        ),
        (
            lambda d, i: setattr(d, "spend", [SpendInput("FNPS", "100", "200")]),
            "Spesa FNPS – liquidato",
            "supera l'impegnato",
        ),
        (lambda d, i: setattr(d, "spend", [SpendInput("FNPS", "-1", "0")]), "Spesa FNPS – impegnato", "negativo"),
        (lambda d, i: setattr(d, "resource_adequacy", "ottimo"), "Adeguatezza delle risorse", "non ammesso"),
    ],
)
def test_bad_input_refused_naming_field_and_nothing_written(db, mutate, field, message):
    data = form(db)
    mutate(data, ids(db)[2])
    with pytest.raises(ValidationFailed) as info:
        save(db, data)
    assert any(e.field.startswith(field) and message in e.message for e in info.value.errors), info.value.errors
    with Session(db) as s:
        assert s.exec(select(Report)).first() is None
        assert s.exec(select(IndicatorValue)).first() is None


def test_paid_over_committed_accepted_with_confirmation_and_note(db):
    data = form(db, spend=[SpendInput("FNPS", "100", "200", "", "anticipo su fattura 2024", confirmed_over=True)])
    save(db, data)
    with Session(db) as s:
        assert s.exec(select(Spend)).one().paid == 200


def test_failure_half_way_writes_nothing(db, monkeypatch):
    import models.reports as reports

    original = reports.write_rows

    def explode(session, plan, actor):
        original(session, plan, actor)
        raise RuntimeError("disk full")

    monkeypatch.setattr(reports, "write_rows", explode)
    with pytest.raises(RuntimeError):
        save(db, form(db))
    with Session(db) as s:
        for table in (Report, ActionStatus, IndicatorValue, Spend):
            assert s.exec(select(table)).first() is None


def test_concurrent_saves_second_is_refused_with_changes(db):
    first = save(db, form(db))
    with session_scope(db) as s:
        view = load_entry(form(db).objective_id, form(db).semester_id, actor=LEAD_A, session=s)
    base = dict(view.snapshot)
    obj, acts, inds, sem = ids(db)
    alice = form(db, base_version=first.version, base_snapshot=base)
    bob = form(db, base_version=first.version, base_snapshot=base)
    alice.actions[acts[3]] = "realizzata"
    bob.critical_issues = "Ritardi nelle convenzioni"
    save(db, alice)
    with pytest.raises(ConflictError) as info:
        save(db, bob, actor=OFFICE)
    assert "Qualcun altro" in str(info.value)
    assert any(label.startswith("Azione 4") and new == "realizzata" for label, _, new in info.value.changes)
    with Session(db) as s:
        rep = s.exec(select(Report)).one()
        assert rep.version == 2 and rep.critical_issues == "" and report_actions(session=s, report_id=rep.id).done == 3


def test_two_first_saves_of_a_new_report_conflict(db):
    save(db, form(db))
    with pytest.raises(ConflictError):
        save(db, form(db))  # also started from "no report yet"


def test_audit_entries_for_each_changed_field(db):
    first = save(db, form(db))
    data = form(db, base_version=first.version)
    data.critical_issues = "Carenza di personale"
    save(db, data)
    with Session(db) as s:
        entries = audit_trail(s, objective_id=data.objective_id)
    fields = [e.field for e in entries]
    assert "Criticità e piano di miglioramento" in fields
    crit = next(e for e in entries if e.field == "Criticità e piano di miglioramento")
    assert (crit.old, crit.new, crit.username) == (None, "Carenza di personale", "refa")
    assert fields.count("Criticità e piano di miglioramento") == 1
    assert any(e.field.startswith("Azione 1") and e.new == "realizzata" for e in entries)


@pytest.mark.parametrize("actor, allowed", [(OFFICE, True), (LEAD_A, True), (LEAD_B, False), (COMITATO, False)])
def test_permission_matrix_for_saving_area_a(db, actor, allowed):
    if allowed:
        save(db, form(db), actor=actor)
    else:
        with pytest.raises(PermissionDenied):
            save(db, form(db), actor=actor)


def test_lead_of_b_refused_even_calling_the_function_directly(db):
    with pytest.raises(PermissionDenied, match="area A non è tra le aree"):
        save(db, form(db), actor=LEAD_B)


def test_submit_requires_qualitative_fields_then_locks_for_the_lead(db):
    with pytest.raises(ValidationFailed) as info:
        save(db, form(db), submit=True)
    assert {e.field for e in info.value.errors} >= {"Adeguatezza delle risorse", "Bisogno soddisfatto"}
    data = form(
        db,
        users_not_relevant=True,
        resource_adequacy="adeguato",
        need_answered="SI",
        need_reason="Sì, in parte",
        proposed_again="no",
        proposed_reason="Obiettivo raggiunto",
    )
    result = save(db, data, submit=True)
    assert result.state == "inviata"
    with pytest.raises(ReportLocked, match="inviato"):
        save(db, form(db, base_version=result.version))


def submitted(db):
    data = form(
        db,
        users_not_relevant=True,
        resource_adequacy="adeguato",
        need_answered=True,
        need_reason="x",
        proposed_again=True,
        proposed_reason="y",
    )
    return save(db, data, submit=True)


@pytest.mark.parametrize(
    "start, action, actor, ok",
    [
        ("bozza", "submit", LEAD_A, True),
        ("bozza", "approve", OFFICE, False),
        ("bozza", "send_back", OFFICE, False),
        ("inviata", "approve", OFFICE, True),
        ("inviata", "send_back", OFFICE, True),
        ("inviata", "submit", LEAD_A, False),
        ("approvata", "send_back", OFFICE, True),
        ("approvata", "approve", OFFICE, False),
        ("approvata", "submit", LEAD_A, False),
        ("da rivedere", "submit", LEAD_A, True),
        ("da rivedere", "approve", OFFICE, False),
        ("da rivedere", "send_back", OFFICE, False),
    ],
)
def test_review_state_machine(db, start, action, actor, ok):
    save(db, form(db))
    with session_scope(db) as s:
        rep = s.exec(select(Report)).one()
        rep.state = start
    with Session(db) as s:
        version = s.exec(select(Report)).one().version
    obj, _, _, sem = ids(db)

    def call():
        return review_report(
            obj,
            sem,
            action,
            actor=actor,
            session=s2,
            expected_version=version,
            comment="Completare i valori",
            today=date(2025, 7, 1),
        )

    if ok:
        with session_scope(db) as s2:
            call()
    else:
        with pytest.raises(ReportLocked, match="non ammessa"):
            with session_scope(db) as s2:
                call()


def test_lead_cannot_approve_and_send_back_needs_comment(db):
    result = submitted(db)
    obj, _, _, sem = ids(db)
    with pytest.raises(PermissionDenied):
        with session_scope(db) as s:
            review_report(obj, sem, "approve", actor=LEAD_A, session=s, expected_version=result.version)
    with pytest.raises(ValidationFailed, match="Commento"):
        with session_scope(db) as s:
            review_report(obj, sem, "send_back", actor=OFFICE, session=s, expected_version=result.version)


def test_approved_snapshot_and_changes_since_approval(db):
    result = submitted(db)
    obj, acts, _, sem = ids(db)
    with session_scope(db) as s:
        rep = review_report(obj, sem, "approve", actor=OFFICE, session=s, expected_version=result.version)
        version = rep.version
    with session_scope(db) as s:
        rep = review_report(
            obj, sem, "send_back", actor=OFFICE, session=s, expected_version=version, comment="Aggiornare l'azione 4"
        )
        version = rep.version
    data = form(
        db,
        base_version=version,
        users_not_relevant=True,
        resource_adequacy="adeguato",
        need_answered=True,
        need_reason="x",
        proposed_again=True,
        proposed_reason="y",
    )
    data.actions[acts[3]] = "realizzata"
    save(db, data)
    with Session(db) as s:
        changes = changes_since_approval(obj, sem, session=s)
        assert [(label[:8], old, new) for label, old, new in changes] == [("Azione 4", None, "realizzata")]
        assert waiting_for_lead(actor=LEAD_A, session=s, today=date(2025, 7, 1)) == {"returned": 1, "not_started": 1}


def test_closed_semester_refuses_writes_for_everyone(db):
    result = save(db, form(db))
    with session_scope(db) as s:
        s.exec(select(Semester)).one().state = "chiuso"
    for actor in (LEAD_A, OFFICE):
        with pytest.raises(ReportLocked, match="chiuso"):
            save(db, form(db, base_version=result.version), actor=actor)
    obj, _, _, sem = ids(db)
    with pytest.raises(ReportLocked, match="chiuso"):
        with session_scope(db) as s:
            review_report(obj, sem, "submit", actor=LEAD_A, session=s, expected_version=result.version)


def test_deadline_blocks_lead_but_not_office(db):
    with pytest.raises(ReportLocked, match="Scadenza .* superata il 31/07/2025.*Ufficio di Piano"):
        with session_scope(db) as s:
            save_report(form(db), actor=LEAD_A, session=s, today=date(2025, 8, 1))
    with session_scope(db) as s:
        save_report(form(db), actor=OFFICE, session=s, today=date(2025, 8, 1))


def test_lead_submission_after_the_deadline_refused_by_the_domain(db):
    result = save(db, form(db))
    obj, _, _, sem = ids(db)
    with pytest.raises(ReportLocked, match="Scadenza per l'inserimento superata il 31/07/2025"):
        with session_scope(db) as s:
            review_report(
                obj, sem, "submit", actor=LEAD_A, session=s, expected_version=result.version, today=date(2025, 8, 1)
            )
    with Session(db) as s:
        assert s.exec(select(Report)).one().state == "bozza"
    with session_scope(db) as s:  # the Ufficio di Piano still can, as in the form
        assert (
            review_report(
                obj, sem, "submit", actor=OFFICE, session=s, expected_version=result.version, today=date(2025, 8, 1)
            ).state
            == "inviata"
        )


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
@pytest.mark.parametrize(
    "field, label",
    [
        ("critical_issues", "Criticità e piano di miglioramento"),
        ("need_reason", "Bisogno soddisfatto – motivazione"),
        ("spend_ref", "Spesa FNPS – documento"),
        ("spend_note", "Spesa FNPS – nota"),
        ("indicator_note", "Indicatore «N. di incontri della cabina di regia» – nota"),
        ("indicator_text", "Indicatore «Cambiamento percepito»"),
    ],
)
def test_control_characters_refused_in_every_text(db, char, field, label):
    """On PostgreSQL a NUL used to crash the save with psycopg.DataError; now every text refuses it first."""
    data = form(db)
    obj, acts, inds, sem = ids(db)
    text = f"prima{char}dopo"
    if field == "spend_ref":
        data.spend = [SpendInput("FNPS", "10", "5", text)]
    elif field == "spend_note":
        data.spend = [SpendInput("FNPS", "10", "5", "Det. 1", text)]
    elif field == "indicator_note":
        data.indicators[inds["N. di incontri della cabina di regia"]] = IndicatorInput("3", text)
    elif field == "indicator_text":
        data.indicators[inds["Cambiamento percepito"]] = IndicatorInput(text)
    else:
        setattr(data, field, text)
    with pytest.raises(ValidationFailed) as info:
        save(db, data)
    assert [e.field for e in info.value.errors] == [label]
    assert f"U+{ord(char):04X}" in str(info.value) and "carattere di controllo non ammesso" in str(info.value)
    with Session(db) as s:
        assert s.exec(select(Report)).all() == []


def test_newline_and_tab_kept_in_long_texts_refused_in_short_ones(db):
    save(
        db,
        form(
            db,
            critical_issues="riga 1\n\triga 2",
            spend=[SpendInput("FNPS", "10", "5", "Det. 1", "nota\nsu due righe")],
        ),
    )
    with Session(db) as s:
        assert s.exec(select(Report)).one().critical_issues == "riga 1\n\triga 2"
        assert s.exec(select(Spend)).one().note == "nota\nsu due righe"
    with pytest.raises(ValidationFailed, match="documento: a capo e tabulazioni non ammessi"):
        save(db, form(db, base_version=1, spend=[SpendInput("FNPS", "10", "5", "Det.\n1")]))


def test_control_characters_refused_in_review_comment_and_user_names(db):
    from models.users import UserError, add_user

    result = submitted(db)
    obj, _, _, sem = ids(db)
    with pytest.raises(FieldError, match="Commento: carattere di controllo"):
        with session_scope(db) as s:
            review_report(
                obj, sem, "send_back", actor=OFFICE, session=s, expected_version=result.version, comment="rivedere\x00"
            )
    with pytest.raises(UserError, match="Nome e cognome: carattere di controllo"):
        with session_scope(db) as s:
            add_user(s, actor=OFFICE, username="nuovo", name="Mario\x00 Rossi", role="comitato", areas=[])


def test_paid_over_committed_confirmation_stays_valid_until_the_figures_change(db):
    over = SpendInput("FNPS", "100", "150", "Det. 1", "anticipo su fattura", confirmed_over=True)
    first = save(db, form(db, spend=[over]))
    # later saves send the line as the form shows it: checkbox not ticked again
    again = SpendInput("FNPS", "100,00", "150,00", "Det. 1", "anticipo su fattura")
    second = save(db, form(db, base_version=first.version, spend=[again], critical_issues="altro testo"))
    assert second.version == 2
    changed = SpendInput("FNPS", "100", "160", "Det. 1", "anticipo su fattura")
    with pytest.raises(ValidationFailed, match="il liquidato .* supera l'impegnato"):
        save(db, form(db, base_version=second.version, spend=[changed]))
    no_note = SpendInput("FNPS", "100", "150", "Det. 1", "")
    with pytest.raises(ValidationFailed, match="supera l'impegnato"):
        save(db, form(db, base_version=second.version, spend=[no_note]))


def test_empty_spend_line_is_no_data_and_zero_is_zero(db):
    lines = [SpendInput("FNPS", "", ""), SpendInput("FSR", "0", "0"), SpendInput("PNRR", "1.000", "")]
    first = save(db, form(db, spend=lines))
    with Session(db) as s:
        rows = {sp.source: (sp.committed, sp.paid) for sp in s.exec(select(Spend))}
    assert rows == {"FSR": (0, 0), "PNRR": (1000, 0)}
    # a saved line emptied in the form is no data again (removed), not zeros
    save(db, form(db, base_version=first.version, spend=[SpendInput("FSR", "", ""), lines[2]]))
    with Session(db) as s:
        assert {sp.source for sp in s.exec(select(Spend))} == {"PNRR"}
    with pytest.raises(ValidationFailed, match="indicare l'impegnato o il liquidato"):
        save(db, form(db, base_version=2, spend=[SpendInput("FSR", "", "", "Det. 3")]))


def _bad_stored_amounts(engine) -> int:
    """A.1 with paid 1e308 on two lines (their sum is infinite), A.2 with paid infinity, B.1 a sound 500 €: all
    written straight into the database, as before the input checks. Returns the semester id."""
    import math

    from models.tables import MacroArea

    with session_scope(engine) as s:
        sem = s.exec(select(Semester)).one()
        objectives = {o.code: o.id for o in s.exec(select(Objective))}
        rows = {
            "A.1": [("FNPS", 10.0, 1e308), ("FSR", 5.0, 1e308)],
            "A.2": [("PNRR", 10.0, math.inf)],
            "B.1": [("COMUNALE", 800.0, 500.0)],
        }
        for code, lines in rows.items():
            report = Report(
                objective_id=objectives[code], semester_id=sem.id, state="approvata", actions_done=1, actions_planned=2
            )
            s.add(report)
            s.flush()
            for source, committed, paid in lines:
                s.add(Spend(report_id=report.id, source=source, committed=committed, paid=paid))
            if code == "A.1":  # indicator values too: 1e308 against a target of 10 overflows the achievement
                from models.tables import IndicatorTarget

                meetings, percentage = (
                    s.exec(select(Indicator).where(Indicator.text == text)).one()
                    for text in (
                        "N. di incontri della cabina di regia",
                        "Percentuale di progetti personalizzati avviati",
                    )
                )
                for indicator, value in ((meetings, 1e308), (percentage, math.inf)):
                    s.add(IndicatorTarget(indicator_id=indicator.id, year=sem.year, target=10))
                    s.add(IndicatorValue(report_id=report.id, indicator_id=indicator.id, value_num=value))
        assert s.exec(select(MacroArea)).first() is not None
        return sem.id


def test_bad_stored_amounts_never_break_figures_or_exports(db):
    from models import dashboard, report_export, review
    from models.formatting import INVALID_VALUE

    sem = _bad_stored_amounts(db)
    with session_scope(db) as s:
        summary = dashboard.semester_summary(session=s, semester_id=sem, include_submitted=False)
        areas = {a.letter: a.money for a in dashboard.area_rows(session=s, semester_id=sem, include_submitted=False)}
        sources = {r.code: r.money for r in dashboard.source_rows(session=s, semester_id=sem, include_submitted=False)}
        dashboard.trend(session=s, semester_id=sem, include_submitted=False)
        objectives = {
            o.code: o.money
            for o in dashboard.area_objectives(session=s, semester_id=sem, include_submitted=False, area_letter="A")
        }
        table = {r["code"]: r for r in review.review_table(sem, session=s)}
        xlsx = report_export.semester_report_xlsx(sem, actor=OFFICE, session=s)
        page = report_export.annual_report_html(2025, actor=OFFICE, session=s).decode("utf-8")
    assert summary.money.spend_class == INVALID_VALUE and summary.money.ratio is None
    assert areas["A"].spend_class == INVALID_VALUE and not areas["A"].valid
    assert (areas["B"].committed, areas["B"].paid, areas["B"].valid) == (800, 500, True)  # the rest is intact
    assert not sources["FNPS"].valid and not sources["PNRR"].valid and sources["COMUNALE"].paid == 500
    assert not objectives["A.1"].valid and not objectives["A.2"].valid
    assert table["A.1"]["ratio_class"] == INVALID_VALUE and table["B.1"]["ratio_class"] != INVALID_VALUE
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx))
    values = [c.value for ws in book for row in ws.iter_rows() for c in row]
    assert INVALID_VALUE in values and 500 in values
    indicator_cells = [c.value for row in book["Indicatori"].iter_rows() for c in row]
    assert indicator_cells.count(INVALID_VALUE) == 2
    assert not any(isinstance(v, float) and (v != v or v in (float("inf"), 1e308)) for v in values)
    assert INVALID_VALUE in page and "Infinity" not in page.split("<script")[0]


def test_html_payload_is_stored_verbatim(db):
    payload = '<img src=x onerror=alert(1)> [x](javascript:alert(1))'
    save(db, form(db, critical_issues=payload))
    with Session(db) as s:
        assert s.exec(select(Report)).one().critical_issues == payload

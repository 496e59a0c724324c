"""In Chromium, the semester loop as a lead lives it: the office backfills a 2025 semester; a bad value is shown
at its field, listed at the top and focused; a new semester's form starts from the last approved action states
and shows each source's budget and earlier spend; sending with data missing needs a note."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from models.dashboard import report_actions
from models.db import get_engine, session_scope
from models.permissions import Actor
from models.reports import ReportInput, SpendInput, save_report
from models.review import review_report
from models.tables import Action, Indicator, Objective, Report, Semester, SubmissionNote, User
from tests.browser.conftest import choose, login, logout, open_page, screenshot


def _watch(page):
    events = []
    page.on("pageerror", lambda e: events.append(("pageerror", str(e))))
    return events


def _a1(db_url):
    with Session(get_engine(db_url)) as s:
        obj = s.exec(select(Objective).where(Objective.code == "A.1")).one()
        actions = s.exec(select(Action).where(Action.objective_id == obj.id).order_by(Action.position)).all()
        counts = s.exec(
            select(Indicator).where(
                Indicator.objective_id == obj.id, Indicator.text == "N. di incontri della cabina di regia"
            )
        ).one()
        return obj.id, [a.id for a in actions], counts.id


def test_office_backfills_a_2025_semester_and_the_lead_can_fill_it_in(page, server):
    events = _watch(page)
    login(page, server, "uff")
    open_page(page, "Impostazione piano", "/impostazione")
    page.get_by_role("tab", name="Semestri").click()
    choose(page, "Semestre da aprire", "I semestre 2025")
    page.get_by_role("button", name="Apri il I semestre 2025").click()
    # another semester is open: the question says so, and nothing is opened before the answer
    page.get_by_text(re.compile("È già aperto il II semestre 2026")).wait_for(timeout=15000)
    with Session(get_engine(server.db_url)) as s:
        assert s.exec(select(Semester).where(Semester.year == 2025)).first() is None
    page.get_by_role("button", name="Sì, apri il I semestre 2025").click()
    # the table of semesters lists it, and no semester is left to confirm for 2025 I
    expect(page.get_by_role("button", name="Apri il I semestre 2025")).to_have_count(0, timeout=15000)
    screenshot(page, "backfill-semestre-2025")
    with Session(get_engine(server.db_url)) as s:
        sem = s.exec(select(Semester).where(Semester.year == 2025, Semester.half == 1)).one()
        assert sem.state == "aperto" and sem.deadline > date.today(), "a backfilled semester gets a deadline ahead"
    logout(page)

    login(page, server, "refa")
    open_page(page, "Inserimento dati", "/inserimento")
    choose(page, "Semestre", "I semestre 2025 (aperto)")
    page.get_by_text(re.compile("I semestre 2025 · nessun dato salvato")).wait_for(timeout=15000)
    expect(
        page.get_by_text(re.compile(r"^Scadenza per l'inserimento: \d\d/\d\d/\d{4} \(mancano \d+ giorni\)"))
    ).to_be_visible()
    assert page.get_by_role("button", name="Salva bozza").is_enabled()
    assert not events, events


def test_bad_value_is_shown_at_its_field_listed_at_the_top_and_focused(page, server):
    events = _watch(page)
    _obj, _actions, indicator = _a1(server.db_url)
    login(page, server, "refa")
    open_page(page, "Inserimento dati", "/inserimento")
    field = page.locator(f".st-key-fld-indicator-{indicator}")
    box = field.locator("input").first
    box.fill("dodici")
    box.press("Tab")
    page.get_by_role("button", name="Salva bozza").click()
    summary = page.get_by_role("alert").filter(has_text="Nulla è stato salvato: 1 errore da correggere")
    summary.wait_for(timeout=15000)
    # the message sits in the field's own container, names the field, and the field has the keyboard focus
    expect(
        field.get_by_text("Indicatore «N. di incontri della cabina di regia»: «dodici» non è un numero")
    ).to_be_visible()
    expect(box).to_be_focused(timeout=20000)
    assert box.input_value() == "dodici", "what the lead typed stays"
    screenshot(page, "errore-al-campo")
    # the summary's entry leads back to the field after the focus moved elsewhere
    page.get_by_role("button", name="Salva bozza").focus()
    summary.get_by_role("link").first.click()
    expect(box).to_be_focused(timeout=20000)
    with Session(get_engine(server.db_url)) as s:
        assert s.exec(select(Report)).first() is None
    assert not events, events


def test_new_semester_starts_from_the_last_approved_action_states(page, server):
    events = _watch(page)
    obj, actions, _indicator = _a1(server.db_url)
    engine = get_engine(server.db_url)
    with session_scope(engine) as s:  # 2026 I, approved: actions 1 done, 2 under way; FNPS 8.000 paid
        office = s.exec(select(User).where(User.username == "uff")).one()
        lead = s.exec(select(User).where(User.username == "refa")).one()
        earlier = Semester(year=2026, half=1, deadline=date(2026, 7, 31))
        s.add(earlier)
        s.flush()
        data = ReportInput(
            obj,
            earlier.id,
            None,
            actions={actions[0]: "realizzata", actions[1]: "in corso"},
            spend=[SpendInput("FNPS", "10.000", "8.000")],
            users_not_relevant=True,
            resource_adequacy="adeguato",
            need_answered="SI",
            need_reason="Sì",
            proposed_again="SI",
            proposed_reason="Sì",
        )
        sent = save_report(
            data,
            actor=Actor(lead.id, "refa", "referente", frozenset({"A"})),
            session=s,
            today=date(2026, 7, 1),
            submit=True,
        )
        review_report(
            obj,
            earlier.id,
            "approve",
            actor=Actor(office.id, "uff", "ufficio_di_piano"),
            session=s,
            expected_version=sent.version,
        )
    login(page, server, "refa")
    open_page(page, "Inserimento dati", "/inserimento")
    choose(page, "Semestre", "II semestre 2026 (aperto)")
    page.get_by_text("Stati ripresi dall'ultimo report approvato (I semestre 2026)").wait_for(timeout=15000)
    radios = page.get_by_role("radiogroup")
    expect(radios.nth(0).get_by_role("radio", name="realizzata")).to_be_checked()
    expect(radios.nth(1).get_by_role("radio", name="in corso")).to_be_checked()
    expect(radios.nth(2).get_by_role("radio", name="non avviata")).to_be_checked()
    page.get_by_text(
        re.compile(
            r"Budget dell'obiettivo 100\.000,00 € · nei semestri precedenti \(report "
            r"approvati\): impegnato 10\.000,00 €, liquidato 8\.000,00 €"
        )
    ).wait_for()
    screenshot(page, "stati-ripresi")
    page.get_by_role("button", name="Salva bozza").click()
    page.get_by_text("Bozza salvata").wait_for(timeout=15000)
    with Session(engine) as s:
        sem = s.exec(select(Semester).where(Semester.year == 2026, Semester.half == 2)).one()
        rep = s.exec(select(Report).where(Report.semester_id == sem.id, Report.objective_id == obj)).one()
        assert report_actions(session=s, report_id=rep.id).done == 1, "the carried state is saved as its own"
    # the selector follows the state just saved
    expect(page.get_by_role("combobox", name="Obiettivo")).to_have_value(re.compile(r"A\.1 .* — bozza$"))
    assert not events, events


@pytest.mark.parametrize("with_note", [False, True])
def test_sending_with_data_missing_needs_a_note_that_is_stored(page, server, with_note):
    obj, _actions, _indicator = _a1(server.db_url)
    login(page, server, "refa")
    open_page(page, "Inserimento dati", "/inserimento")
    choose(page, "Semestre", "II semestre 2026 (aperto)")
    page.get_by_text(re.compile(r"^Prima dell'invio: \d+ indicatori senza valore")).wait_for(timeout=15000)
    page.get_by_label("Valutazione degli utenti: non pertinente").check(force=True)
    # the checkbox above reruns the page: choose() retries a list that closed under the click
    choose(page, re.compile("^Adeguatezza delle risorse"), re.compile("^Adeguato$"))
    for nth, (question, reason) in enumerate(
        (("L'obiettivo ha risposto", "La rete è cresciuta"), ("L'obiettivo verrà riproposto", "Da consolidare"))
    ):
        group = page.get_by_role("radiogroup", name=re.compile("^" + re.escape(question)))
        group.get_by_text("SI", exact=True).click()
        expect(group.get_by_role("radio", name="SI")).to_be_checked()
        page.get_by_label(re.compile("^Motivazione")).nth(nth).fill(reason)
        page.get_by_label(re.compile("^Motivazione")).nth(nth).press("Tab")
    if with_note:
        note = page.get_by_label(re.compile("^Nota sui dati mancanti"))
        note.fill("Dati degli indicatori in arrivo dal Comune capofila")
        note.press("Tab")
    page.get_by_role("button", name="Invia all'Ufficio di Piano").click()
    if not with_note:
        page.get_by_role("alert").filter(has_text="Nota sui dati mancanti").first.wait_for(timeout=15000)
        expect(page.get_by_label(re.compile("^Nota sui dati mancanti"))).to_be_focused(timeout=20000)
        with Session(get_engine(server.db_url)) as s:
            assert s.exec(select(SubmissionNote)).first() is None
        return
    page.get_by_text("Report inviato all'Ufficio di Piano").first.wait_for(timeout=15000)
    with Session(get_engine(server.db_url)) as s:
        note = s.exec(select(SubmissionNote)).one()
        assert note.note.startswith("Dati degli indicatori") and "indicatori senza valore" in note.gaps

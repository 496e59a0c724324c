"""In Chromium on the small plan: the review queue (oldest first, each a link that opens the report, several
approved at once) and a report's conversation between the office and the lead."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from models.db import get_engine, session_scope
from models.permissions import Actor
from models.reports import ReportInput, save_report
from models.tables import Objective, Report, ReportComment, Semester, User
from tests.browser.conftest import DEFAULT_USERS, Server, choose, login, open_page, screenshot, seed_users

WAIT = 30000  # ms: a bound for a busy 2-core machine, not a wait


def _submit(s, code: str, actor: Actor) -> None:
    obj = s.exec(select(Objective).where(Objective.code == code)).one()
    sem = s.exec(select(Semester)).first()
    data = ReportInput(
        objective_id=obj.id,
        semester_id=sem.id,
        base_version=None,
        users_not_relevant=True,
        resource_adequacy="adeguato",
        need_answered="SI",
        need_reason="sì",
        proposed_again="SI",
        proposed_reason="sì",
    )
    save_report(data, actor=actor, session=s, submit=True, today=date(2000, 1, 1))


@pytest.fixture(scope="module")
def review_server(tmp_path_factory):
    db = tmp_path_factory.mktemp("queue") / "pdz.sqlite3"
    url = f"sqlite:///{db}"
    seed_users(url, DEFAULT_USERS)
    with session_scope(get_engine(url)) as s:
        users = {u.username: u for u in s.exec(select(User))}
        office = Actor(users["uff"].id, "uff", "ufficio_di_piano", name="UFF")
        lead = Actor(users["refa"].id, "refa", "referente", frozenset({"A"}), name="REFA")
    # B.1 first (by the office), then A.2, then A.1: the queue keeps that order, not the catalogue's
    for code, actor in (("B.1", office), ("A.2", lead), ("A.1", lead)):
        with session_scope(get_engine(url)) as s:
            _submit(s, code, actor)
    srv = Server(db)
    yield srv
    srv.stop()


def _states(server) -> dict[str, str]:
    with Session(get_engine(server.db_url)) as s:
        return {o.code: r.state for r, o in s.exec(select(Report, Objective).join(Objective))}


def test_queue_oldest_first_link_opens_report_and_bulk_approve(page, review_server):
    login(page, review_server, "uff")
    open_page(page, "Revisione semestrale", "/revisione")
    page.get_by_text("Coda di revisione").wait_for(timeout=WAIT)
    links = page.locator('[data-testid="stPageLink"] a', has_text="inviato il")
    expect(links).to_have_count(3, timeout=WAIT)
    assert [t.split(" · ")[0] for t in links.all_inner_texts()] == ["B.1", "A.2", "A.1"]
    # Revisione opens on the longest-waiting report, not on an objective without data
    expect(page.get_by_role("combobox", name="Obiettivo")).to_have_value(re.compile(r"^B\.1 — inviata"))
    page.get_by_text("Stato: inviata").wait_for()
    links.nth(2).click()  # A.1
    expect(page.get_by_role("combobox", name="Obiettivo")).to_have_value(re.compile(r"^A\.1 — inviata"), timeout=WAIT)
    screenshot(page, "revisione-coda")
    page.get_by_label("Seleziona B.1", exact=False).check(force=True)
    page.get_by_label("Seleziona A.1", exact=False).check(force=True)
    page.get_by_role("button", name="Approva i selezionati (2)").click()
    page.get_by_text(re.compile(r"Approvati 2 report: B\.1, A\.1")).wait_for(timeout=WAIT)
    assert _states(review_server) == {"B.1": "approvata", "A.2": "inviata", "A.1": "approvata"}
    expect(links).to_have_count(1)
    # the selector follows the data: the report on screen now reads "approvata", not "inviata"
    expect(page.get_by_role("combobox", name="Obiettivo")).to_have_value(re.compile(r"^A\.1 — approvata"), timeout=WAIT)


def test_comment_thread_between_office_and_lead(browser, page, review_server):
    login(page, review_server, "uff")
    open_page(page, "Revisione semestrale", "/revisione")
    page.get_by_text("Coda di revisione").wait_for(timeout=WAIT)
    page.locator('[data-testid="stPageLink"] a', has_text="A.2").click(timeout=WAIT)
    expect(page.get_by_role("combobox", name="Obiettivo")).to_have_value(re.compile(r"^A\.2"), timeout=WAIT)
    box = page.get_by_label("Nuovo commento o risposta")
    expect(box).to_have_count(1, timeout=WAIT)  # the previous report's box is gone once the run is over
    box.fill("Quante persone sono state accolte a giugno?")
    box.press("Tab")
    page.get_by_role("button", name="Aggiungi alla conversazione").click()
    page.get_by_text("Quante persone sono state accolte a giugno?").wait_for(timeout=WAIT)
    expect(
        page.get_by_text(re.compile(r"UFF · Ufficio di Piano · \d\d/\d\d/\d{4} \d\d:\d\d · Commento"))
    ).to_be_visible(timeout=WAIT)  # the saved message (get_by_text above also matches the text still in the box)
    # the box is emptied once saved (a new widget: the old one, still holding the text, goes when the run is over)
    expect(box.filter(has_text="Quante persone")).to_have_count(0, timeout=WAIT)
    screenshot(page, "revisione-conversazione")

    lead_context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="it-IT")
    lead = lead_context.new_page()
    try:
        login(lead, review_server, "refa")
        open_page(lead, "Inserimento dati", "/inserimento")
        choose(lead, "Obiettivo", re.compile(r"A\.2"), search="A.2")
        lead.get_by_text("Conversazione con l'Ufficio di Piano").click()
        lead.get_by_text("Quante persone sono state accolte a giugno?").wait_for(timeout=WAIT)
        reply = lead.get_by_label("Nuovo commento o risposta")
        expect(reply).to_have_count(1, timeout=WAIT)
        reply.fill("Dodici, aggiorno il valore")
        reply.press("Tab")
        lead.get_by_role("button", name="Aggiungi alla conversazione").click()
        # get_by_text also matches the text still in the box: wait for the saved message's header and the emptied
        # box instead, or the context may close before the server has run the click
        header = re.compile(r"REFA · Referente di Gruppo di Lavoro · .* · Commento")
        expect(lead.get_by_text(header)).to_be_visible(timeout=WAIT)
        expect(reply.filter(has_text="Dodici")).to_have_count(0, timeout=WAIT)
        screenshot(lead, "inserimento-conversazione")
    finally:
        lead_context.close()

    page.reload()  # the office's page shows the lead's reply (A.2, the only report left, opens first)
    expect(page.get_by_role("combobox", name="Obiettivo")).to_have_value(re.compile(r"^A\.2"), timeout=WAIT)
    try:
        page.get_by_text("Dodici, aggiorno il valore").wait_for(timeout=WAIT)
    finally:
        screenshot(page, "revisione-risposta")
    with Session(get_engine(review_server.db_url)) as s:
        texts = [c.text for c in s.exec(select(ReportComment).order_by(ReportComment.id)) if c.kind == "commento"]
    assert texts == ["Quante persone sono state accolte a giugno?", "Dodici, aggiorno il valore"]

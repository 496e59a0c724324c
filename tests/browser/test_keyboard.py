"""Keyboard only, on the real plan: a lead logs in, fills A.1, saves a draft and submits it; the Ufficio di Piano
logs in, opens the report and approves it. Every interaction is page.keyboard (Tab, Shift+Tab, Enter, Space,
arrows, typing); the test only reads where the focus is, as a screen reader user hears it."""

from __future__ import annotations

import re
import time

import pytest
from sqlmodel import Session, select

from models.db import get_engine
from models.tables import Report
from tests.browser.conftest import PASSWORD, Server, screenshot, seed_users, wait_idle
from tests.conftest import REAL_PLAN

WAIT = 30000
MAX_TABS = 250  # the longest way: from the top of the page to the form's last button

# What a screen reader announces for the focused element: its name, and for a radio its group's name.
FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return '';
    const text = id => (document.getElementById(id) || {}).innerText || '';
    const name = el.getAttribute('aria-label')
        || (el.getAttribute('aria-labelledby') || '').split(' ').map(text).join(' ')
        || (el.labels && el.labels.length ? el.labels[0].innerText : '')
        || el.innerText || '';
    const group = el.closest('[role=radiogroup]');
    const groupName = group ? (group.getAttribute('aria-label')
        || (group.getAttribute('aria-labelledby') || '').split(' ').map(text).join(' ')) : '';
    return (groupName ? groupName + ' :: ' : '') + name.trim();
}"""


@pytest.fixture(scope="module")
def real_server(tmp_path_factory):
    db = tmp_path_factory.mktemp("kbd") / "pdz.sqlite3"
    seed_users(f"sqlite:///{db}", (("uff", "ufficio_di_piano", []), ("refa", "referente", ["A"])), REAL_PLAN)
    srv = Server(db, plan_dir=REAL_PLAN)
    yield srv
    srv.stop()


def focused(page) -> str:
    return page.evaluate(FOCUSED)


def tab_to(page, pattern: str, *, backwards: bool = False, limit: int = MAX_TABS) -> str:
    """Press Tab (or Shift+Tab) until the focused element's name matches (it may already); return that name."""
    wanted = re.compile(pattern)
    if wanted.search(focused(page)):
        return focused(page)
    seen = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        name = focused(page)
        seen.append(name)
        if wanted.search(name):
            return name
    raise AssertionError(f"{pattern!r} never focused by keyboard; focus went through: {seen[-40:]}")


def type_into(page, pattern: str, text: str) -> None:
    tab_to(page, pattern)
    page.keyboard.type(text)
    page.keyboard.press("Tab")  # Streamlit takes a text field's value when it loses focus
    wait_idle(page)


def keyboard_login(page, server: Server, username: str) -> None:
    page.goto(server.url)
    page.get_by_role("button", name="Accedi").wait_for(timeout=WAIT)
    wait_idle(page)
    type_into(page, "^Nome utente$", username)
    tab_to(page, "^Password$")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Esci").wait_for(timeout=WAIT)
    time.sleep(1.5)  # the login cookie's confirmation rerun
    wait_idle(page)


def open_by_keyboard(page, link: str, url_part: str) -> None:
    page.keyboard.press("Escape")
    tab_to(page, f"{re.escape(link)}$")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(url_part)), timeout=WAIT)
    page.get_by_role("heading").first.wait_for(timeout=WAIT)
    wait_idle(page)


def wait_for_widgets(page, *roles: str) -> None:
    """Streamlit loads each kind of widget's code the first time a page shows one; until it arrives the widget is
    not on the page at all, and Tab would walk past it (a CI machine under load once took longer than 250 Tabs)."""
    for role in roles:
        page.get_by_role(role).first.wait_for(timeout=WAIT)
    wait_idle(page)


def choose_by_keyboard(page, label_pattern: str, option_text: str) -> None:
    """A selectbox: focus it, type to filter, ArrowDown to the option, Enter."""
    tab_to(page, label_pattern)
    page.keyboard.type(option_text)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    wait_idle(page)


def test_lead_submits_and_office_approves_with_the_keyboard_only(browser, real_server):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="it-IT")
    page = context.new_page()
    try:
        keyboard_login(page, real_server, "refa")
        open_by_keyboard(page, "Inserimento dati", "/inserimento")
        page.get_by_text("Azioni programmate").first.wait_for(timeout=WAIT)
        wait_for_widgets(page, "combobox", "radiogroup", "checkbox")
        # first action: from "non avviata" to "realizzata" with two arrow presses in its radio group
        tab_to(page, r"^1\. .* :: ")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        wait_idle(page)
        type_into(page, r"^Valore \(numero", "12")
        tab_to(page, "Salva bozza")
        page.keyboard.press("Enter")
        page.get_by_text("Bozza salvata").first.wait_for(timeout=WAIT)
        wait_idle(page)
        # the grid's fields needed to submit
        tab_to(page, "^Valutazione degli utenti: non pertinente", backwards=True)
        page.keyboard.press("Space")
        wait_idle(page)
        choose_by_keyboard(page, "^Adeguatezza delle risorse", "Adeguato")
        tab_to(page, "^L'obiettivo ha risposto.* :: ")
        page.keyboard.press("ArrowRight")  # — -> SI
        wait_idle(page)
        type_into(page, "^Motivazione .*bisogno", "La rete è cresciuta")
        tab_to(page, "^L'obiettivo verrà riproposto.* :: ")
        page.keyboard.press("ArrowRight")
        wait_idle(page)
        type_into(page, "^Motivazione .*riproposto", "Da consolidare")
        # only one indicator has a value: sending needs the note on what is missing
        type_into(page, "^Nota sui dati mancanti", "Gli altri indicatori arrivano con il prossimo semestre")
        tab_to(page, "Invia all'Ufficio di Piano")
        page.keyboard.press("Enter")
        page.get_by_text("Report inviato all'Ufficio di Piano").first.wait_for(timeout=WAIT)
        screenshot(page, "tastiera-inviato")
    except Exception:
        screenshot(page, "tastiera-errore-referente")
        raise
    finally:
        context.close()
    with Session(get_engine(real_server.db_url)) as s:
        report = s.exec(select(Report)).one()
        assert report.state == "inviata"

    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="it-IT")
    page = context.new_page()
    try:
        keyboard_login(page, real_server, "uff")
        open_by_keyboard(page, "Revisione semestrale", "/revisione")
        page.get_by_text("Report di un obiettivo").wait_for(timeout=WAIT)
        wait_for_widgets(page, "combobox")
        choose_by_keyboard(page, "^Obiettivo", "A.1")
        page.get_by_text("Stato: inviata").wait_for(timeout=WAIT)
        tab_to(page, "^Approva$")
        page.keyboard.press("Enter")
        page.get_by_text("Stato: approvata").wait_for(timeout=WAIT)
        screenshot(page, "tastiera-approvato")
    except Exception:
        screenshot(page, "tastiera-errore-ufficio")
        raise
    finally:
        context.close()
    with Session(get_engine(real_server.db_url)) as s:
        assert s.exec(select(Report)).one().state == "approvata"

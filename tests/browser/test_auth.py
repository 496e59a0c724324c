"""Login, cookies and roles in the real app, in Chromium.

First start (one-time admin password from the terminal, forced change), the login cookie (set, reused in a
fresh page load, refused when copied after a logout or a password change, refused when forged), pages per
role (menu and direct URLs), two users at once, refusal to start with a bad cookie key, no tracebacks.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta

import jwt
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from components.auth_gate import COOKIE_NAME, DENIED
from components.navigation import PAGES
from models.db import get_engine
from models.permissions import PAGES_BY_ROLE, can_open_page
from models.users import LOGIN_FAILED
from models.vocab import ROLE_LABELS, Role
from tests.apptest_helpers import add_users
from tests.browser.conftest import (
    PASSWORD,
    ROOT,
    Server,
    free_port,
    login,
    logout,
    screenshot,
    seed_users,
    stop_process,
    wait_healthy,
    wait_idle,
)

WAIT = 45000  # ms: a full page load on a busy 2-core machine (the Cruscotto draws plotly.js); a bound, not a wait
# Elements that would show data; a refused page has none of them.
DATA_ELEMENTS = (
    '[data-testid="stDataFrame"], [data-testid="stTable"], [data-testid="stPlotlyChart"], '
    '[data-testid="stMetric"], [data-testid="stForm"], [data-testid="stExpander"]'
)
TABLES = '[data-testid="stDataFrame"], [data-testid="stTable"]'  # the user list is an HTML table (stTable)


# --- helpers ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _entrypoint_ran(browser, server):
    """Load the entrypoint once, as any first visitor would, before typing page URLs in this module:
    until then Streamlit routes /<name> straight to pages/<name>.py (see the pristine_server tests)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.url)
    page.get_by_role("button", name="Accedi").first.wait_for(timeout=WAIT)
    context.close()


def add_user(server: Server, username: str, role: str = Role.COMITATO, areas=()) -> None:
    """A user of its own for a test that logs out or changes password (the server reads the database)."""
    add_users(get_engine(server.db_url), [(username, role, areas)])


def login_cookie(context, *, other_than: str | None = None, timeout: float = 10) -> dict:
    """The login cookie as the browser holds it (the app writes it on the run after the login)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for cookie in context.cookies():
            if cookie["name"] == COOKIE_NAME and cookie["value"] != other_than:
                return cookie
        time.sleep(0.1)
    raise AssertionError(f"cookie {COOKIE_NAME} non impostato nel browser")


def has_login_cookie(context) -> bool:
    return any(c["name"] == COOKIE_NAME for c in context.cookies())


def context_with_cookie(browser, server: Server, value: str):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="it-IT")
    context.add_cookies([{"name": COOKIE_NAME, "value": value, "url": server.url}])
    return context


def expect_logged_in(page, name: str) -> None:
    page.get_by_role("button", name="Esci").first.wait_for(timeout=WAIT)
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    assert f"{name} · " in sidebar, sidebar


def expect_login_form(page) -> None:
    page.get_by_role("button", name="Accedi").first.wait_for(timeout=WAIT)
    page.get_by_role("textbox", name="Nome utente").first.wait_for(timeout=WAIT)
    page.wait_for_timeout(500)  # a valid cookie would have logged in on the first run already
    assert page.get_by_role("button", name="Esci").count() == 0
    assert page.get_by_role("textbox", name="Nome utente").is_visible()
    assert_no_error_shown(page)


def assert_no_error_shown(page) -> None:
    body = page.inner_text("body")
    assert page.locator('[data-testid="stException"]').count() == 0
    for leak in ("Traceback", "has encountered an error", "Error:", "File \""):
        assert leak not in body, body


def sidebar_pages(page) -> list[str]:
    links = page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"]').all_inner_texts()
    return [text.strip().splitlines()[-1].strip() for text in links]


def expect_menu(page, expected: list[str], timeout: float = 10) -> None:
    """The sidebar menu is exactly `expected` (its links may be drawn a moment after the page)."""
    deadline = time.time() + timeout
    while sidebar_pages(page) != expected and time.time() < deadline:
        time.sleep(0.1)
    assert sidebar_pages(page) == expected


def main_lines(page) -> list[str]:
    text = page.locator('[data-testid="stMain"]').inner_text()
    return [line.strip() for line in text.splitlines() if line.strip()]


def payload(token: str) -> dict:
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


# --- first start --------------------------------------------------------------------------------------


def test_first_start_admin_one_time_password_then_forced_change(browser, tmp_path):
    db = tmp_path / "first.sqlite3"
    server = Server(db)  # empty database: the app creates schema, plan and the first administrator
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="it-IT")
        page = context.new_page()
        page.goto(server.url)
        page.get_by_role("textbox", name="Nome utente").first.wait_for(timeout=WAIT)
        terminal = db.with_suffix(".log").read_text()
        assert "PRIMO AVVIO" in terminal
        one_time = re.search(r"Password monouso: (\S+)", terminal).group(1)
        assert one_time.encode() not in db.read_bytes()  # stored only as a bcrypt hash

        login(page, server, "admin", one_time)
        page.get_by_text("Primo accesso con una password monouso").first.wait_for(timeout=WAIT)
        assert sidebar_pages(page) == []  # no page before the new password
        login_cookie(context)
        # A fresh page load, even of another page's URL, re-logs in from the cookie and still asks for it.
        page.goto(f"{server.url}/utenti")
        page.get_by_text("Primo accesso con una password monouso").first.wait_for(timeout=WAIT)
        wait_idle(page)
        assert page.locator(TABLES).count() == 0

        page.get_by_label("Password attuale").fill(one_time)
        page.get_by_label("Nuova password (almeno 10 caratteri)").fill("corta")
        page.get_by_label("Ripeti la nuova password").fill("corta")
        page.get_by_role("button", name="Cambia password").click()
        page.get_by_text("Password: deve avere almeno 10 caratteri.").first.wait_for(timeout=WAIT)
        wait_idle(page)

        page.get_by_label("Password attuale").fill(one_time)
        page.get_by_label("Nuova password (almeno 10 caratteri)").fill("la-mia-nuova-password")
        page.get_by_label("Ripeti la nuova password").fill("la-mia-nuova-password")
        page.get_by_role("button", name="Cambia password").click()
        page.get_by_role("heading", name="Utenti").first.wait_for(timeout=WAIT)  # the page asked for at /utenti
        expect_menu(page, [spec.title for spec in PAGES])  # the office: every page
        screenshot(page, "auth-first-start-after-change")

        logout(page)
        wait_idle(page)
        page.get_by_role("textbox", name="Nome utente").fill("admin")
        page.get_by_label("Password", exact=True).fill(one_time)
        page.get_by_role("button", name="Accedi").click()
        page.get_by_text(LOGIN_FAILED).first.wait_for(timeout=WAIT)  # the one-time password is spent
        login(page, server, "admin", "la-mia-nuova-password")
        expect_menu(page, [spec.title for spec in PAGES])
        context.close()
    finally:
        server.stop()
    for file in tmp_path.glob("first.sqlite3*"):
        assert one_time.encode() not in file.read_bytes()
        assert b"la-mia-nuova-password" not in file.read_bytes()


# --- the cookie ---------------------------------------------------------------------------------------


def test_cookie_is_set_after_login_and_logs_in_a_fresh_page_load(page, server, browser):
    login(page, server, "uff")
    cookie = login_cookie(page.context)
    assert set(payload(cookie["value"])) == {"username", "exp_date"}  # nothing else in the token
    assert payload(cookie["value"])["username"] == "uff"
    assert cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert 6.9 * 86400 < cookie["expires"] - time.time() <= 7 * 86400

    page.goto(server.url)  # a new Streamlit session: no password typed
    expect_logged_in(page, "UFF")
    other = context_with_cookie(browser, server, cookie["value"])  # the same cookie elsewhere works too
    try:
        copy = other.new_page()
        copy.goto(server.url)
        expect_logged_in(copy, "UFF")
    finally:
        other.close()


def test_copied_cookie_refused_after_logout(page, server, browser):
    add_user(server, "esce")
    login(page, server, "esce")
    copied = login_cookie(page.context)["value"]
    logout(page)
    page.get_by_text("Uscita effettuata").first.wait_for(timeout=WAIT)
    assert _eventually_deleted(page.context)  # deleted in this browser; refused anyway if it were copied
    page.goto(server.url)
    expect_login_form(page)  # this browser is logged out

    thief = context_with_cookie(browser, server, copied)
    try:
        stolen = thief.new_page()
        stolen.goto(server.url)
        expect_login_form(stolen)
        stolen.goto(f"{server.url}/panoramica")
        expect_login_form(stolen)
        assert "Piano di Zona di prova" not in stolen.inner_text("body")
    finally:
        thief.close()


def _eventually_deleted(context, timeout: float = 10) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not has_login_cookie(context):
            return True
        time.sleep(0.1)
    return False


def test_copied_cookie_refused_after_password_change(page, server, browser):
    add_user(server, "cambia")
    login(page, server, "cambia")
    copied = login_cookie(page.context)["value"]
    page.goto(f"{server.url}/account")
    page.get_by_label("Password attuale").wait_for(timeout=WAIT)
    wait_idle(page)
    page.get_by_label("Password attuale").fill(PASSWORD)
    page.get_by_label("Nuova password (almeno 10 caratteri)").fill("password-cambiata-1")
    page.get_by_label("Ripeti la nuova password").fill("password-cambiata-1")
    page.get_by_role("button", name="Cambia password").click()
    page.get_by_text("Password cambiata.").first.wait_for(timeout=WAIT)
    login_cookie(page.context, other_than=copied)

    thief = context_with_cookie(browser, server, copied)
    try:
        stolen = thief.new_page()
        stolen.goto(f"{server.url}/account")
        expect_login_form(stolen)
    finally:
        thief.close()
    page.goto(server.url)  # the browser that changed the password stays logged in with its new cookie
    expect_logged_in(page, "CAMBIA")
    fresh = login_cookie(page.context)["value"]  # the one that just logged this fresh load in
    assert fresh != copied
    mine = context_with_cookie(browser, server, fresh)
    try:
        again = mine.new_page()
        again.goto(server.url)
        expect_logged_in(again, "CAMBIA")
    finally:
        mine.close()


def _future() -> float:
    return (datetime.now() + timedelta(days=7)).timestamp()


def _unsigned(claims: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


FORGED = {
    "chiave-predefinita-libreria": lambda: jwt.encode(
        {"username": "uff", "exp_date": _future()}, "some_key", algorithm="HS256"
    ),
    "chiave-esempio-documentazione": lambda: jwt.encode(
        {"username": "uff", "exp_date": _future()}, "some_signature_key", algorithm="HS256"
    ),
    "chiave-casuale": lambda: jwt.encode({"username": "uff", "exp_date": _future()}, "x" * 48, algorithm="HS256"),
    "senza-firma": lambda: _unsigned({"username": "uff", "exp_date": _future()}),
    "algoritmo-diverso": lambda: jwt.encode(
        {"username": "uff", "exp_date": _future()}, os.environ["PDZ_COOKIE_KEY"], algorithm="HS512"
    ),
    "scadenza-non-numerica": lambda: jwt.encode(
        {"username": "uff", "exp_date": "domani"}, os.environ["PDZ_COOKIE_KEY"], algorithm="HS256"
    ),
    "spazzatura": lambda: "non-un-token",
}


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_forged_tokens_are_refused(browser, server):
    """Each forged cookie in turn, in one browser (its cache warm after the first page): every kind is tried and
    the failures are listed by kind."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="it-IT")
    failures = []
    try:
        for kind, forge in FORGED.items():
            context.clear_cookies()
            context.add_cookies([{"name": COOKIE_NAME, "value": forge(), "url": server.url}])
            page = context.new_page()
            try:
                page.goto(f"{server.url}/utenti")
                expect_login_form(page)
                assert page.locator(TABLES).count() == 0, "la tabella degli utenti è visibile"
            except (AssertionError, PlaywrightTimeout) as exc:
                failures.append(f"{kind}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
            finally:
                page.close()
    finally:
        context.close()
    assert not failures, "\n".join(failures)


def test_token_signed_with_the_server_key_is_accepted(browser, server):
    """Control for the forged-token tests: the same claims signed with the real key do log in."""
    token = jwt.encode({"username": "uff", "exp_date": _future()}, os.environ["PDZ_COOKIE_KEY"], algorithm="HS256")
    context = context_with_cookie(browser, server, token)
    try:
        page = context.new_page()
        page.goto(server.url)
        expect_logged_in(page, "UFF")
    finally:
        context.close()


# --- pages per role -----------------------------------------------------------------------------------

ROLE_USERS = {Role.UFFICIO_DI_PIANO: "uff", Role.REFERENTE: "refa", Role.COMITATO: "com"}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_its_pages_only_and_other_urls_are_refused(page, server, role):
    assert set(PAGES_BY_ROLE[role]) >= {"home", "account"}
    username = ROLE_USERS[role]
    login(page, server, username)
    login_cookie(page.context)
    expected = [spec.title for spec in PAGES if can_open_page(role, spec.key)]
    assert {"Panoramica", "Il mio account"} <= set(expected)
    expect_menu(page, expected)
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    assert f"{username.upper()} · {ROLE_LABELS[role]}" in sidebar
    screenshot(page, f"auth-menu-{role}")

    for spec in PAGES:
        page.goto(f"{server.url}/{spec.url}")  # typed in the address bar: a fresh load, cookie login
        try:
            page.get_by_role("button", name="Esci").first.wait_for(timeout=WAIT)
        except PlaywrightTimeout:
            screenshot(page, f"auth-{role}-{spec.key}")
            raise AssertionError(f"{role}: /{spec.url} did not open logged in") from None
        if can_open_page(role, spec.key):
            page.get_by_role("heading").first.wait_for(timeout=WAIT)
            assert DENIED not in page.inner_text("body"), spec.key
            continue
        page.get_by_text(DENIED).first.wait_for(timeout=WAIT)
        # The page ends with its title and the refusal: nothing of the page itself (above them only the
        # app's own notices for this user may appear).
        assert main_lines(page)[-2:] == [spec.title, DENIED], spec.key
        assert page.locator(DATA_ELEMENTS).count() == 0, spec.key
        expect_menu(page, expected)  # the refused page is not offered


def test_logged_out_every_page_url_asks_to_log_in_and_shows_no_data(page, server):
    for spec in PAGES:
        page.goto(f"{server.url}/{spec.url}")
        page.get_by_text(f"Per aprire la pagina «{spec.title}» occorre accedere.").first.wait_for(timeout=WAIT)
        expect_login_form(page)
        assert (
            page.locator(
                '[data-testid="stDataFrame"], [data-testid="stTable"], [data-testid="stPlotlyChart"], '
                '[data-testid="stMetric"]'
            ).count()
            == 0
        ), spec.key
        assert sidebar_pages(page) == []


# --- two people at once -------------------------------------------------------------------------------


def test_two_users_at_once_each_see_only_their_own_session(browser, server):
    contexts = [browser.new_context(viewport={"width": 1280, "height": 720}, locale="it-IT") for _ in range(2)]
    try:
        office, lead = (c.new_page() for c in contexts)
        login(office, server, "uff")
        login(lead, server, "refa")
        for _ in range(2):  # after both logins, and again after fresh loads from each one's cookie
            expect_logged_in(office, "UFF")
            expect_logged_in(lead, "REFA")
            expect_menu(office, [p.title for p in PAGES if can_open_page(Role.UFFICIO_DI_PIANO, p.key)])
            expect_menu(lead, [p.title for p in PAGES if can_open_page(Role.REFERENTE, p.key)])
            assert "Utenti" in sidebar_pages(office) and "Utenti" not in sidebar_pages(lead)
            assert "Aree: A" in lead.locator('[data-testid="stSidebar"]').inner_text()
            assert "Aree:" not in office.locator('[data-testid="stSidebar"]').inner_text()
            assert payload(login_cookie(contexts[0])["value"])["username"] == "uff"
            assert payload(login_cookie(contexts[1])["value"])["username"] == "refa"
            office.goto(f"{server.url}/utenti")
            lead.goto(f"{server.url}/utenti")
            office.get_by_role("heading", name="Utenti").first.wait_for(timeout=WAIT)
            lead.get_by_text(DENIED).first.wait_for(timeout=WAIT)
            office.goto(f"{server.url}/account")
            lead.goto(f"{server.url}/account")
            office.get_by_text("Nome utente: uff").first.wait_for(timeout=WAIT)
            lead.get_by_text("Nome utente: refa").first.wait_for(timeout=WAIT)
        logout(lead)  # one person leaving does not log the other out
        office.goto(server.url)
        expect_logged_in(office, "UFF")
    finally:
        for context in contexts:
            context.close()


# --- starting ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("some_signature_key", "Chiave dei cookie predefinita/pubblica"),
        ("corta-di-prova", "Chiave dei cookie troppo corta: servono almeno 32 byte"),
    ],
)
def test_app_refuses_to_start_with_a_bad_cookie_key(page, tmp_path, key, message):
    db = tmp_path / "key.sqlite3"
    seed_users(f"sqlite:///{db}", [("uff", Role.UFFICIO_DI_PIANO, [])])
    server = Server(db, extra_env={"PDZ_COOKIE_KEY": key})
    try:
        for path in ("", "/utenti", "/panoramica"):
            page.goto(server.url + path)
            page.get_by_text("L'applicazione non può partire. " + message).first.wait_for(timeout=WAIT)
            assert page.get_by_role("textbox", name="Nome utente").count() == 0
            assert page.locator(DATA_ELEMENTS).count() == 0
            assert_no_error_shown(page)
        assert f"ERRORE: {message}" in db.with_suffix(".log").read_text()  # and in the terminal
    finally:
        server.stop()


PAGE_FILES = sorted(path.stem for path in (ROOT / "pages").glob("*.py"))


@pytest.fixture(scope="module")
def pristine_server(tmp_path_factory):
    """A server whose entrypoint never runs: only page-file URLs are requested from it."""
    db = tmp_path_factory.mktemp("pristine") / "pdz.sqlite3"
    seed_users(f"sqlite:///{db}", [("uff", Role.UFFICIO_DI_PIANO, [])])
    server = Server(db)
    yield server
    server.stop()


def _page_file_refuses(page, server: Server, page_file: str) -> None:
    page.goto(f"{server.url}/{page_file}")
    page.get_by_text(DENIED).first.wait_for(timeout=WAIT)
    assert page.locator(DATA_ELEMENTS).count() == 0, page_file
    assert "uff" not in page.locator('[data-testid="stMain"]').inner_text(), page_file


def test_page_files_opened_before_the_first_navigation_refuse_by_themselves(page, pristine_server):
    """Until a server's first st.navigation, Streamlit routes /<name> to pages/<name>.py without running
    app.py (its multipage v1 mode): every page must then refuse by itself (auth_gate.signed_in)."""
    for page_file in PAGE_FILES:
        _page_file_refuses(page, pristine_server, page_file)


def test_a_crash_shows_no_traceback_with_the_project_config(page, tmp_path):
    """The project's .streamlit/config.toml (showErrorDetails = none) applied to a script that raises."""
    shutil.copytree(ROOT / ".streamlit", tmp_path / ".streamlit", ignore=shutil.ignore_patterns("secrets.toml"))
    (tmp_path / "crash.py").write_text("raise RuntimeError('dettaglio-interno-segreto')\n")
    port = free_port()
    log = open(tmp_path / "crash.log", "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "crash.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        assert wait_healthy(url), (tmp_path / "crash.log").read_text()
        page.goto(url)
        page.locator('[data-testid="stException"], [data-testid="stAlert"]').first.wait_for(timeout=WAIT)
        page.wait_for_timeout(500)
        body = page.inner_text("body")
        assert "dettaglio-interno-segreto" not in body and "Traceback" not in body and "crash.py" not in body
        assert "dettaglio-interno-segreto" in (tmp_path / "crash.log").read_text()  # the operator sees it
    finally:
        stop_process(proc)
        log.close()

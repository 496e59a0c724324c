"""WCAG 2.1 AA in Chromium with axe-core (axe-playwright-python bundles axe.min.js: nothing is downloaded),
no request outside the app's server, Italian everywhere.

On demo data (the real plan, generated semesters): every page of every role (and every Cruscotto tab), the login
and password-change screens, the projector at 1280x720 and 1920x1080, and the annual HTML report. A test fails on
any violation of the WCAG 2.0/2.1 A and AA rules and lists them all (page, rule, element). The same visit of
every page records every request and fails on any host other than the app's, on English left by Streamlit
and on a page without lang="it". One server for the module, one login per role; pages are opened from the menu
as a user would.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe

from components.dashboard_controls import TABS
from components.navigation import PAGES
from models import demo, report_export
from models.db import get_engine, session_scope
from models.permissions import PAGES_BY_ROLE
from models.startup import prepare_database
from models.users import create_user
from tests.browser.conftest import PASSWORD, Server, login, open_page, screenshot, wait_idle
from tests.conftest import REAL_PLAN

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
WAIT = 30000
ROLE_ACCOUNTS = {acc.role: acc for acc in demo.DEMO_ACCOUNTS}
CHART = '[data-testid="stPlotlyChart"] .main-svg'
TITLE = '[data-testid="stMain"] h1:visible'  # the page's title (an h1 may also sit in a closed expander)
HOME_TITLE = "Monitoraggio Piano di Zona"

_axe = Axe()


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """`make demo` in miniature, plus a user who must change a one-time password."""
    db = tmp_path_factory.mktemp("a11y") / "pdz-demo.sqlite3"
    engine = get_engine(f"sqlite:///{db}")
    prepare_database(engine, REAL_PLAN)
    with session_scope(engine) as s:
        demo.ensure_demo_accounts(s)
        demo.generate(s, seed=demo.DEMO_SEED, semesters=[(2025, 1), (2025, 2), (2026, 1), (2026, 2)])
        create_user(
            s,
            actor=None,
            username="nuovo",
            name="Nuovo utente",
            role="comitato",
            areas=[],
            password=PASSWORD,
            one_time=True,
        )
    srv = Server(db, plan_dir=REAL_PLAN, extra_env={"PDZ_DEMO": "1"})
    srv.engine = engine
    yield srv
    srv.stop()


@pytest.fixture
def page(page):
    page.set_default_timeout(3 * WAIT)  # a busy machine (2 cores shared): a fresh page can take 30 s and more
    return page


def violations(page, where: str) -> list[str]:
    """axe's WCAG A/AA violations on the page as it is now, one line per element."""
    result = _axe.run(page, options=AXE_OPTIONS)
    lines = []
    for v in result.response["violations"]:
        for node in v["nodes"]:
            lines.append(
                f"{where}: {v['id']} ({v['impact']}) {', '.join(map(str, node['target']))} "
                f"{node.get('failureSummary', '').splitlines()[-1:]} {node['html'][:160]}"
            )
    return lines


# Streamlit's own English, as it would show if the translation in components/layout.py stopped working
ENGLISH = (
    "Choose an option",
    "Choose options",
    "Drag and drop",
    "Upload",
    "MB per file",
    "Skip to main content",
    "Link to heading",
    "No results",
    "Press Enter",
    "Page not found",
    "Clear all",
)
STREAMLIT_TEXTS = """() => {
    const texts = [document.body.innerText];
    for (const el of document.querySelectorAll('[aria-label], [placeholder], [title]'))
        for (const name of ['aria-label', 'placeholder', 'title']) texts.push(el.getAttribute(name) || '');
    return texts.join('\\n');
}"""


def not_italian(page, where: str) -> list[str]:
    problems = []
    if page.evaluate("document.documentElement.lang") != "it":
        problems.append(f"{where}: <html lang> non è 'it'")
    text = page.evaluate(STREAMLIT_TEXTS)
    problems += [
        f"{where}: testo inglese {word!r}"
        for word in ENGLISH
        if word in text and not (word == "MB per file" and "massimo" in text)
    ]
    return problems


def record_hosts(page) -> set[str]:
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlparse(request.url).netloc))
    return hosts


def assert_none(problems: list[str]) -> None:
    assert not problems, f"{len(problems)} violazioni WCAG:\n" + "\n".join(problems)


def test_login_and_password_change_screens(page, demo_server):
    problems: list[str] = []
    page.goto(demo_server.url)
    page.get_by_role("button", name="Accedi").wait_for(timeout=WAIT)
    wait_idle(page)
    problems += violations(page, "accesso") + not_italian(page, "accesso")
    # a failed login shows an error message: audited too
    page.get_by_label("Nome utente").fill("nessuno")
    page.get_by_label("Password", exact=True).fill("sbagliata-davvero")
    page.get_by_role("button", name="Accedi").click()
    page.locator('[data-testid="stAlert"]').first.wait_for(timeout=WAIT)
    wait_idle(page)
    problems += violations(page, "accesso (errore)")
    login(page, demo_server, "nuovo")
    page.get_by_label("Password attuale").wait_for(timeout=WAIT)
    wait_idle(page)
    problems += violations(page, "cambio password")
    assert_none(problems)


@pytest.mark.parametrize("role", list(PAGES_BY_ROLE))
def test_every_page_of_the_role(page, demo_server, role):
    hosts = record_hosts(page)
    account = ROLE_ACCOUNTS[role]
    login(page, demo_server, account.username, account.password)
    problems: list[str] = []
    for spec in PAGES:
        if spec.key not in PAGES_BY_ROLE[role]:
            continue
        open_page(page, spec.title, "/" + spec.url if spec.key != "home" else "/")
        page.locator(TITLE).first.wait_for(timeout=3 * WAIT)
        wait_idle(page)
        problems += violations(page, f"{role} {spec.url}") + not_italian(page, f"{role} {spec.url}")
        if spec.key == "cruscotto":
            for tab in TABS[1:]:  # each tab draws its own charts and tables
                page.get_by_role("tab", name=tab).click()
                wait_idle(page)
                problems += violations(page, f"{role} cruscotto/{tab}") + not_italian(page, f"{role} {tab}")
    # addresses typed by hand while logged in: the landing page, never "Page not found"
    for path in ("/panoramica", "/accesso"):
        page.goto(demo_server.url + path)
        page.get_by_role("button", name="Esci").wait_for(timeout=WAIT)
        wait_idle(page)
        problems += not_italian(page, f"{role} {path}")
        if page.locator(TITLE).first.inner_text() != HOME_TITLE:
            problems.append(f"{role} {path}: non mostra la Panoramica")
    foreign = sorted(hosts - {urlparse(demo_server.url).netloc})
    problems += [f"{role}: richiesta a un host esterno: {host}" for host in foreign]
    assert_none(problems)


@pytest.mark.parametrize("width,height", [(1280, 720), (1920, 1080)])
def test_projector(page, demo_server, width, height):
    page.set_viewport_size({"width": width, "height": height})
    account = ROLE_ACCOUNTS["comitato"]
    login(page, demo_server, account.username, account.password)
    hosts = record_hosts(page)
    open_page(page, "Cruscotto", "/cruscotto")
    page.wait_for_selector(CHART, timeout=WAIT)
    page.get_by_text("Modalità proiettore").click()
    page.wait_for_url(re.compile(r"proiettore=1"), timeout=WAIT)
    page.get_by_role("button", name="Area successiva").wait_for(timeout=WAIT)
    if width >= 1920:
        page.get_by_role("button", name="Opzioni").click()
        page.get_by_text("1920 × 1080").click()
        page.keyboard.press("Escape")
    page.wait_for_selector(CHART, timeout=WAIT)
    wait_idle(page)
    assert hosts <= {urlparse(demo_server.url).netloc}, hosts
    screenshot(page, f"a11y-proiettore-{width}x{height}")
    assert_none(violations(page, f"proiettore {width}x{height}"))


def test_annual_html_report(page, demo_server, tmp_path):
    with session_scope(demo_server.engine) as s:
        html = report_export.annual_report_html(2025, actor=None, session=s)
    path = tmp_path / "report.html"
    path.write_bytes(html)
    page.goto(path.as_uri())
    page.wait_for_selector(".plotly-graph-div .main-svg", timeout=WAIT)
    assert_none(violations(page, "report annuale html"))

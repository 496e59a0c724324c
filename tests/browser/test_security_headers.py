"""The app works in Chromium with its security headers on (models/web_guard.py): the headers are on the page,
Streamlit's static files, its health check and the API; login, a Cruscotto chart, a page switch and the login
cookie all work, and the browser reports no Content-Security-Policy violation."""

from __future__ import annotations

import urllib.request

import pytest

from components.auth_gate import COOKIE_NAME
from models import demo
from models.db import get_engine, session_scope
from tests.browser.conftest import PASSWORD, Server, login, open_page, screenshot, seed_users

CHART = '[data-testid="stPlotlyChart"] .main-svg'
WAIT = 30000
# Every violation, also of a policy in report-only mode, as the page sees it.
LISTEN = """() => { window.__csp = [];
  document.addEventListener('securitypolicyviolation',
    e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || ''))); }"""


@pytest.fixture(scope="module")
def data_server(tmp_path_factory):
    db = tmp_path_factory.mktemp("csp") / "pdz.sqlite3"
    seed_users(f"sqlite:///{db}", (("com", "comitato", []),))
    with session_scope(get_engine(f"sqlite:///{db}")) as s:
        demo.generate(s, seed=1, semesters=[(2025, 1), (2025, 2)])
    srv = Server(db)
    yield srv
    srv.stop()


def headers_of(url: str) -> dict[str, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return {k.lower(): v for k, v in response.headers.items()}


def test_headers_everywhere_and_the_app_works_with_them(data_server, browser):
    html = urllib.request.urlopen(data_server.url, timeout=10).read().decode()
    script = html.split('<script type="module" crossorigin src="./', 1)[1].split('"', 1)[0]
    for path in ("/", "/_stcore/health", "/" + script, "/api/v1/", "/api/v1/openapi.json"):
        got = headers_of(data_server.url + path)
        assert "frame-ancestors 'self'" in got["content-security-policy"], path
        assert "'unsafe-eval'" not in got["content-security-policy"]
        assert got["x-content-type-options"] == "nosniff" and got["referrer-policy"] == "same-origin", path

    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="it-IT")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script(f"({LISTEN})()")
    try:
        login(page, data_server, "com", PASSWORD)
        assert any(c["name"] == COOKIE_NAME for c in context.cookies())  # the cookie script ran
        open_page(page, "Cruscotto", "/cruscotto")
        page.wait_for_selector(CHART, timeout=WAIT)  # plotly.js drew the chart
        open_page(page, "Il Piano", "/piano")
        page.get_by_role("heading", name="Il Piano").first.wait_for(timeout=WAIT)
        assert page.evaluate("document.documentElement.lang") == "it"  # the accessibility script ran
        violations = page.evaluate("window.__csp")
    except Exception:
        screenshot(page, "csp-errore")
        raise
    finally:
        context.close()
    assert violations == [] and errors == []


def test_a_page_opened_by_its_address_asks_the_server_once_where_it_is(data_server, browser):
    """models/web_guard.StreamlitIndex: no /piano/_stcore/health probe (a 404 and a back-off) before the app
    connects, the document is Italian from the start, and the menu's addresses stay the app's own."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="it-IT")
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    try:
        login(page, data_server, "com", PASSWORD)
        asked.clear()
        page.goto(f"{data_server.url}/piano")
        assert page.evaluate("document.documentElement.lang") == "it"
        page.get_by_role("heading", name="Il Piano").first.wait_for(timeout=WAIT)
        open_page(page, "Cruscotto", "/cruscotto")
        assert page.url.split("?")[0] == f"{data_server.url}/cruscotto"
    except Exception:
        screenshot(page, "indirizzo-pagina-errore")
        raise
    finally:
        context.close()
    stcore = [u for u in asked if "/_stcore/" in u]
    assert stcore and all(u.startswith(f"{data_server.url}/_stcore/") for u in stcore), stcore

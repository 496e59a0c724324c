"""The Cruscotto in Chromium on demo data (the real plan, generated semesters): normal and projector views at
1280x720 and 1920x1080, stepping through areas, the slideshow, and the refresh when somebody saves.

Screenshots go to test-artifacts/ (cruscotto-*.png): look at them when changing the layout.
"""

from __future__ import annotations

import re
import time

import pytest
from sqlmodel import select

from components.auth_gate import COOKIE_NAME
from models import demo
from models.db import bump_data_change, get_engine, session_scope
from models.rules import planned_actions_sql
from models.scoring import BAND_LABELS
from models.startup import prepare_database
from models.tables import MacroArea, Objective, Report, Semester
from tests.browser.conftest import Server, login, open_page, screenshot, settled
from tests.conftest import REAL_PLAN

SIZES = [(1280, 720), (1920, 1080)]
CHART = '[data-testid="stPlotlyChart"] .main-svg'
WAIT = 30000  # ms: a fresh server's first page builds the engine and draws plotly.js


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """`make demo` in miniature: real plan, demo accounts, generated semesters 2025 H1 .. 2026 H2."""
    db = tmp_path_factory.mktemp("demo") / "pdz-demo.sqlite3"
    engine = get_engine(f"sqlite:///{db}")
    prepare_database(engine, REAL_PLAN)
    with session_scope(engine) as s:
        demo.ensure_demo_accounts(s)
        demo.generate(s, seed=demo.DEMO_SEED, semesters=[(2025, 1), (2025, 2), (2026, 1), (2026, 2)])
    # No file watching: other work on the source tree must not reload the app under the test.
    # A short refresh period: the refresh test waits for it (30 s by default).
    srv = Server(
        db,
        plan_dir=REAL_PLAN,
        extra_env={"PDZ_DEMO": "1", "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none", "PDZ_REFRESH_SECONDS": "8"},
    )
    srv.engine = engine
    yield srv
    srv.stop()


def open_cruscotto(page, server, width: int, height: int, *, projector: bool = False) -> None:
    try:
        _open(page, server, width, height, projector)
    except Exception:
        screenshot(page, "cruscotto-errore")  # what the page showed when it did not get there
        raise


def _open(page, server, width: int, height: int, projector: bool) -> None:
    page.set_viewport_size({"width": width, "height": height})
    login(page, server, "demo.comitato", "demo-comitato-2026")
    # The login cookie is written on the run after the login: let it land before navigating.
    deadline = time.time() + 10
    while time.time() < deadline and not any(c["name"] == COOKIE_NAME for c in page.context.cookies()):
        page.wait_for_timeout(200)
    open_page(page, "Cruscotto", "/cruscotto")
    page.wait_for_selector(CHART, timeout=WAIT)
    if projector:
        page.get_by_text("Modalità proiettore").click()
        page.wait_for_url(re.compile(r"proiettore=1"), timeout=WAIT)
        page.get_by_role("button", name="Area successiva").wait_for(timeout=WAIT)
        if width >= 1920:
            page.get_by_role("button", name="Opzioni").click()
            page.get_by_text("1920 × 1080").click()
            page.keyboard.press("Escape")
        page.wait_for_selector(CHART, timeout=WAIT)
        settled(page)  # the normal page's charts, stale until the projector's run is over, are gone
        page.wait_for_timeout(1000)  # the last chart's layout settles


def band_labels_shown(page) -> list[str]:
    return [t.strip() for t in page.locator(".pdz-band .l").all_inner_texts()]


def geometry(page) -> dict:
    return page.evaluate("""() => {
        const main = document.querySelector('[data-testid="stMain"]');
        const p = [...document.querySelectorAll('[data-testid="stMarkdownContainer"] p')]
            .find(e => e.offsetParent !== null && e.innerText.trim().length > 0);
        const sidebar = document.querySelector('[data-testid="stSidebar"]');
        return {docWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
                mainWidth: main.scrollWidth, mainClientWidth: main.clientWidth,
                mainHeight: main.scrollHeight, mainClientHeight: main.clientHeight,
                bodyFont: parseFloat(getComputedStyle(p).fontSize),
                sidebar: !!sidebar && sidebar.getBoundingClientRect().width > 0};
    }""")


@pytest.mark.parametrize("width,height", SIZES)
def test_normal_view(page, demo_server, width, height):
    open_cruscotto(page, demo_server, width, height)
    assert band_labels_shown(page)[:5] == BAND_LABELS
    page.get_by_text("Obiettivi per fascia di raggiungimento e macro-area").first.wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, f"cruscotto-normale-{width}x{height}")


@pytest.mark.parametrize("width,height", SIZES)
def test_projector_view_fits_the_screen(page, demo_server, width, height):
    open_cruscotto(page, demo_server, width, height, projector=True)
    g = geometry(page)
    screenshot(page, f"cruscotto-proiettore-{width}x{height}")
    assert g["docWidth"] <= g["innerWidth"] and g["mainWidth"] <= g["mainClientWidth"]  # no horizontal scroll
    assert g["mainHeight"] <= g["mainClientHeight"] + 1  # the main screen needs no scrolling either
    assert g["bodyFont"] >= 20
    assert not g["sidebar"]
    assert band_labels_shown(page) == [*BAND_LABELS, "non calcolabile"]
    assert page.get_by_text("Raggiungimento degli obiettivi · area A").count() == 1
    assert page.locator('[data-testid="stException"]').count() == 0


def test_projector_steps_area_by_area(page, demo_server):
    open_cruscotto(page, demo_server, 1280, 720, projector=True)
    page.get_by_role("button", name="Area successiva").click()
    page.get_by_text("Raggiungimento degli obiettivi · area B").wait_for(timeout=WAIT)
    page.get_by_role("button", name="Precedente").click()
    page.get_by_text("Raggiungimento degli obiettivi · area A").wait_for(timeout=WAIT)
    for view in ("Tutte le aree", "Budget e spesa", "Andamento"):
        page.get_by_role("button", name="Opzioni").click()
        page.get_by_text(view, exact=True).click()
        page.keyboard.press("Escape")
        page.wait_for_timeout(1500)
        g = geometry(page)
        screenshot(page, f"cruscotto-proiettore-{view.split()[0].lower()}")
        assert g["mainWidth"] <= g["mainClientWidth"] and g["mainHeight"] <= g["mainClientHeight"] + 1, view


def test_slideshow_steps_by_itself(page, demo_server):
    open_cruscotto(page, demo_server, 1280, 720, projector=True)
    page.get_by_role("button", name="Opzioni").click()
    page.get_by_text("Presentazione automatica").click()
    page.get_by_label("Secondi per area").fill("5")
    page.get_by_label("Secondi per area").press("Enter")
    page.keyboard.press("Escape")
    page.get_by_text("Raggiungimento degli obiettivi · area B").wait_for(timeout=20000)
    assert "proiettore=1" in page.url


@pytest.mark.slow
def test_refreshes_on_new_data_without_losing_the_view(page, demo_server):
    """Somebody approves a report: within the refresh period the open projector shows it, on the same area."""
    open_cruscotto(page, demo_server, 1280, 720, projector=True)
    page.get_by_role("button", name="Area successiva").click()
    page.get_by_text("Raggiungimento degli obiettivi · area B").wait_for(timeout=WAIT)
    before = page.locator(".pdz-band").all_inner_texts()
    with session_scope(demo_server.engine) as s:
        sem = s.exec(select(Semester).order_by(Semester.year.desc(), Semester.half.desc())).first()
        waiting = s.exec(
            select(Report)
            .join(Objective)
            .join(MacroArea, MacroArea.id == Objective.area_id)
            .where(
                Report.semester_id == sem.id, Report.state != "approvata", planned_actions_sql(Report.objective_id) > 0
            )
        ).first()
        waiting.state = "approvata"
        bump_data_change(s)
    deadline = time.time() + 30  # the server checks every 8 s (PDZ_REFRESH_SECONDS)
    while time.time() < deadline and page.locator(".pdz-band").all_inner_texts() == before:
        page.wait_for_timeout(1000)
    assert page.locator(".pdz-band").all_inner_texts() != before
    assert page.get_by_text("Raggiungimento degli obiettivi · area B").count() == 1  # same area
    assert "proiettore=1" in page.url


def test_plotly_is_loaded_once_in_idle_time_after_the_first_page(page, demo_server):
    """The Panoramica has no chart, but once drawn the browser loads Plotly's bundle in idle time
    (components/chart_preload.py); the Cruscotto reached from the menu then draws with that same copy."""
    page.set_viewport_size({"width": 1280, "height": 720})
    login(page, demo_server, "demo.comitato", "demo-comitato-2026")
    page.wait_for_function("() => window.__pdzCharts === 'loaded'", timeout=WAIT)
    copies = "() => performance.getEntriesByType('resource').filter(e => e.name.includes('/PlotlyChart.')).length"
    assert page.evaluate(copies) == 1
    assert page.locator(CHART).count() == 0  # loaded, not drawn: nothing on the Panoramica changed
    open_page(page, "Cruscotto", "/cruscotto")
    page.wait_for_selector(CHART, timeout=WAIT)
    assert page.evaluate(copies) == 1

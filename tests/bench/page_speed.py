"""Every page of the app against the bare page, for `make bench`: on the server (a fresh AppTest run of the
page file) and in Chromium (the page's address opened in a new tab of a logged-in browser that has visited the
app before, until its content is drawn and the script has finished; the bare page likewise), for the Ufficio di
Piano (the role that sees every page and most of each). Pages and bare page are alternated in one loop, so that
the machine's load falls on both alike."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from tests.bench.run_bench import BENCH, ROOT, Figure
from tests.browser.page_state import NOT_DRAWN

PASSWORD = "Benchmark-pagine-2025!"
USERNAME = "bench.ufficio"
REPS = int(os.environ.get("BENCH_PAGE_REPS", "5"))  # server runs: a tenth of a second each
BROWSER_REPS = int(os.environ.get("BENCH_BROWSER_PAGE_REPS", "3"))  # a second or two each, ten pages, two sizes

# The page's content has been drawn and its script has finished: its title is there, nothing is stale and
# Streamlit's status widget ("Running...") is gone.
# Drawn: the page's heading is there and nothing is running, stale or still waiting for its widget's code
# (tests/browser/page_state.NOT_DRAWN: until a widget kind's code arrives Streamlit shows a skeleton in its place).
READY = f"""title => {{
  const h = [...document.querySelectorAll('h1')].some(e => e.textContent.trim().startsWith(title));
  return h && !document.querySelector('{NOT_DRAWN}');
}}"""
BARE_READY = f"""() => !!document.querySelector('[data-testid="stMarkdown"]')
  && document.body.textContent.includes('Pagina vuota di riferimento')
  && !document.querySelector('{NOT_DRAWN}')"""


def headings() -> dict[str, str]:
    """The h1 each page draws: its menu title, but the landing page is titled with the product's name."""
    from models.vocab import PAGE_TITLES

    return {**PAGE_TITLES, "home": "Monitoraggio Piano di Zona"}


def pages():
    from components.navigation import PAGES

    return PAGES


def bench_actor(url: str):
    """The benchmark's Ufficio di Piano account (created once per database, with a known password)."""
    from models.db import get_engine, session_scope
    from models.users import actor_for, get_user, provision_user

    with session_scope(get_engine(url)) as s:
        provision_user(s, username=USERNAME, name="Benchmark", role="ufficio_di_piano", areas=[], password=PASSWORD)
    with session_scope(get_engine(url)) as s:
        return actor_for(s, get_user(s, USERNAME))


def server_pages(url: str, reps: int = REPS) -> tuple[dict[str, Figure], Figure]:
    """A fresh AppTest run of each page as a signed-in session opens it (app.py's frame: login check, menu,
    sidebar, then the page; tests/bench/page_app.py), and of the bare page, alternated. {key: figure}, bare."""
    from streamlit.testing.v1 import AppTest

    os.environ["PDZ_DATABASE_URL"] = url
    bench_actor(url)
    titles = headings()

    def open_page(key: str) -> float:
        os.environ["PDZ_BENCH_PAGE"] = key
        t = time.perf_counter()
        at = AppTest.from_file(str(BENCH / "page_app.py"), default_timeout=300)
        # signed in, as the login form leaves the session (components/auth_gate.py: _USER, _LOGIN_AT)
        at.session_state["pdz_username"] = USERNAME
        at.session_state["pdz_login_at"] = time.time()
        at.run()
        elapsed = (time.perf_counter() - t) * 1000
        if at.exception:
            raise RuntimeError(f"{key}: {at.exception[0].message}")
        if not any(t.value.startswith(titles[key]) for t in at.title):
            raise RuntimeError(f"{key}: title {titles[key]!r} not drawn ({[t.value for t in at.title]})")
        return elapsed

    def bare_once() -> float:
        t = time.perf_counter()
        AppTest.from_file(str(BENCH / "bare_app.py"), default_timeout=300).run()
        return (time.perf_counter() - t) * 1000

    specs = pages()
    for spec in specs:  # warm-up
        open_page(spec.key)
    bare_once()
    samples: dict[str, list[float]] = {spec.key: [] for spec in specs}
    bare: list[float] = []
    for _ in range(reps):
        for n, spec in enumerate(specs):
            samples[spec.key].append(open_page(spec.key))
            if n % 2:  # the bare page after every other page: the same load on both, in less time
                bare.append(bare_once())
    return {k: Figure(f"{k} (AppTest run)", v) for k, v in samples.items()}, Figure("pagina vuota (AppTest run)", bare)


def login(b, app_url: str):
    """A logged-in browser state (the login cookie), the way a person gets it."""
    ctx = b.new_context(viewport={"width": 1280, "height": 720}, locale="it-IT")
    pg = ctx.new_page()
    pg.goto(app_url)
    pg.get_by_label("Nome utente").fill(USERNAME)
    pg.get_by_label("Password", exact=True).fill(PASSWORD)
    pg.get_by_role("button", name="Accedi").click()
    pg.get_by_role("button", name="Esci").wait_for(timeout=60000)
    deadline = time.time() + 30
    while time.time() < deadline and not ctx.cookies():
        pg.wait_for_timeout(100)
    state = ctx.storage_state()
    ctx.close()
    return state


def browser_pages(
    url: str,
    reps: int = BROWSER_REPS,
    with_login: bool = True,
    with_menu_chart: bool = False,
    with_downloads: bool = False,
) -> BrowserPages:
    """In Chromium: each page's address opened in a new logged-in tab, until drawn and finished; the bare page
    alike, alternated; with `with_login`, the login itself too (Accedi clicked → menu and landing page drawn and
    finished, the cookie's confirmation rerun included) against the bare page; with `with_menu_chart`, the
    Cruscotto reached from the Panoramica's menu (click → first chart drawn), as a session goes; the app
    process's peak memory after serving all of it; with `with_downloads`, its peak again after the semester and
    annual reports downloaded from Report ed Excel (built in the app process, as a user gets them)."""
    from playwright.sync_api import sync_playwright

    from tests.bench.servers import serve_all
    from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS

    bench_actor(url)
    specs, titles = pages(), headings()
    with serve_all(url, ROOT / "app.py", BENCH / "bare_app.py") as (app, bare_server), sync_playwright() as pw:
        app_url, bare_url = app.url, bare_server.url
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        state = login(b, app_url)
        view = {"viewport": {"width": 1280, "height": 720}, "locale": "it-IT"}
        # One browser per side, as a person's: its cache keeps the static bundles (plotly.js included) after the
        # first visit, and every timed visit is a new tab of it.
        signed_in, anonymous, signing = (
            b.new_context(**view, storage_state=state),
            b.new_context(**view),
            b.new_context(**view),
        )

        def open_page(address: str, ready: str, arg: str | None, logged_in: bool) -> float:
            pg = (signed_in if logged_in else anonymous).new_page()
            t = time.perf_counter()
            pg.goto(address)
            pg.wait_for_function(ready, arg=arg, timeout=120000, polling=50)
            elapsed = (time.perf_counter() - t) * 1000
            pg.close()
            return elapsed

        def sign_in() -> float:
            signing.clear_cookies()
            pg = signing.new_page()
            pg.goto(app_url)
            pg.get_by_label("Nome utente").fill(USERNAME)
            pg.get_by_label("Password", exact=True).fill(PASSWORD)
            t = time.perf_counter()
            pg.get_by_role("button", name="Accedi").click()
            pg.get_by_role("button", name="Esci").wait_for(timeout=60000)
            pg.wait_for_function(READY, arg=titles["home"], timeout=120000, polling=50)
            while not signing.cookies():  # the cookie's confirmation rerun: until then the login is not kept
                pg.wait_for_timeout(20)
            pg.wait_for_function(READY, arg=titles["home"], timeout=120000, polling=50)
            elapsed = (time.perf_counter() - t) * 1000
            pg.close()
            return elapsed

        def bare_once() -> float:
            return open_page(bare_url, BARE_READY, None, False)

        def menu_chart() -> float:
            """The Panoramica read for a while (Plotly's bundle loads in idle time), then Cruscotto in the menu."""
            pg = signed_in.new_page()
            pg.goto(app_url)
            pg.wait_for_function(READY, arg=titles["home"], timeout=120000, polling=50)
            pg.wait_for_timeout(3000)
            t = time.perf_counter()
            pg.get_by_test_id("stSidebar").get_by_role("link", name=titles["cruscotto"], exact=True).click()
            pg.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=120000)
            elapsed = (time.perf_counter() - t) * 1000
            pg.close()
            return elapsed

        def address(spec) -> str:
            """The page's address as the menu links it: the landing page at the root (its own path, /panoramica,
            is a bookmarkable alias that switches to the root: a second run, components/navigation.py)."""
            return app_url if spec.key == "home" else f"{app_url}/{spec.url}"

        # One warm-up visit each (the browser's cache, the server's first run): a page's own first visit is in its
        # samples, where the median of three leaves it out as the slowest.
        open_page(address(specs[0]), READY, titles[specs[0].key], True)
        bare_once()
        if with_login:
            sign_in()
        samples: dict[str, list[float]] = {spec.key: [] for spec in specs}
        bare: list[float] = []
        signin, signin_bare, menu = [], [], []
        for _ in range(reps):
            for n, spec in enumerate(specs):
                samples[spec.key].append(open_page(address(spec), READY, titles[spec.key], True))
                if n % 3 == 2:  # the bare page after every third page: the same load on both, in less time
                    bare.append(bare_once())
            if with_login:
                signin.append(sign_in())
                signin_bare.append(bare_once())
            if with_menu_chart:
                menu.append(menu_chart())
        peak_kb = _peak_kb(app.pid)
        downloads_kb = None
        if with_downloads:
            pg = signed_in.new_page()
            pg.goto(f"{app_url}/report")
            pg.wait_for_function(READY, arg=titles["report"], timeout=120000, polling=50)
            for name in ("Report semestrale .xlsx", "Report annuale .html"):
                with pg.expect_download(timeout=300000) as download:
                    pg.get_by_role("button", name=name).first.click()
                download.value.path()  # the whole file received
            pg.close()
            downloads_kb = _peak_kb(app.pid)
        b.close()
    return BrowserPages(
        {k: Figure(f"{k} nel browser", v) for k, v in samples.items()},
        Figure("pagina vuota nel browser", bare),
        (
            Figure("accesso: Accedi → menu e panoramica pronti", signin),
            Figure("pagina vuota nel browser (accanto all'accesso)", signin_bare),
        )
        if with_login
        else None,
        Figure("cruscotto dal menu della panoramica: clic → primo grafico", menu) if with_menu_chart else None,
        Figure(f"memoria di picco del processo app (ogni pagina, {reps + 1} visite)", [peak_kb / 1024], "MB"),
        Figure("memoria di picco del processo app (poi report .xlsx e .html scaricati)", [downloads_kb / 1024], "MB")
        if downloads_kb is not None
        else None,
    )


def _peak_kb(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM), in kB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1])


@dataclass
class BrowserPages:
    pages: dict[str, Figure]
    bare: Figure
    login: tuple[Figure, Figure] | None  # login, bare page beside it
    menu_chart: Figure | None
    peak_memory: Figure
    peak_after_downloads: Figure | None

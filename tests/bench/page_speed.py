"""Every page of the app against the bare page, for `make bench`: on the server (a fresh AppTest run of the
page file) and in Chromium (the page's address opened in a new tab of a logged-in browser that has visited the
app before, until its content is drawn and the script has finished; the bare page likewise), for the Ufficio di
Piano (the role that sees every page and most of each). Pages and bare page are alternated in one loop, so that
the machine's load falls on both alike."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.bench.run_bench import BENCH, ROOT, Figure
from tests.bench.servers import Served
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


@dataclass(frozen=True)
class Site:
    """One app under measurement in Chromium: its database, the plan it loads at start, what to measure besides
    its pages."""

    label: str
    url: str
    plan_dir: Path
    with_login: bool = False
    with_menu_chart: bool = False
    with_downloads: bool = False


@dataclass
class Stage:
    """Chromium and the servers of the benchmark's browser steps, started once for all of them: the apps of the
    sites, the other scripts asked for, and the bare page."""

    browser: Any
    apps: list[Served]
    others: list[Served]
    bare_url: str


@contextmanager
def stage(sites: list[Site], others: list[tuple[Path, str, Path]]) -> Iterator[Stage]:
    """Every server started together (a start takes seconds: they overlap), one Chromium; all stopped at the end."""
    from playwright.sync_api import sync_playwright

    from tests.bench.servers import serve_apps
    from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS

    for site in sites:
        bench_actor(site.url)
    apps = [(ROOT / "app.py", site.url, site.plan_dir) for site in sites]
    bare_app = (BENCH / "bare_app.py", sites[0].url, sites[0].plan_dir)
    with serve_apps(*apps, *others, bare_app) as served, sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield Stage(b, served[: len(apps)], served[len(apps) : -1], served[-1].url)
        b.close()


def browser_pages(on: Stage, sites: list[Site], reps: int = BROWSER_REPS) -> dict[str, BrowserPages]:
    """In Chromium: each page's address opened in a new logged-in tab, until drawn and finished; the bare page
    alike, alternated. Every site's app is measured in the same loop, against the same bare page (the pages of
    every size meet the same load). With `with_login`, the login itself too (Accedi clicked → menu and landing page
    drawn and finished, the cookie's confirmation rerun included) against the bare page; with `with_menu_chart`,
    the Cruscotto reached from the Panoramica's menu (click → first chart drawn), as a session goes; the app
    process's peak memory after serving all of it; with `with_downloads`, its peak again after the semester and
    annual reports downloaded from Report ed Excel (built in the file worker, as a user gets them: the one made
    ready when the page was last drawn), and each download's time from click to file."""
    specs, titles = pages(), headings()
    b, app_servers, bare_url = on.browser, on.apps, on.bare_url
    view = {"viewport": {"width": 1280, "height": 720}, "locale": "it-IT"}
    # One browser per side, as a person's: its cache keeps the static bundles (plotly.js included) after the
    # first visit, and every timed visit is a new tab of it.
    signed_in = {
        site.label: b.new_context(**view, storage_state=login(b, app.url))
        for site, app in zip(sites, app_servers, strict=True)
    }
    anonymous, signing = b.new_context(**view), b.new_context(**view)

    def open_page(context, address: str, ready: str, arg: str | None) -> float:
        pg = context.new_page()
        t = time.perf_counter()
        pg.goto(address)
        pg.wait_for_function(ready, arg=arg, timeout=120000, polling=50)
        elapsed = (time.perf_counter() - t) * 1000
        pg.close()
        return elapsed

    def sign_in(app_url: str) -> float:
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
        return open_page(anonymous, bare_url, BARE_READY, None)

    def menu_chart(context, app_url: str) -> float:
        """The Panoramica read for a while (Plotly's bundle loads in idle time), then Cruscotto in the menu."""
        pg = context.new_page()
        pg.goto(app_url)
        pg.wait_for_function(READY, arg=titles["home"], timeout=120000, polling=50)
        pg.wait_for_timeout(3000)
        t = time.perf_counter()
        pg.get_by_test_id("stSidebar").get_by_role("link", name=titles["cruscotto"], exact=True).click()
        pg.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=120000)
        elapsed = (time.perf_counter() - t) * 1000
        pg.close()
        return elapsed

    def address(app_url: str, spec) -> str:
        """The page's address as the menu links it: the landing page at the root (its own path, /panoramica,
        is a bookmarkable alias that switches to the root: a second run, components/navigation.py)."""
        return app_url if spec.key == "home" else f"{app_url}/{spec.url}"

    # One warm-up visit each (the browser's cache, the server's first run): a page's own first visit is in its
    # samples, where the median of three leaves it out as the slowest.
    for site, app in zip(sites, app_servers, strict=True):
        open_page(signed_in[site.label], address(app.url, specs[0]), READY, titles[specs[0].key])
        if site.with_login:
            sign_in(app.url)
    bare_once()
    samples = {site.label: {spec.key: [] for spec in specs} for site in sites}
    bare: list[float] = []
    signin: dict[str, tuple[list[float], list[float]]] = {site.label: ([], []) for site in sites}
    menu: dict[str, list[float]] = {site.label: [] for site in sites}
    visits = 0
    for _ in range(reps):
        for site, app in zip(sites, app_servers, strict=True):
            for spec in specs:
                samples[site.label][spec.key].append(
                    open_page(signed_in[site.label], address(app.url, spec), READY, titles[spec.key])
                )
                visits += 1
                if visits % 5 == 0:  # the bare page after every fifth page: the same load on both, in less time
                    bare.append(bare_once())
            if site.with_login:
                signin[site.label][0].append(sign_in(app.url))
                signin[site.label][1].append(bare_once())
            if site.with_menu_chart:
                menu[site.label].append(menu_chart(signed_in[site.label], app.url))
    bare_figure = Figure("pagina vuota nel browser (accanto alle pagine)", bare)
    results = {}
    for site, app in zip(sites, app_servers, strict=True):
        peak_kb = _peak_kb(app.pid)
        downloads_kb, download_times = None, []
        if site.with_downloads:
            pg = signed_in[site.label].new_page()
            pg.goto(f"{app.url}/report")
            pg.wait_for_function(READY, arg=titles["report"], timeout=120000, polling=50)
            for name in ("Report semestrale .xlsx", "Report annuale .html"):
                t = time.perf_counter()
                with pg.expect_download(timeout=300000) as download:
                    pg.get_by_role("button", name=name).first.click()
                download.value.path()  # the whole file received
                elapsed = time.perf_counter() - t
                download_times.append(Figure(f"{name} scaricato: clic → file ricevuto", [elapsed], "s"))
            pg.close()
            downloads_kb = _peak_kb(app.pid)
        results[site.label] = BrowserPages(
            {k: Figure(f"{k} nel browser", v) for k, v in samples[site.label].items()},
            bare_figure,
            (
                Figure("accesso: Accedi → menu e panoramica pronti", signin[site.label][0]),
                Figure("pagina vuota nel browser (accanto all'accesso)", signin[site.label][1]),
            )
            if site.with_login
            else None,
            Figure("cruscotto dal menu della panoramica: clic → primo grafico", menu[site.label])
            if site.with_menu_chart
            else None,
            Figure(f"memoria di picco del processo app (ogni pagina, {reps + 1} visite)", [peak_kb / 1024], "MB"),
            Figure("memoria di picco del processo app (poi i due report scaricati)", [downloads_kb / 1024], "MB")
            if downloads_kb is not None
            else None,
            download_times,
        )
    return results


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
    downloads: list[Figure]  # click -> file received, one per report

"""Browser tests: the real app served by `streamlit run`, driven in Debian's Chromium via Playwright."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from models.db import get_engine
from tests.apptest_helpers import PASSWORD, seed
from tests.browser.page_state import NOT_DRAWN
from tests.conftest import ROOT, SMALL_PLAN

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, timeout_s: float = 30) -> bool:
    """True once `streamlit run` answers on /_stcore/health (under a second here), False after timeout_s."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).status == 200:
                return True
        except OSError:
            time.sleep(0.2)
    return False


def stop_process(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


class Server:
    def __init__(self, db_path: Path, plan_dir: Path = SMALL_PLAN, extra_env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db_url = f"sqlite:///{db_path}"
        env = {
            **os.environ,
            "PDZ_DATABASE_URL": self.db_url,
            "PDZ_PLAN_DIR": str(plan_dir),
            "PDZ_BCRYPT_ROUNDS": "4",
            **(extra_env or {}),
        }
        self.log = open(db_path.with_suffix(".log"), "w")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(ROOT / "app.py"),
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                # No file watcher: files edited while tests run must not reload modules in the server
                # (re-importing models.tables redefines the tables and breaks every page).
                "--server.fileWatcherType",
                "none",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        if not wait_healthy(self.url):
            self.stop()
            raise RuntimeError("streamlit did not start: " + db_path.with_suffix(".log").read_text()[-2000:])

    def stop(self) -> None:
        stop_process(self.proc)
        self.log.close()


def seed_users(db_url: str, users, plan_dir: Path = SMALL_PLAN) -> None:
    seed(get_engine(db_url), users, plan_dir)


DEFAULT_USERS = (("uff", "ufficio_di_piano", []), ("refa", "referente", ["A"]), ("com", "comitato", []))


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium non trovato in {CHROMIUM} (make test lo installa con apt-get)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("srv") / "pdz.sqlite3"
    seed_users(f"sqlite:///{db}", DEFAULT_USERS)
    srv = Server(db)
    yield srv
    srv.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="it-IT")
    pg = context.new_page()
    yield pg
    context.close()


def login(page, server: Server, username: str, password: str = PASSWORD) -> None:
    page.goto(server.url)
    page.get_by_label("Nome utente").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Accedi").click()
    page.get_by_role("button", name="Esci").wait_for(timeout=15000)
    settle_after_login(page)


def logout(page, timeout_ms: int = 45000) -> None:
    """Press Esci and wait for the login form: a navigation made before the click's run reaches the server
    would drop the logout, and the still valid cookie would log the next user in as the previous one."""
    page.get_by_role("button", name="Esci").click()
    page.get_by_role("button", name="Accedi").first.wait_for(timeout=timeout_ms)


def settle_after_login(page, timeout_s: float = 10) -> None:
    """Wait until the login cookie is written and its component's confirmation rerun is over: a value typed
    during that rerun (within a second of the login) can be lost, which a person never manages but a test does."""
    from components.auth_gate import COOKIE_NAME

    deadline = time.time() + timeout_s
    while time.time() < deadline and not any(c["name"] == COOKIE_NAME for c in page.context.cookies()):
        page.wait_for_timeout(100)
    page.wait_for_timeout(800)


def settled(page, timeout_ms: int = 60000) -> None:
    """Wait until the page is drawn (NOT_DRAWN: nothing running, stale or still loading its code)."""
    page.wait_for_function(
        f"() => !document.querySelector('{NOT_DRAWN}')",
        timeout=timeout_ms,
        polling=100,
    )


def wait_idle(page, timeout: float = 60) -> None:
    """Until the page has stayed drawn (NOT_DRAWN) for half a second: a click's rerun may start a moment later."""
    deadline = time.time() + timeout
    quiet_since = None
    while time.time() < deadline:
        busy = page.locator(NOT_DRAWN).count() > 0
        quiet_since = None if busy else (quiet_since or time.time())
        if quiet_since and time.time() - quiet_since > 0.5:
            return
        time.sleep(0.1)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def choose(page, label: str | re.Pattern, option, search: str = "") -> None:
    """Pick an option of a Streamlit selectbox (a react-aria combobox: typing filters it, ArrowDown opens the
    list; `search` narrows long lists, which only render the options in view)."""
    box = page.get_by_role("combobox", name=label, exact=True)
    wanted = page.get_by_role("option", name=option).first
    for _ in range(3):
        box.click()
        if search:
            box.fill(search)
        page.keyboard.press("ArrowDown")
        try:
            wanted.click(timeout=5000)
            return
        except Exception:  # noqa: BLE001  (the list closed or re-rendered under the click: try again)
            page.keyboard.press("Escape")
    wanted.click(timeout=5000)


def open_page(page, link: str, url_part: str, attempts: int = 3) -> None:
    """Click a menu link until the page is there. Right after a login the cookie component's confirmation
    reruns the script once; a click landing in that rerun can be dropped by Streamlit (a person clicks again)."""
    for attempt in range(attempts):
        page.get_by_test_id("stSidebar").get_by_role("link", name=link, exact=True).click()
        try:
            page.wait_for_url(re.compile(re.escape(url_part)), timeout=5000)
            return
        except Exception:
            if attempt == attempts - 1:
                raise

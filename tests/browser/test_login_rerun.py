"""Right after login nothing is lost: no cookie component (an iframe that reruns the script when it loads) is
drawn any more, so a menu click made at once is followed on the first try and a value typed in the first
second stays. The cookie is still written, at once."""

from __future__ import annotations

import re
import time

from components.auth_gate import COOKIE_NAME
from tests.browser.conftest import PASSWORD, screenshot

WAIT = 30000  # ms: a bound for a busy 2-core machine, not a wait


def _login_without_settling(page, server, username: str) -> float:
    page.goto(server.url)
    page.get_by_label("Nome utente").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    started = time.time()
    page.get_by_role("button", name="Accedi").click()
    page.get_by_role("button", name="Esci").wait_for(timeout=WAIT)
    return started


def test_menu_click_and_typing_right_after_login_are_kept(page, server):
    started = _login_without_settling(page, server, "refa")
    page.get_by_role("link", name="Inserimento dati").click()  # at once, a single click
    page.wait_for_url(re.compile("/inserimento"), timeout=5000)
    note = page.get_by_label("Nota (facoltativa)").first
    note.wait_for(timeout=WAIT)
    note.fill("scritto subito dopo l'accesso")  # typed within about a second of the login
    typed_at = time.time() - started
    page.wait_for_timeout(2500)  # any rerun the login could still cause has happened by now
    assert note.input_value() == "scritto subito dopo l'accesso"
    assert page.locator("iframe").count() == 0  # no cookie component on the page
    cookie = next(c for c in page.context.cookies() if c["name"] == COOKIE_NAME)
    assert cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    screenshot(page, "dopo-accesso-inserimento")
    assert typed_at < 10


def test_cookie_is_written_without_waiting(page, server):
    _login_without_settling(page, server, "com")
    started = time.time()  # the page is drawn for the logged-in user
    deadline = time.time() + 5
    while time.time() < deadline and not any(c["name"] == COOKIE_NAME for c in page.context.cookies()):
        page.wait_for_timeout(50)
    elapsed = time.time() - started
    assert any(c["name"] == COOKIE_NAME for c in page.context.cookies())
    print(f"cookie written {elapsed:.2f} s after the logged-in page appeared")
    assert elapsed < 2
    page.get_by_text("Macro-aree di policy").wait_for(timeout=WAIT)
    screenshot(page, "dopo-accesso-panoramica")

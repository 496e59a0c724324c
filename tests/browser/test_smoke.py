"""The real app in Chromium: it starts, shows its title, and a user logs in."""

from tests.browser.conftest import login, screenshot


def test_app_title_in_chromium(page, server):
    page.goto(server.url)
    page.get_by_role("heading", name="Monitoraggio Piano di Zona").wait_for(timeout=20000)
    assert "Monitoraggio Piano di Zona" in page.title()


def test_login_reaches_home(page, server):
    login(page, server, "uff")
    page.get_by_text("Piano di Zona di prova").first.wait_for()
    screenshot(page, "home-ufficio")

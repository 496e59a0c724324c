"""The entrypoint under AppTest: login screen, login, per-role pages, no exceptions."""

import pytest
from streamlit.testing.v1 import AppTest

from models import users
from tests.apptest_helpers import APP, app_env, logged_in, prepared


@pytest.fixture
def app_db(tmp_path):
    with app_env(tmp_path / "app.sqlite3") as engine:
        yield prepared(engine)


def test_entry_page_shows_login_without_exceptions(app_db):
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()
    assert not at.exception
    assert at.title[0].value == "Monitoraggio Piano di Zona"
    assert [t.label for t in at.text_input] == ["Nome utente", "Password"]


def test_wrong_password_and_unknown_user_get_the_same_message(app_db):
    messages = []
    for username in ("uff", "nessuno"):
        at = AppTest.from_file(str(APP), default_timeout=30)
        at.run()
        at.text_input[0].input(username)
        at.text_input[1].input("sbagliata-123456")
        at.button[0].click().run()
        messages.append(at.error[0].value)
    assert messages[0] == messages[1] == users.LOGIN_FAILED


def test_login_shows_home_with_plan(app_db):
    at = logged_in("uff")
    assert not at.exception
    assert any("Piano di Zona di prova" in s.value for s in at.subheader)


def test_the_ambito_name_comes_from_the_plan(app_db):
    # the small plan: "Ambito di prova", 2025-2027
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()
    assert "Ambito di prova · Piano di Zona 2025-2027" in [c.value for c in at.caption]
    at = logged_in("uff")
    assert not at.exception
    assert "Ambito di prova" in [c.value for c in at.sidebar.caption]
    assert not any("Cremonese" in c.value for c in at.caption)

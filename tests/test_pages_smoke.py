"""Every page a role may open renders under AppTest without an exception, with a title (the house rule: one
parametrized test opens every page). On the small plan."""

import pytest

from components.navigation import PAGES
from models.permissions import PAGES_BY_ROLE
from models.vocab import Role
from tests.apptest_helpers import app_env, logged_in, prepared

USERS = {Role.UFFICIO_DI_PIANO: "uff", Role.REFERENTE: "refa", Role.COMITATO: "com"}
CASES = [(role, spec) for role in USERS for spec in PAGES if spec.key in PAGES_BY_ROLE[role]]


@pytest.fixture
def app_db(tmp_path):
    with app_env(tmp_path / "app.sqlite3") as engine:
        yield prepared(engine)  # the first start opens the current semester


def test_every_page_file_is_in_the_navigation():
    from tests.conftest import ROOT

    assert {p.stem for p in (ROOT / "pages").glob("*.py")} == {spec.key for spec in PAGES}


@pytest.mark.parametrize(("role", "spec"), CASES, ids=[f"{r}-{s.key}" for r, s in CASES])
def test_page_renders_for_role(app_db, role, spec):
    at = logged_in(USERS[role], spec.file)
    assert not at.exception, at.exception
    assert at.title and at.title[0].value, "no title"

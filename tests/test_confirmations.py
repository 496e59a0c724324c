"""Actions that cannot be undone in one click ask first (components/confirm.py): Ritira (plan set-up),
Apri semestre, Chiudi (semester). Disattiva (Utenti) is covered in tests/test_users.py."""

import pytest
from sqlmodel import Session, select

from models.tables import Action, Indicator, Semester
from tests.apptest_helpers import app_env, logged_in, prepared


@pytest.fixture
def app_db(tmp_path):
    with app_env(tmp_path / "app.sqlite3") as engine:
        yield prepared(engine)


def _first_live(engine, model):
    with Session(engine) as s:
        return s.exec(select(model).where(model.retired == False).order_by(model.id)).first().id


def _retired(engine, model, item_id) -> bool:
    with Session(engine) as s:
        return s.get(model, item_id).retired


@pytest.mark.parametrize("model, prefix", [(Indicator, "ri"), (Action, "ra")])
def test_ritira_asks_then_retires(app_db, model, prefix):
    at = logged_in("uff", "pages/impostazione.py")
    item = _first_live(app_db, model)
    at.button(key=f"{prefix}{item}").click().run()
    assert not at.exception
    assert any(w.value.startswith("Ritirare") for w in at.warning)
    assert not _retired(app_db, model, item)
    at.button(key=f"{prefix}{item}:yes").click().run()
    assert _retired(app_db, model, item)


def test_apri_semestre_asks_then_opens(app_db):
    with Session(app_db) as s:
        before = len(s.exec(select(Semester)).all())
    at = logged_in("uff", "pages/impostazione.py")
    at.session_state["imp_tab"] = "Semestri"
    at.run()
    at.button(key="new_sem").click().run()
    assert any(w.value.startswith("Aprire il") for w in at.warning)
    with Session(app_db) as s:
        assert len(s.exec(select(Semester)).all()) == before
    at.button(key="new_sem:yes").click().run()
    with Session(app_db) as s:
        assert len(s.exec(select(Semester)).all()) == before + 1


def test_chiudi_semestre_asks_and_annulla_leaves_it_open(app_db):
    at = logged_in("uff", "pages/revisione.py")
    at.text_input(key="close_reason").input("Fine del semestre").run()
    at.button(key="close").click().run()
    assert any(w.value.startswith("Chiudere il") for w in at.warning)
    at.button(key="close:no").click().run()
    with Session(app_db) as s:
        assert {x.state for x in s.exec(select(Semester))} == {"aperto"}
    at.button(key="close").click().run()
    at.button(key="close:yes").click().run()
    assert not at.exception
    with Session(app_db) as s:
        assert {x.state for x in s.exec(select(Semester))} == {"chiuso"}

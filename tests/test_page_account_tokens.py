"""Il mio account, API tokens (AppTest): create with a name and a duration, the token shown once (the database
holds only its hash), listed with its state, revoked after a confirmation; a bad name gets its Italian message."""

from __future__ import annotations

from sqlmodel import select

from models.api_tokens import authenticate_token, hash_token, record_use
from models.db import session_scope
from models.tables import ApiToken
from tests.apptest_helpers import app_env, logged_in, prepared


def texts(at) -> str:
    return "\n".join(t.value for t in at.text)


def test_create_show_once_list_and_revoke(tmp_path):
    with app_env(tmp_path / "t.sqlite3") as engine:
        prepared(engine)
        at = logged_in("refa", "pages/account.py")
        at.text_input(key="pdz_token_name").input("Foglio Regione")
        at.number_input(key="pdz_token_days").set_value(30)
        at.button(key="FormSubmitter:api_token-Crea token").click().run()
        assert not at.exception
        token = at.code[0].value
        assert token.startswith("pdz_")
        assert "non sarà più mostrato" in at.success[0].value
        with session_scope(engine) as s:
            row = s.exec(select(ApiToken)).one()
            assert row.token_hash == hash_token(token) and row.name == "Foglio Regione"
        assert "Foglio Regione" in texts(at) and "attivo" in texts(at)
        at.run()  # any other run: the token is gone from the screen
        assert not at.code
        assert "Mai usato." in texts(at)
        with session_scope(engine) as s:  # one use, as the API logs it
            _, token_id = authenticate_token(session=s, token=token, path="/api/v1/semesters")
            record_use(session=s, token_id=token_id, path="/api/v1/semesters", status=200)
        at.run()
        assert "/api/v1/semesters · esito 200" in texts(at)
        at.button(key=f"pdz_token_revoke:{row.id}").click().run()
        at.button(key=f"pdz_token_revoke:{row.id}:yes").click().run()
        assert not at.exception
        with session_scope(engine) as s:
            assert s.exec(select(ApiToken)).one().revoked_at is not None
        assert "revocato" in texts(at)


def test_a_nameless_token_is_refused_with_its_field(tmp_path):
    with app_env(tmp_path / "t.sqlite3") as engine:
        prepared(engine)
        at = logged_in("com", "pages/account.py")
        at.button(key="FormSubmitter:api_token-Crea token").click().run()
        assert "Nome del token" in at.error[0].value
        with session_scope(engine) as s:
            assert s.exec(select(ApiToken)).all() == []

"""Bad input at the edges of the stack: a database that does not answer, wrong credentials, a bad URL, a file
that is not a database, a database from a newer version. Each is refused with an Italian message, never with a
traceback: in the library (DatabaseError), on the command line and in the app."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

import models.db as db
from models.db import SCHEMA_VERSION, DatabaseError, check_connection, create_db_and_tables, make_engine
from models.tables import SchemaInfo
from tests.conftest import ROOT, SMALL_PLAN

pytestmark = pytest.mark.both_databases  # its SQL runs on SQLite and on PostgreSQL (tests/conftest.py)

SECRET = "segreto-da-non-mostrare"


def closed_port() -> int:
    """A loopback port nobody listens on (it was free a moment ago)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unreachable_url() -> str:
    return f"postgresql+psycopg://pdz:{SECRET}@127.0.0.1:{closed_port()}/pdz"


def test_database_created_from_nothing(empty_database_url):
    engine = make_engine(empty_database_url)
    create_db_and_tables(engine)
    assert {"report", "auditentry", "schemainfo", "user"} <= set(inspect(engine).get_table_names())
    create_db_and_tables(engine)  # idempotent
    with Session(engine) as s:
        assert s.get(SchemaInfo, 1).version == SCHEMA_VERSION
    engine.dispose()


def test_database_from_a_newer_version_is_refused(empty_database_url):
    engine = make_engine(empty_database_url)
    create_db_and_tables(engine)
    with Session(engine) as s:
        s.get(SchemaInfo, 1).version = SCHEMA_VERSION + 1
        s.commit()
    with pytest.raises(DatabaseError, match="versione più recente .* aggiornare l'applicazione"):
        create_db_and_tables(engine)
    engine.dispose()


@pytest.mark.postgres
def test_wrong_password_gives_a_clear_message_without_the_password(pg_databases, empty_database_url):
    url = make_url(empty_database_url).set(password=SECRET).render_as_string(hide_password=False)
    with pytest.raises(DatabaseError, match="Impossibile collegarsi al database .*credenziali") as info:
        check_connection(make_engine(url))
    assert SECRET not in str(info.value) and "password authentication failed" in str(info.value)


@pytest.mark.postgres
def test_unknown_database_gives_a_clear_message(pg_databases, empty_database_url):
    url = make_url(empty_database_url).set(database="non_esiste").render_as_string(hide_password=False)
    with pytest.raises(DatabaseError, match="Impossibile collegarsi .*non_esiste"):
        create_db_and_tables(make_engine(url))


def test_server_that_does_not_answer_gives_a_clear_message_quickly(monkeypatch):
    monkeypatch.setattr(db, "PG_CONNECT_TIMEOUT_S", 2)
    for url in (
        unreachable_url(),  # nobody listening: refused at once
        f"postgresql+psycopg://pdz:{SECRET}@10.255.255.1:5432/pdz",
    ):  # no answer at all: the timeout
        started = time.monotonic()
        with pytest.raises(DatabaseError, match="Impossibile collegarsi") as info:
            check_connection(make_engine(url))
        assert time.monotonic() - started < 8 and SECRET not in str(info.value)


@pytest.mark.parametrize(
    "url, message",
    [
        ("non-è-un-indirizzo", "Indirizzo del database non valido"),
        (f"postgresql+driverinesistente://pdz:{SECRET}@localhost/pdz", "Indirizzo del database non valido"),
    ],
)
def test_bad_url_is_refused_with_a_message(url, message):
    with pytest.raises(DatabaseError, match=message) as info:
        make_engine(url)
    assert SECRET not in str(info.value)


def test_a_file_that_is_not_a_database_is_refused(tmp_path):
    path = tmp_path / "pdz.sqlite3"
    path.write_bytes(b"questo non e' un database SQLite" * 100)
    with pytest.raises(DatabaseError, match="Impossibile aprire il database SQLite"):
        make_engine(f"sqlite:///{path}")


def test_command_line_init_prints_the_message_not_a_traceback():
    env = {**os.environ, "PDZ_DATABASE_URL": unreachable_url(), "PDZ_PLAN_DIR": str(SMALL_PLAN)}
    done = subprocess.run(
        [sys.executable, "-m", "models.cli", "init"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    assert done.stderr.startswith("ERRORE: Impossibile collegarsi al database postgresql+psycopg://pdz:***@")
    assert "Traceback" not in done.stderr and SECRET not in done.stderr + done.stdout


def test_app_shows_the_message_not_a_traceback(monkeypatch):
    monkeypatch.setenv("PDZ_DATABASE_URL", unreachable_url())
    monkeypatch.setenv("PDZ_PLAN_DIR", str(SMALL_PLAN))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert "Impossibile collegarsi al database" in at.error[0].value
    assert SECRET not in at.error[0].value


def _page_whose_database_goes_away() -> None:
    import streamlit as st
    from sqlalchemy.exc import OperationalError

    from components.data import call

    def save(*, session):
        raise OperationalError("UPDATE report ...", {}, Exception("server closed the connection unexpectedly"))

    call(save)
    st.write("non raggiunto")


def test_app_shows_a_message_when_the_database_goes_away_mid_operation(tmp_path, monkeypatch):
    monkeypatch.setenv("PDZ_DATABASE_URL", f"sqlite:///{tmp_path / 'app.sqlite3'}")
    monkeypatch.setenv("PDZ_PLAN_DIR", str(SMALL_PLAN))
    at = AppTest.from_function(_page_whose_database_goes_away, default_timeout=60)
    at.run()
    assert not at.exception
    assert at.error[0].value.startswith("Il database non risponde o è occupato")
    assert not [m for m in at.markdown if m.value == "non raggiunto"]

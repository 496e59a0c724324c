"""`make user` / `python -m models.cli user`: create a user, or reset, unlock and reactivate an existing one.

Run as a real subprocess (the refusals of bad arguments in-process, tests/cli_helpers.py): the password comes from
PDZ_PASSWORD (or the prompt), never from the command line.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from models.db import get_engine, session_scope
from models.startup import prepare_database
from models.users import LOCK_AFTER_FAILURES, LoginError, authenticate, create_user, get_user, user_areas
from tests.cli_helpers import cli_env, run_cli
from tests.conftest import ROOT, SMALL_PLAN

PASSWORD = "password-dal-terminale-1"


@pytest.fixture
def db_url(tmp_path):
    return f"sqlite:///{tmp_path / 'cli.sqlite3'}"


def _env(db_url: str, password: str | None) -> dict:
    return cli_env(PDZ_DATABASE_URL=db_url, PDZ_PLAN_DIR=str(SMALL_PLAN), PDZ_PASSWORD=password)


def run_user_cli(
    db_url: str, *args: str, password: str | None = PASSWORD, in_process: bool = False
) -> subprocess.CompletedProcess:
    return run_cli(_env(db_url, password), "user", *args, in_process=in_process, timeout=60)


def _seeded(db_url: str) -> None:
    """A database that already has users (so no first-start administrator is created)."""
    prepare_database(get_engine(db_url), SMALL_PLAN)
    with session_scope(get_engine(db_url)) as s:
        create_user(
            s,
            actor=None,
            username="uff",
            name="Ufficio",
            role="ufficio_di_piano",
            areas=[],
            password="password-di-prova-1",
            one_time=True,
        )


def test_creates_a_referente_with_areas(db_url):
    _seeded(db_url)
    done = run_user_cli(db_url, "--username", "Mario", "--role", "referente", "--areas", "A,b", "--name", "Mario Rossi")
    assert done.returncode == 0, done.stderr
    assert "Utente 'mario' creato." in done.stdout
    assert PASSWORD not in done.stdout + done.stderr
    with session_scope(get_engine(db_url)) as s:
        mario = get_user(s, "mario")
        assert (mario.name, mario.role, mario.active) == ("Mario Rossi", "referente", True)
        assert user_areas(s, mario.id) == {"A", "B"}
        assert not mario.must_change_password  # set from the terminal: not one-time
        authenticate(s, "mario", PASSWORD)


def test_existing_user_gets_password_reset_unlocked_and_reactivated(db_url):
    _seeded(db_url)
    engine = get_engine(db_url)
    for _ in range(LOCK_AFTER_FAILURES):
        with session_scope(engine) as s:
            with pytest.raises(LoginError):
                authenticate(s, "uff", "sbagliata-12345")
    with session_scope(engine) as s:
        uff = get_user(s, "uff")
        assert uff.locked_until is not None
        uff.active = False
    done = run_user_cli(db_url, "--username", "uff", "--role", "ufficio_di_piano", "--email", "uff@comune.it")
    assert done.returncode == 0, done.stderr
    assert "password reimpostata, account sbloccato e attivo, token API revocati" in done.stdout
    with session_scope(engine) as s:
        uff = get_user(s, "uff")
        assert uff.active and uff.locked_until is None and uff.failed_logins == 0
        assert not uff.must_change_password and uff.role == "ufficio_di_piano"
        assert uff.email == "uff@comune.it"
        authenticate(s, "uff", PASSWORD)
        with pytest.raises(LoginError):
            authenticate(s, "uff", "password-di-prova-1")


def test_short_password_is_refused(db_url):
    _seeded(db_url)
    done = run_user_cli(db_url, "--username", "mario", "--role", "comitato", password="corta12")
    assert done.returncode == 2
    assert "Password: deve avere almeno 10 caratteri." in done.stderr
    with session_scope(get_engine(db_url)) as s:
        assert get_user(s, "mario") is None


def test_password_is_never_taken_from_the_command_line(db_url):
    done = run_user_cli(
        db_url, "--username", "mario", "--role", "comitato", "--password", "una-password-lunga", password=None
    )
    assert done.returncode == 2 and "unrecognized arguments: --password" in done.stderr
    # Without PDZ_PASSWORD and without a terminal to ask on, it stops with a message.
    done = run_user_cli(db_url, "--username", "mario", "--role", "comitato", password=None)
    assert done.returncode == 2 and "Password: impostare PDZ_PASSWORD o eseguire da un terminale." in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--username", "mario", "--role", "capo"], "Ruolo: valore 'capo' non ammesso"),
        (["--username", "mario", "--role", "referente"], "Aree: un referente deve avere almeno un'area"),
        (["--username", "mario", "--role", "referente", "--areas", "A,Z"], "Aree: Z non è una macro-area del piano"),
        (["--username", "mario rossi", "--role", "comitato"], "Nome utente: usare"),
        (["--role", "comitato"], "Uso: make user"),
        (["--username", "mario", "--role", "comitato", "--email", "mario@comune"], "Indirizzo e-mail: «mario@comune»"),
    ],
)
def test_invalid_arguments_are_refused_with_a_message(db_url, args, message):
    done = run_user_cli(db_url, *args, in_process=True)
    assert done.returncode == 2 and message in done.stderr


def test_on_a_fresh_database_the_first_administrator_is_announced(db_url):
    """`make user` before `make run`: the bootstrap admin's one-time password is not silently lost."""
    done = run_user_cli(db_url, "--username", "mario", "--role", "comitato", "--name", "Mario")
    assert done.returncode == 0, done.stderr
    assert "PRIMO AVVIO" in done.stdout and "Password monouso:" in done.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="make non installato")
def test_make_user_target(db_url):
    _seeded(db_url)
    env = _env(db_url, PASSWORD)
    # -o install: the virtualenv is already there; never reinstall packages from a test.
    done = subprocess.run(
        [
            "make",
            "-s",
            "-o",
            "install",
            "user",
            "USERNAME=lucia",
            "ROLE=referente",
            "AREAS=A,D",
            "NAME=Lucia Bianchi",
            "EMAIL=lucia.bianchi@comune.it",
            f"PYTHON={sys.executable}",
        ],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Utente 'lucia' creato." in done.stdout
    with session_scope(get_engine(db_url)) as s:
        lucia = get_user(s, "lucia")
        assert lucia.name == "Lucia Bianchi" and user_areas(s, lucia.id) == {"A", "D"}
        assert lucia.email == "lucia.bianchi@comune.it"
        authenticate(s, "lucia", PASSWORD)

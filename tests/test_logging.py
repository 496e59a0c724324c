"""The administrator's log: one format and level (PDZ_LOG_LEVEL), lines for lockouts and failed saves, and
never a password or a key in it."""

import logging

import pytest

from components.actions import run
from models import config
from models.db import session_scope
from models.permissions import Actor, PermissionDenied
from models.sessions import login
from models.users import ADDRESS_FAILURES_PER_ACCOUNT, LOCK_AFTER_FAILURES, change_own_password, create_user

PASSWORD = "password-di-prova-1"
WRONG = "Segreta-Sbagliata-987"
NEW = "Nuova-Password-Lunga-654"


@pytest.fixture
def user_id(small_plan):
    with session_scope(small_plan) as s:
        return create_user(
            s, actor=None, username="refa", name="Ref A", role="referente", areas=["A"], password=PASSWORD
        ).id


def _all_text(caplog) -> str:
    formatter = logging.Formatter(config.LOG_FORMAT)
    return "\n".join(formatter.format(r) for r in caplog.records)


def test_failed_logins_and_the_lockout_are_logged_without_any_password(small_plan, user_id, caplog):
    with caplog.at_level(logging.INFO):
        for _ in range(LOCK_AFTER_FAILURES + 1):  # no address (a proxy on this machine): the account lock only
            with session_scope(small_plan) as s:
                assert login("refa", WRONG, session=s)[0] is None
        for _ in range(ADDRESS_FAILURES_PER_ACCOUNT + 1):  # one address failing again and again is throttled
            with session_scope(small_plan) as s:
                login("com", WRONG, "10.0.0.7", session=s)
        with session_scope(small_plan) as s:  # a password typed in the username box is not logged either
            login(PASSWORD, WRONG, "10.0.0.8", session=s)
    text = _all_text(caplog)
    assert "WARNING pdz.login: account refa locked for" in text
    assert "login refused for refa: account locked" in text
    assert "too many failed attempts from address 10.0.0.7" in text
    assert WRONG not in text and PASSWORD not in text


def test_a_refused_password_change_logs_a_line_without_the_passwords(small_plan, user_id, caplog):
    def in_session(fn, *args, **kwargs):
        with session_scope(small_plan) as s:
            return fn(*args, session=s, **kwargs)

    with caplog.at_level(logging.INFO):
        _, wrong_current = run(change_own_password, runner=in_session, user_id=user_id, current=WRONG, new=NEW)
        _, too_short = run(change_own_password, runner=in_session, user_id=user_id, current=PASSWORD, new="corta")
    assert wrong_current is not None and too_short is not None
    assert "password attuale" in wrong_current.message.lower()
    text = _all_text(caplog)
    assert "refused change_own_password for id" in text
    assert WRONG not in text and NEW not in text and PASSWORD not in text and "corta" not in text


def test_a_refused_save_logs_who_and_what(caplog):
    actor = Actor(7, "refa", "referente")

    def save_report(*, actor, session):
        raise PermissionDenied("Semestre chiuso.")

    with caplog.at_level(logging.INFO):
        result, failure = run(save_report, actor=actor, runner=lambda fn, **kw: fn(session=None, **kw))
    assert result is None and failure.error is not None and "Semestre chiuso" in failure.message
    line = next(r for r in caplog.records if r.name == "pdz.save")
    assert line.levelno == logging.INFO
    assert line.getMessage() == "refused save_report for refa: PermissionDenied: Semestre chiuso."


@pytest.fixture
def root_logger():
    """The root logger without the handler an earlier test's configure_logging() left (AppTest runs app.py in this
    process), restored afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    for h in handlers:
        if isinstance(h.formatter, config.RedactingFormatter):
            root.removeHandler(h)
    yield root
    for h in list(root.handlers):
        if h not in handlers:
            root.removeHandler(h)
            h.close()
    for h in handlers:
        if h not in root.handlers:
            root.addHandler(h)
    root.setLevel(level)


def test_configure_logging_once_with_level_file_and_masked_secrets(root_logger, monkeypatch, tmp_path):
    log_file = tmp_path / "pdz.log"
    monkeypatch.setenv("PDZ_LOG_LEVEL", "warning")
    monkeypatch.setenv("PDZ_LOG_FILE", str(log_file))
    monkeypatch.setenv("PDZ_COOKIE_KEY", "chiave-dei-cookie-segretissima-0123456789")
    config.configure_logging()
    config.configure_logging()  # idempotent: one handler
    assert root_logger.level == logging.WARNING
    assert sum(isinstance(h.formatter, config.RedactingFormatter) for h in root_logger.handlers) == 1
    log = logging.getLogger("pdz.test")
    log.info("not at this level")
    log.warning("cannot connect to postgresql+psycopg://pdz:pw-db-123@db:5432/pdz")
    log.error("key chiave-dei-cookie-segretissima-0123456789 refused")
    for h in root_logger.handlers:
        h.flush()
    text = log_file.read_text(encoding="utf-8")
    assert "not at this level" not in text
    assert "WARNING pdz.test: cannot connect to postgresql+psycopg://pdz:***@db:5432/pdz" in text
    assert "pw-db-123" not in text and "segretissima" not in text


def test_an_unknown_log_level_is_refused_in_italian(monkeypatch):
    monkeypatch.setenv("PDZ_LOG_LEVEL", "chiacchierone")
    with pytest.raises(config.ConfigError, match="PDZ_LOG_LEVEL"):
        config.configure_logging()

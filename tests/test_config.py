"""models/config.py: each setting declared once (the README's one settings table lists exactly those; only this
module reads the environment), read with its default; the login cookie's key generated once and refused when
missing, public, short or guessable. The log's level and file are in tests/test_logging.py."""

import logging
import re
import secrets
import stat
import sys
import tomllib
from pathlib import Path

import pytest

from models import config
from models.errors import DomainError
from tests.conftest import ROOT

HEADER = "| variabile | default | significato |"


def _readme_table() -> list[list[str]]:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert lines.count(HEADER) == 1, "the README has exactly one settings table"
    start = lines.index(HEADER) + 2  # after the header and the |---| line
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_readme_lists_exactly_the_settings_that_exist():
    rows = _readme_table()
    names = [re.fullmatch(r"`(\w+)`", row[0]).group(1) for row in rows]
    assert sorted(names) == sorted(s.name for s in config.SETTINGS)
    assert len(names) == len(set(names))
    assert all(len(row) == 3 and row[1] and row[2] for row in rows), "each row: variable, default, meaning"


def test_simple_defaults_match_the_readme():
    readme = {re.fullmatch(r"`(\w+)`", r[0]).group(1): r[1] for r in _readme_table()}
    for s in config.SETTINGS:
        if s.default and "/" not in s.default:  # paths and URLs are written relative in the README
            assert readme[s.name] == f"`{s.default}`", s.name


def test_only_the_settings_module_reads_the_environment():
    readers = []
    for folder in ("models", "components", "pages"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if re.search(r"os\.environ\.get|os\.getenv|os\.environ\[", text):
                readers.append(path.relative_to(ROOT).as_posix())
    assert readers == ["models/config.py"]
    assert "os.environ" not in (ROOT / "app.py").read_text(encoding="utf-8")


# --- reading a setting ----------------------------------------------------------------------------------


def test_a_setting_is_its_environment_value_or_its_default(monkeypatch):
    monkeypatch.setenv("PDZ_LOG_LEVEL", "DEBUG")
    assert config.setting("PDZ_LOG_LEVEL") == "DEBUG"
    monkeypatch.delenv("PDZ_LOG_LEVEL")
    assert config.setting("PDZ_LOG_LEVEL") == "INFO"
    monkeypatch.setenv("PDZ_LOG_LEVEL", "")  # set but empty (an EnvironmentFile line without value): the default
    assert config.setting("PDZ_LOG_LEVEL") == "INFO"


def test_an_undeclared_setting_is_a_programming_error():
    with pytest.raises(KeyError, match="PDZ_NON_DICHIARATA"):
        config.setting("PDZ_NON_DICHIARATA")


def test_each_setting_is_declared_once_with_a_meaning():
    names = [s.name for s in config.SETTINGS]
    assert len(names) == len(set(names)) and all(n.startswith("PDZ_") for n in names)
    assert all(s.help for s in config.SETTINGS)


def test_database_url_and_plan_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("PDZ_DATABASE_URL", raising=False)
    monkeypatch.delenv("PDZ_PLAN_DIR", raising=False)
    assert config.database_url() == f"sqlite:///{config.DEFAULT_DB_PATH}"
    assert config.plan_dir() == ROOT / "data" / "plan"
    monkeypatch.setenv("PDZ_DATABASE_URL", "postgresql+psycopg://pdz@db:5432/pdz")
    monkeypatch.setenv("PDZ_PLAN_DIR", str(tmp_path))
    assert config.database_url() == "postgresql+psycopg://pdz@db:5432/pdz"
    assert config.plan_dir() == tmp_path and isinstance(config.plan_dir(), Path)


@pytest.mark.parametrize("value, on", [("1", True), ("0", False), ("", False), ("true", False), ("sì", False)])
def test_demo_mode_only_when_set_to_1(monkeypatch, value, on):
    monkeypatch.setenv("PDZ_DEMO", value)
    assert config.demo_mode() is on


@pytest.mark.parametrize(
    "value, addresses",
    [
        ("", frozenset()),
        ("10.0.0.1", frozenset({"10.0.0.1"})),
        (" 10.0.0.1 , 10.0.0.2,,", frozenset({"10.0.0.1", "10.0.0.2"})),
    ],
)
def test_proxy_addresses_are_a_comma_separated_list(monkeypatch, value, addresses):
    monkeypatch.setenv("PDZ_PROXY_ADDRESSES", value)
    assert config.proxy_addresses() == addresses


# --- the log's format -------------------------------------------------------------------------------------


def test_the_log_format_masks_url_passwords_and_secrets_in_tracebacks_too(monkeypatch):
    monkeypatch.setenv("PDZ_PASSWORD", "Password-Del-Nuovo-Utente-1")
    formatter = config.RedactingFormatter(config.LOG_FORMAT)
    try:
        raise RuntimeError("sqlite? no: postgresql://pdz:segreta@db/pdz, password Password-Del-Nuovo-Utente-1")
    except RuntimeError:
        record = logging.LogRecord("pdz.test", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    text = formatter.format(record)
    assert "ERROR pdz.test: failed" in text and "Traceback" in text
    assert "postgresql://pdz:***@db/pdz" in text
    assert "segreta" not in text and "Password-Del-Nuovo-Utente-1" not in text


# --- the login cookie's key -------------------------------------------------------------------------------


@pytest.fixture
def no_key(monkeypatch, tmp_path) -> Path:
    """No PDZ_COOKIE_KEY in the environment (the suite sets one); returns a secrets file that does not exist yet."""
    monkeypatch.delenv("PDZ_COOKIE_KEY", raising=False)
    return tmp_path / ".streamlit" / "secrets.toml"


def test_a_generated_cookie_key_is_accepted(monkeypatch, tmp_path):
    for _ in range(20):
        key = secrets.token_urlsafe(32)  # the shortest a generator gives: 43 characters
        monkeypatch.setenv("PDZ_COOKIE_KEY", key)
        assert config.cookie_key(tmp_path / "none.toml") == key
    monkeypatch.setenv("PDZ_COOKIE_KEY", "abcdefghij" * 4)  # 10 distinct: the lowest accepted
    assert config.cookie_key(tmp_path / "none.toml")


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("some_signature_key", "Chiave dei cookie predefinita/pubblica: generarne una casuale."),
        ("at-least-32-random-bytes-here-please-change-me", "Chiave dei cookie predefinita/pubblica"),
        ("abcdefghij" * 3 + "a", "Chiave dei cookie troppo corta: servono almeno 32 byte."),
        ("ab" * 16, "Chiave dei cookie prevedibile: contiene solo 2 caratteri diversi (almeno 10)"),
    ],
)
def test_a_bad_cookie_key_is_refused_in_italian(no_key, monkeypatch, key, message):
    monkeypatch.setenv("PDZ_COOKIE_KEY", key)
    with pytest.raises(config.ConfigError) as info:
        config.cookie_key(no_key)
    assert str(info.value).startswith(message)
    assert isinstance(info.value, DomainError)


def test_a_missing_cookie_key_says_where_to_set_it(no_key):
    with pytest.raises(config.ConfigError, match=r"Chiave dei cookie mancante: impostare PDZ_COOKIE_KEY"):
        config.cookie_key(no_key)


def test_the_cookie_key_is_generated_once_private_and_accepted(no_key):
    config.ensure_cookie_key(no_key)
    key = tomllib.loads(no_key.read_text(encoding="utf-8"))["cookie_key"]
    assert config.cookie_key(no_key) == key
    assert stat.S_IMODE(no_key.stat().st_mode) == 0o600
    config.ensure_cookie_key(no_key)  # the second start keeps the key: logged-in users stay logged in
    assert config.cookie_key(no_key) == key and no_key.read_text(encoding="utf-8").count("cookie_key") == 1


def test_the_environment_key_wins_and_none_is_written_then(no_key, monkeypatch):
    no_key.parent.mkdir()
    no_key.write_text('cookie_key = "' + secrets.token_urlsafe(48) + '"\n', encoding="utf-8")
    from_env = secrets.token_urlsafe(48)
    monkeypatch.setenv("PDZ_COOKIE_KEY", from_env)
    assert config.cookie_key(no_key) == from_env
    other = no_key.parent / "other.toml"
    config.ensure_cookie_key(other)
    assert not other.exists()


def test_the_refresh_period_is_whole_seconds_within_its_range(monkeypatch):
    monkeypatch.delenv("PDZ_REFRESH_SECONDS", raising=False)
    assert config.refresh_seconds() == 30
    for text, seconds in (("5", 5), (" 10 ", 10), ("3600", 3600)):
        monkeypatch.setenv("PDZ_REFRESH_SECONDS", text)
        assert config.refresh_seconds() == seconds
    wrong = r"^PDZ_REFRESH_SECONDS: .* non è un numero intero di secondi da 5 a 3600"
    for text in ("4", "3601", "0", "-10", "1.5", "dieci", "1e3", "²"):
        monkeypatch.setenv("PDZ_REFRESH_SECONDS", text)
        with pytest.raises(config.ConfigError, match=wrong):
            config.refresh_seconds()

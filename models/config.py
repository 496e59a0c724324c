"""Settings, each declared once with its default and meaning (read from the environment)."""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from models.errors import DomainError

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB_PATH = ROOT / "instance" / "pdz.sqlite3"  # gitignored; created at first start
DEFAULT_DEMO_DB_PATH = ROOT / "instance" / "pdz-demo.sqlite3"
PLAN_DIR = ROOT / "data" / "plan"


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str


SETTINGS = (
    Setting(
        "PDZ_DATABASE_URL",
        f"sqlite:///{DEFAULT_DB_PATH}",
        "Database URL (SQLAlchemy). Example: postgresql+psycopg://user:pass@host:5432/pdz",
    ),
    Setting(
        "PDZ_COOKIE_KEY",
        "",
        "Secret (>= 32 bytes) signing the login cookie; else read from .streamlit/secrets.toml, "
        "generated there at first start",
    ),
    Setting("PDZ_DEMO", "0", "1 = demonstration mode (banner on every page, demo accounts on the login page)"),
    Setting("PDZ_PASSWORD", "", "Password for `make user` (never passed on the command line)"),
    Setting(
        "PDZ_REFRESH_SECONDS",
        "30",
        "How often an open Cruscotto (the projector's too) checks for new data, in seconds (5 to 3600)",
    ),
    Setting("PDZ_PLAN_DIR", str(PLAN_DIR), "Folder of the plan's YAML files (tests use a small one)"),
    Setting("PDZ_BCRYPT_ROUNDS", "12", "bcrypt cost; 12 in production, tests use 4"),
    Setting(
        "PDZ_LOG_LEVEL",
        "INFO",
        "Level of the administrator's log (DEBUG, INFO, WARNING, ERROR): failed saves, logins locked out, imports, "
        "backups; never a password or a key",
    ),
    Setting("PDZ_LOG_FILE", "", "File the log is appended to; empty = standard error (the service's journal)"),
    Setting(
        "PDZ_PROXY_ADDRESSES",
        "",
        "Comma-separated addresses of reverse proxies on another machine: for them the login throttle uses "
        "the last X-Forwarded-For hop instead (else every user would share the proxy's address)",
    ),
    Setting(
        "PDZ_PUBLIC_URL",
        "http://localhost:8501",
        "The app's address as users open it (https://pdz.example.it): the links of the e-mail notices",
    ),
    Setting(
        "PDZ_SMTP_HOST",
        "",
        "Mail server of the e-mail notices (make remind); empty = no notice is sent. Also smtp_host in "
        ".streamlit/secrets.toml, as the other PDZ_SMTP_ settings",
    ),
    Setting("PDZ_SMTP_PORT", "", "Mail server port; empty = 25, 587 or 465 by PDZ_SMTP_SECURITY"),
    Setting("PDZ_SMTP_SECURITY", "starttls", "none, starttls or tls (TLS from the first byte, port 465)"),
    Setting("PDZ_SMTP_USER", "", "Mail server user; empty = no login"),
    Setting("PDZ_SMTP_PASSWORD", "", "Mail server password (never logged)"),
    Setting("PDZ_SMTP_FROM", "", "Sender of the notices (e.g. ufficio.piano@comune.it); required with a host"),
)


def setting(name: str) -> str:
    for s in SETTINGS:
        if s.name == name:
            return os.environ.get(name, s.default) or s.default
    raise KeyError(name)


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")


class RedactingFormatter(logging.Formatter):
    """The one log format; a database URL's password and the configured secrets are masked (tracebacks too)."""

    def format(self, record: logging.LogRecord) -> str:
        text = _URL_PASSWORD.sub(r"\1***@", super().format(record))
        for name in ("PDZ_COOKIE_KEY", "PDZ_PASSWORD", "PDZ_SMTP_PASSWORD"):
            if secret := setting(name):
                text = text.replace(secret, "***")
        return text


def settings_now() -> dict[str, str]:
    """The PDZ_ settings set in this process's environment now (a worker process builds with them)."""
    return {name: value for name, value in os.environ.items() if name.startswith("PDZ_")}


def use_settings(values: dict[str, str]) -> None:
    """This process's PDZ_ settings become exactly `values` (settings_now of another process)."""
    for name in [n for n in os.environ if n.startswith("PDZ_") and n not in values]:
        del os.environ[name]
    os.environ.update(values)


def worker_environment(root: Path) -> dict[str, str]:
    """The environment of a worker process started from this one: the same, with `root` importable."""
    path = os.pathsep.join(filter(None, (str(root), os.environ.get("PYTHONPATH"))))
    return {**os.environ, "PYTHONPATH": path}


def configure_logging() -> None:
    """Once per process (idempotent): the root logger at PDZ_LOG_LEVEL, one handler to PDZ_LOG_FILE or stderr."""
    level = setting("PDZ_LOG_LEVEL").strip().upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ConfigError(f"PDZ_LOG_LEVEL: livello sconosciuto {level!r} (ammessi: DEBUG, INFO, WARNING, ERROR).")
    root = logging.getLogger()
    if not any(isinstance(h.formatter, RedactingFormatter) for h in root.handlers):
        path = setting("PDZ_LOG_FILE")
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8") if path else logging.StreamHandler()
        handler.setFormatter(RedactingFormatter(LOG_FORMAT))
        root.addHandler(handler)
    root.setLevel(level)
    # Alembic announces each of its plugins at INFO when it is first imported (now where the schema is created,
    # after this): noise in `make run` and the log. The upgrades themselves are still logged.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def database_url() -> str:
    return setting("PDZ_DATABASE_URL")


def plan_dir() -> Path:
    return Path(setting("PDZ_PLAN_DIR"))


def proxy_addresses() -> frozenset[str]:
    return frozenset(a.strip() for a in setting("PDZ_PROXY_ADDRESSES").split(",") if a.strip())


def public_url() -> str:
    return setting("PDZ_PUBLIC_URL").strip().rstrip("/")


def client_address(peer: str | None, forwarded_for: str | None) -> str | None:
    """The client's address for the per-address limits: the peer, or, when the peer is a listed proxy, the hop
    that proxy appended to X-Forwarded-For (the earlier hops are the client's to forge)."""
    if peer and peer in proxy_addresses():
        return (forwarded_for or "").split(",")[-1].strip() or None
    return peer or None


REFRESH_RANGE = (5, 3600)


def refresh_seconds() -> int:
    """PDZ_REFRESH_SECONDS, checked: a whole number of seconds within REFRESH_RANGE; ConfigError otherwise."""
    text = setting("PDZ_REFRESH_SECONDS").strip()
    low, high = REFRESH_RANGE
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise ConfigError(f"PDZ_REFRESH_SECONDS: {text!r} non è un numero intero di secondi da {low} a {high}.")
    return int(text)


def demo_mode() -> bool:
    return setting("PDZ_DEMO") == "1"


SECRETS_FILE = ROOT / ".streamlit" / "secrets.toml"
MIN_COOKIE_KEY_BYTES = 32
# A key of 32 "x" (or "abab...") is as guessable as a public one: a generated key (token_urlsafe) of 32+ bytes has
# ~25 distinct characters; fewer than this many means it was typed by hand.
MIN_COOKIE_KEY_DISTINCT = 10
# Keys that must never sign a cookie: the library's documented default and our example file's.
KNOWN_PUBLIC_KEYS = frozenset(
    {"some_signature_key", "random_signature_key", "abcdef", "at-least-32-random-bytes-here-please-change-me"}
)


class ConfigError(DomainError, RuntimeError):
    pass


def _read_secrets(path: Path) -> dict:
    import tomllib

    if not path.exists():
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh)


def ensure_cookie_key(path: Path = SECRETS_FILE) -> None:
    """At first start, write a random cookie key to .streamlit/secrets.toml (gitignored)."""
    if setting("PDZ_COOKIE_KEY") or _read_secrets(path).get("cookie_key"):
        return
    import secrets

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(f'\n# generated at first start; never commit this file\ncookie_key = "{secrets.token_urlsafe(48)}"\n')
    os.chmod(path, 0o600)


def cookie_key(path: Path = SECRETS_FILE) -> str:
    """The login cookie's signing key; refuses a missing, public or short key."""
    key = setting("PDZ_COOKIE_KEY") or str(_read_secrets(path).get("cookie_key", ""))
    if not key:
        raise ConfigError(
            "Chiave dei cookie mancante: impostare PDZ_COOKIE_KEY o cookie_key in "
            ".streamlit/secrets.toml (make run la genera al primo avvio)."
        )
    if key in KNOWN_PUBLIC_KEYS:
        raise ConfigError("Chiave dei cookie predefinita/pubblica: generarne una casuale.")
    if len(key.encode()) < MIN_COOKIE_KEY_BYTES:
        raise ConfigError(f"Chiave dei cookie troppo corta: servono almeno {MIN_COOKIE_KEY_BYTES} byte.")
    if len(set(key)) < MIN_COOKIE_KEY_DISTINCT:
        raise ConfigError(
            f"Chiave dei cookie prevedibile: contiene solo {len(set(key))} caratteri diversi "
            f"(almeno {MIN_COOKIE_KEY_DISTINCT}); generarne una casuale, ad esempio con "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'."
        )
    return key


SMTP_SETTINGS = (
    "PDZ_SMTP_HOST",
    "PDZ_SMTP_PORT",
    "PDZ_SMTP_SECURITY",
    "PDZ_SMTP_USER",
    "PDZ_SMTP_PASSWORD",
    "PDZ_SMTP_FROM",
)


def smtp_values(path: Path = SECRETS_FILE) -> dict[str, str]:
    """The PDZ_SMTP_ settings: the environment first, else .streamlit/secrets.toml (smtp_host = "...", ...)."""
    secrets = _read_secrets(path)
    out = {}
    for name in SMTP_SETTINGS:
        declared = next(s for s in SETTINGS if s.name == name)
        value = os.environ.get(name) or str(secrets.get(name.removeprefix("PDZ_").lower(), "") or "")
        out[name] = value.strip() or declared.default
    return out

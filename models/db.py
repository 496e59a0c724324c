"""The one place that creates the engine and the schema. Everything else receives a session."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, create_engine, select

from models import tables  # noqa: F401  (registers the tables)
from models.config import database_url
from models.tables import DataChange, SchemaInfo, utcnow

# Bump when the schema changes, and add the step to MIGRATIONS (see README: "Aggiornamenti").
SCHEMA_VERSION = 1
# version reached -> function(connection) bringing the schema from version-1 to it
MIGRATIONS: dict[int, object] = {}


class DatabaseError(RuntimeError):
    """A database that cannot be used, with an Italian message for the user."""


_engines: dict[str, Engine] = {}  # one engine per URL: engines are shared, never user data


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")  # writers wait for each other instead of failing
    cursor.close()


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        kwargs: dict = {"connect_args": {"check_same_thread": False, "timeout": 10}}
        if parsed.database in (None, "", ":memory:"):
            kwargs["poolclass"] = StaticPool
        else:
            try:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(f"Impossibile creare la cartella del database {parsed.database}: "
                                    f"{exc.strerror}") from exc
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        if parsed.database not in (None, "", ":memory:"):
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        return engine
    return create_engine(url, pool_pre_ping=True)


def get_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def check_connection(engine: Engine) -> None:
    """Raise DatabaseError with a clear message when the database does not answer."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        safe = engine.url.render_as_string(hide_password=True)
        raise DatabaseError(f"Impossibile collegarsi al database {safe}: verificare indirizzo, "
                            f"credenziali e che il server sia attivo. Dettaglio: {exc.orig}") from exc


def create_db_and_tables(engine: Engine) -> None:
    """Create missing tables, record or check the schema version, run pending migrations."""
    check_connection(engine)
    existing = set(inspect(engine).get_table_names())
    if "schemainfo" in existing:
        with Session(engine) as session:
            info = session.get(SchemaInfo, 1)
            found = info.version if info else SCHEMA_VERSION
        if found > SCHEMA_VERSION:
            raise DatabaseError(f"Il database è stato creato da una versione più recente dell'applicazione "
                                f"(schema {found}, questa versione gestisce lo schema {SCHEMA_VERSION}): "
                                "aggiornare l'applicazione prima di usarlo.")
        for version in range(found + 1, SCHEMA_VERSION + 1):
            with engine.begin() as conn:
                MIGRATIONS[version](conn)  # type: ignore[operator]
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        info = session.get(SchemaInfo, 1)
        if info is None:
            session.add(SchemaInfo(id=1, version=SCHEMA_VERSION))
        elif info.version != SCHEMA_VERSION:
            info.version, info.updated_at = SCHEMA_VERSION, utcnow()
        if session.get(DataChange, 1) is None:
            session.add(DataChange(id=1, counter=0))
        session.commit()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commit at the end, roll back everything on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def bump_data_change(session: Session) -> None:
    """Mark that figures changed, inside the caller's transaction (dashboards refresh on it)."""
    session.execute(text("UPDATE datachange SET counter = counter + 1 WHERE id = 1"))


def data_change_counter(session: Session) -> int:
    row = session.exec(select(DataChange.counter).where(DataChange.id == 1)).first()
    return int(row or 0)


__all__ = ["SCHEMA_VERSION", "DatabaseError", "SQLAlchemyError", "bump_data_change", "check_connection",
           "create_db_and_tables", "data_change_counter", "get_engine", "make_engine", "session_scope"]

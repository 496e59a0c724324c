"""The one place that creates the engine and the schema. Everything else receives a session."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine, select

from models import tables  # noqa: F401  (registers the tables)
from models.config import database_url
from models.errors import DomainError
from models.tables import DataChange, SchemaInfo

# The home-made runner's version, frozen: schema changes are Alembic revisions now (models/migrate.py).
SCHEMA_VERSION = 1


class DatabaseError(DomainError, RuntimeError):
    """A database that cannot be used, with an Italian message for the user."""


_engines: dict[str, Engine] = {}  # one engine per URL: engines are shared, never user data


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")  # writers wait for each other instead of failing
    cursor.close()


def _sqlite_begin_before_savepoint(conn, _name) -> None:
    """Open the transaction before a SAVEPOINT that would otherwise be its first statement.

    Python's sqlite3 (legacy transaction control) emits BEGIN only before INSERT/UPDATE/DELETE; a SAVEPOINT
    issued first opens a transaction of its own, and RELEASE then commits it: the rows written inside the
    savepoint would survive a failure of the rest of the save. Reads before the first write stay outside the
    transaction, as before: a writer then waits for the lock (busy_timeout) instead of failing "database is
    locked" on a stale read snapshot.
    """
    dbapi = conn.connection.dbapi_connection
    if not dbapi.in_transaction:
        dbapi.execute("BEGIN")


# A server that does not answer is reported after this long, not after the system's TCP timeout (minutes).
PG_CONNECT_TIMEOUT_S = 10


def make_engine(url: str) -> Engine:
    """The engine for a database URL; DatabaseError (in Italian) for a URL that cannot be used."""
    try:
        return _make_engine(url)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise DatabaseError(
            f"Indirizzo del database non valido ({_safe_url(url)}): usare ad esempio "
            "sqlite:///instance/pdz.sqlite3 oppure postgresql+psycopg://utente:password@host:5432/pdz. "
            f"Dettaglio: {exc}"
        ) from exc


def _safe_url(url: str) -> str:
    """The URL as it can be shown: never the password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "***@" + url.rsplit("@", 1)[-1] if "@" in url else url


def _make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        kwargs: dict = {"connect_args": {"check_same_thread": False, "timeout": 10}}
        if parsed.database in (None, "", ":memory:"):
            kwargs["poolclass"] = StaticPool
        else:
            try:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(
                    f"Impossibile creare la cartella del database {parsed.database}: {exc.strerror}"
                ) from exc
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "savepoint", _sqlite_begin_before_savepoint)
        if parsed.database not in (None, "", ":memory:"):
            try:
                with engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA journal_mode=WAL")
            except DBAPIError as exc:
                raise DatabaseError(
                    f"Impossibile aprire il database SQLite {parsed.database}: {exc.orig}. "
                    "Verificare che sia un database di questa applicazione e che si possa "
                    "scrivere nella sua cartella."
                ) from exc
        return engine
    connect_args = {"connect_timeout": PG_CONNECT_TIMEOUT_S} if parsed.get_backend_name() == "postgresql" else {}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def get_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def dispose_engines() -> None:
    """Close every pooled connection of this process (before it exits)."""
    for engine in _engines.values():
        engine.dispose()


def check_connection(engine: Engine) -> None:
    """Raise DatabaseError with a clear message when the database does not answer."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except DBAPIError as exc:  # refused, timed out, wrong credentials, unknown database, not a database
        safe = engine.url.render_as_string(hide_password=True)
        raise DatabaseError(
            f"Impossibile collegarsi al database {safe}: verificare indirizzo, "
            f"credenziali e che il server sia attivo. Dettaglio: {exc.orig}"
        ) from exc


def create_db_and_tables(engine: Engine) -> str | None:
    """Build or upgrade the schema with the Alembic revisions (under a lock), then add the fixed rows.

    Returns the revision an existing database was upgraded from, None when there was nothing to upgrade.
    """
    # Imported here: Alembic (with Mako and Pygments) is half a second of imports that only a start needs, not
    # the file workers or the tools that open an existing database.
    from models.migrate import MigrationError, head_revision, upgrade

    check_connection(engine)
    if "schemainfo" in set(inspect(engine).get_table_names()):
        with engine.connect() as conn:  # plain SQL: before the upgrade the table may lack the models' columns
            found = conn.execute(text("SELECT version FROM schemainfo WHERE id = 1")).scalar() or SCHEMA_VERSION
        if found > SCHEMA_VERSION:
            raise DatabaseError(
                f"Il database è stato creato da una versione più recente dell'applicazione "
                f"(schema {found}, questa versione gestisce lo schema {SCHEMA_VERSION}): "
                "aggiornare l'applicazione prima di usarlo."
            )
    try:
        before = upgrade(engine, then=_add_fixed_rows)
    except MigrationError as exc:
        raise DatabaseError(str(exc)) from exc
    return before if before not in (None, head_revision()) else None


def _add_fixed_rows(conn) -> None:
    with Session(bind=conn) as session:
        if session.get(SchemaInfo, 1) is None:
            session.add(SchemaInfo(id=1, version=SCHEMA_VERSION))
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


def advance_data_change(session: Session, seen: int) -> None:
    """Move the counter past `seen` (and past its own value): after a restore the database's counter may be one
    the server's caches already hold other figures under."""
    session.execute(
        text("UPDATE datachange SET counter = CASE WHEN counter > :seen THEN counter ELSE :seen END + 1 WHERE id = 1"),
        {"seen": seen},
    )


def data_change_counter(session: Session) -> int:
    row = session.exec(select(DataChange.counter).where(DataChange.id == 1)).first()
    return int(row or 0)


__all__ = [
    "SCHEMA_VERSION",
    "DatabaseError",
    "SQLAlchemyError",
    "advance_data_change",
    "bump_data_change",
    "check_connection",
    "create_db_and_tables",
    "data_change_counter",
    "get_engine",
    "make_engine",
    "session_scope",
]

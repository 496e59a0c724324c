"""Schema migrations with Alembic, the reference migration tool for SQLAlchemy, run in code (no alembic CLI).

Every database is built and upgraded by the revisions in models/migrations/versions; the first one (baseline) is
the schema the home-made runner left at its version 1. Such a database (it has `schemainfo`, no
`alembic_version`) is stamped at the baseline, then upgraded like any other.

The upgrade runs under a lock, so that several processes starting together (app, `make init`, a second worker)
do not migrate the same database at once: a PostgreSQL advisory lock, or an flock on a file beside the SQLite
database.
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from models.errors import DomainError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001_baseline"
LEGACY_VERSION = 1  # the only version the home-made runner ever recorded
PG_LOCK_KEY = 0x5044_5A31  # "PDZ1": any constant, the same in every process


class MigrationError(DomainError, RuntimeError):
    """A database this version cannot migrate, with an Italian message."""


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


@cache
def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = script_directory().get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    return {s.revision for s in script_directory().walk_revisions()}


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head", then: Callable[[Connection], None] | None = None) -> str | None:
    """Bring the database to `revision` (adopting a database of the old runner first), under the lock.

    `then` runs under the same lock, after the upgrade: rows every database needs are added once even when
    several processes start together. Returns the revision found (None: an empty database).
    """
    with migration_lock(engine) as conn:
        _adopt_legacy(conn)
        found = current_revision(conn)
        conn.commit()
        if found is not None and found not in known_revisions():
            raise MigrationError(
                f"Il database è stato aggiornato da una versione più recente dell'applicazione (revisione {found} "
                f"dello schema, sconosciuta a questa versione): aggiornare l'applicazione prima di usarlo."
            )
        command.upgrade(alembic_config(conn), revision)
        conn.commit()
        if then is not None:
            then(conn)
            conn.commit()
        return found


def _adopt_legacy(conn: Connection) -> None:
    """A database of the home-made runner, at its version 1, is the baseline: record it as such."""
    names = set(inspect(conn).get_table_names())
    if "alembic_version" in names or "schemainfo" not in names:
        return
    version = conn.execute(text("SELECT version FROM schemainfo WHERE id = 1")).scalar()
    if version not in (None, LEGACY_VERSION):
        return  # newer than this app: create_db_and_tables refuses it
    missing = sorted(set(BASELINE_TABLES) - names)
    if missing:
        raise MigrationError(
            f"Il database non ha lo schema atteso (mancano le tabelle {', '.join(missing)}): "
            "ripristinare un backup o usare un database nuovo."
        )
    inspector = inspect(conn)
    differ = sorted(
        table
        for table, columns in _baseline_columns().items()
        if {c["name"] for c in inspector.get_columns(table)} != columns
    )
    if differ:
        raise MigrationError(
            f"Il database non ha lo schema atteso (colonne diverse nelle tabelle {', '.join(differ)}): "
            "ripristinare un backup o usare un database nuovo."
        )
    command.stamp(alembic_config(conn), BASELINE)
    conn.commit()


@cache
def _baseline_columns() -> dict[str, set[str]]:
    """Table -> column names of the baseline, built in a scratch in-memory database (names are the same on
    every backend): what a database of the old runner must hold to be stamped at the baseline."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    engine = create_engine("sqlite://", poolclass=StaticPool)
    try:
        with engine.connect() as conn:
            command.upgrade(alembic_config(conn), BASELINE)
            conn.commit()
            inspector = inspect(conn)
            return {t: {c["name"] for c in inspector.get_columns(t)} for t in BASELINE_TABLES}
    finally:
        engine.dispose()


@contextmanager
def migration_lock(engine: Engine) -> Iterator[Connection]:
    """A connection held alone by this process among those migrating the same database."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": PG_LOCK_KEY})
            conn.commit()
            try:
                yield conn
            finally:
                conn.rollback()
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_KEY})
                conn.commit()
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
        with engine.connect() as conn:  # in memory: one process only
            yield conn
        return
    lock_path = Path(database).with_name(Path(database).name + ".migrate-lock")
    with lock_path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # released when the file is closed, also if the process dies
        try:
            with engine.connect() as conn:
                yield conn
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def new_revision(message: str) -> Path:
    """Write the next revision, autogenerated from the difference between the head and the models.

    For developers (`make migration MSG=...`): the head is built in a scratch SQLite database, so no real
    database is touched. The file must be reviewed (renames look like drop + add) and tried on PostgreSQL too.
    """
    import re
    import tempfile

    from sqlalchemy import create_engine

    number = len(known_revisions()) + 1
    slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:26]
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'head.sqlite3'}")
        try:
            upgrade(engine)
            with engine.connect() as conn:
                cfg = alembic_config(conn)
                cfg.set_main_option("file_template", "%%(rev)s")
                script = command.revision(cfg, message=message, autogenerate=True, rev_id=f"{number:04d}_{slug}")
        finally:
            engine.dispose()
    script_directory.cache_clear()
    assert script is not None and not isinstance(script, list)
    return Path(script.path)


# The tables of the baseline revision (those the old runner created): a database of that runner must hold them.
BASELINE_TABLES = (
    "action",
    "actionstatus",
    "auditentry",
    "budgetline",
    "budgetlinekind",
    "card",
    "datachange",
    "demomarker",
    "historicaloutcome",
    "indicator",
    "indicatortarget",
    "indicatorvalue",
    "keypoint",
    "loginattempt",
    "macroarea",
    "municipality",
    "objective",
    "objectivesubarea",
    "partnershare",
    "plan",
    "report",
    "reportcomment",
    "schemainfo",
    "semester",
    "setbyoffice",
    "sharedproject",
    "spend",
    "subarea",
    "subareavalue",
    "submissionnote",
    "user",
    "userarea",
)

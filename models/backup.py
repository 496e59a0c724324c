"""Backup and restore of the whole database (`make backup`, `make restore`).

SQLite: the online backup API (a consistent copy while the app runs), written as one self-contained file.
PostgreSQL: `pg_dump --format=custom`; restored with `pg_restore` piped into `psql --single-transaction`, so a
restore that fails half-way changes nothing. A SQLite backup can also be restored into PostgreSQL (the way to
move an Ambito from SQLite to PostgreSQL): the tables are copied row by row in one transaction.

A restore is refused when the target already holds tables, unless forced; a forced restore first saves a copy of
what it overwrites in instance/backups/.

Both formats hold the `alembic_version` table, so a backup records the schema revision it was taken at; after a
restore the database is upgraded to this version's head, as at the app's start. A backup from a revision this
version does not know (a newer app) is refused.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from alembic import command
from sqlalchemy import func, insert, inspect, select, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlmodel import Session, SQLModel

from models.config import ROOT
from models.db import (
    SCHEMA_VERSION,
    DatabaseError,
    advance_data_change,
    check_connection,
    create_db_and_tables,
    data_change_counter,
    make_engine,
)
from models.migrate import alembic_config, head_revision, known_revisions

# Where `make backup` without OUT, and a forced restore (the data it overwrites), write: a `backups` folder
# beside a SQLite database file (instance/backups for the default one), this one for PostgreSQL.
BACKUP_DIR = ROOT / "instance" / "backups"
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"  # pg_dump --format=custom
TOOL_TIMEOUT_S = 3600  # pg_dump/psql of a large database; a hung server must not hang the command for ever
COPY_BATCH = 1000  # rows per INSERT when copying SQLite into PostgreSQL


class BackupError(DatabaseError):
    """A backup or restore that cannot be done, with an Italian message; nothing was changed."""


class RestoreRefused(BackupError):
    """The target already holds data (use force) or the backup is not usable here."""


@dataclass
class RestoreResult:
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows after the restore
    safety_copy: Path | None = None  # the data overwritten by a forced restore


def backup_dir(url: str) -> Path:
    parsed = make_url(url)
    if _is_sqlite(parsed) and parsed.database not in (None, "", ":memory:"):
        return Path(parsed.database).resolve().parent / "backups"
    return BACKUP_DIR


def default_backup_path(url: str, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    suffix = "sqlite3" if _is_sqlite(make_url(url)) else "dump"
    return backup_dir(url) / f"pdz-{stamp}.{suffix}"


def backup(url: str, out: Path) -> Path:
    """Write a consistent copy of the database at `url` to `out` (refused if `out` exists)."""
    parsed, out = make_url(url), Path(out)
    if out.exists():
        raise BackupError(f"Il file {out} esiste già: scegliere un altro nome (un backup non ne sovrascrive un altro).")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"Impossibile creare la cartella {out.parent}: {exc.strerror}.") from exc
    partial = out.with_name(out.name + ".parziale")  # renamed only when complete: no half backup under `out`
    try:
        if _is_sqlite(parsed):
            _sqlite_backup(_sqlite_path(parsed, must_exist=True), partial)
        else:
            engine = make_engine(url)
            try:
                check_connection(engine)
            finally:
                engine.dispose()
            _run(
                [_pg_tool("pg_dump"), "--format=custom", "--file", str(partial), "--dbname", _libpq(parsed)],
                parsed,
                "pg_dump",
            )
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    return out


def restore(url: str, file: Path, *, force: bool = False) -> RestoreResult:
    """Restore `file` (a backup made by `backup`) into the database at `url`."""
    parsed, file = make_url(url), Path(file)
    if not file.is_file():
        raise BackupError(f"Il file di backup {file} non esiste.")
    kind = _backup_kind(file)
    if kind == "pg_dump" and _is_sqlite(parsed):
        raise RestoreRefused(
            "Un backup di PostgreSQL (pg_dump) si ripristina solo in un database PostgreSQL: "
            "impostare PDZ_DATABASE_URL=postgresql+psycopg://..."
        )
    revision = _sqlite_backup_revision(file) if kind == "sqlite" else None  # pg_dump: checked in psql
    engine = make_engine(url)
    try:
        check_connection(engine)
        tables = inspect(engine).get_table_names()
        if tables and not force:
            raise RestoreRefused(
                f"Il database di destinazione ({_safe(parsed)}) contiene già {len(tables)} tabelle: ripristino "
                "rifiutato per non sovrascrivere dati. Per sostituirne il contenuto: make restore FILE=... FORCE=1 "
                f"(prima viene salvata una copia di quanto sovrascritto in {backup_dir(url)})."
            )
        result = RestoreResult()
        seen = 0  # the data-change counter the running app's caches may have seen
        if tables:
            result.safety_copy = backup(url, _safety_copy_path(url))
            if "datachange" in tables:
                with Session(engine) as session:
                    seen = data_change_counter(session)
        engine.dispose()
        if kind == "pg_dump":
            _pg_restore(file, parsed, drop_existing=bool(tables))
        elif _is_sqlite(parsed):
            _sqlite_restore(file, _sqlite_path(parsed, must_exist=False))
        else:
            _copy_sqlite_into(file, revision, engine, drop_existing=bool(tables))
        create_db_and_tables(engine)  # a backup from an earlier revision is upgraded here, as at the app's start
        with Session(engine) as session:  # a counter value never seen: every cached figure is read again
            advance_data_change(session, seen)
            session.commit()
        result.rows = row_counts(engine)
        return result
    finally:
        engine.dispose()


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in SQLModel.metadata.sorted_tables
        }


# --- SQLite -----------------------------------------------------------------------------------


def _is_sqlite(parsed: URL) -> bool:
    return parsed.get_backend_name() == "sqlite"


def _sqlite_path(parsed: URL, *, must_exist: bool) -> Path:
    if parsed.database in (None, "", ":memory:"):
        raise BackupError("Un database SQLite in memoria non ha un file da salvare o da sostituire.")
    path = Path(parsed.database)
    if must_exist and not path.is_file():
        raise BackupError(f"Il database {path} non esiste: niente da salvare.")
    return path


def _sqlite_backup(source: Path, target: Path) -> None:
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # page by page, consistent even while the app writes
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        if dst.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError(f"La copia di {source} non ha superato il controllo di integrità.")
    except sqlite3.Error as exc:
        raise BackupError(f"Backup di {source} non riuscito: {exc}.") from exc
    finally:
        dst.close()
        src.close()


def _sqlite_backup_revision(file: Path) -> str | None:
    """The schema revision a SQLite backup was taken at (None: made before Alembic, the baseline's schema);
    refuses a file this version cannot use."""
    try:
        conn = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
        try:
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise BackupError(f"Il backup {file} è danneggiato (controllo di integrità non superato).")
            row = conn.execute("SELECT version FROM schemainfo WHERE id = 1").fetchone()
            has_revision = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
            ).fetchone()
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone() if has_revision else None
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise RestoreRefused(f"Il file {file} non è un backup di questa applicazione ({exc}).") from exc
    if row is None:
        raise RestoreRefused(f"Il file {file} non è un backup di questa applicazione (manca la versione dello schema).")
    if row[0] > SCHEMA_VERSION:
        raise RestoreRefused(_newer_message(f"schema {row[0]}"))
    if revision is not None and revision[0] not in known_revisions():
        raise RestoreRefused(_newer_message(f"revisione {revision[0]}"))
    return revision[0] if revision else None


def _sqlite_restore(file: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)  # replaces every page of the target in one write transaction
    except sqlite3.Error as exc:
        raise BackupError(f"Ripristino in {target} non riuscito: {exc}. Il database non è stato modificato.") from exc
    finally:
        dst.close()
        src.close()


def _copy_sqlite_into(file: Path, revision: str | None, engine: Engine, *, drop_existing: bool) -> None:
    """SQLite backup -> PostgreSQL: the same tables, every row, in one transaction.

    The target's schema is built by the migrations (so it records the head revision); the rows come from a copy
    of the backup brought to the head first, so that both have the same tables.
    """
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        source_path = file
        if revision != head_revision():  # bring a copy up to the head first: the tables must match
            source_path = Path(tmp) / "copia.sqlite3"
            shutil.copyfile(file, source_path)
            create_db_and_tables(make_engine(f"sqlite:///{source_path}"))
        source = make_engine(f"sqlite:///{source_path}")
        tables = SQLModel.metadata.sorted_tables  # parents before children
        try:
            with source.connect() as src, engine.begin() as dst:
                if drop_existing:
                    SQLModel.metadata.drop_all(dst)
                    dst.execute(text("DROP TABLE IF EXISTS alembic_version"))
                command.upgrade(alembic_config(dst), "head")  # inside this transaction: PostgreSQL DDL is transactional
                for table in tables:
                    rows = src.execute(select(table)).mappings()
                    while batch := rows.fetchmany(COPY_BATCH):
                        dst.execute(insert(table), [dict(r) for r in batch])
                for table in tables:  # ids were copied: move each sequence past the highest one
                    pk = list(table.primary_key.columns)
                    if len(pk) == 1 and pk[0].autoincrement in (True, "auto") and pk[0].type.python_type is int:
                        dst.execute(
                            text(
                                f"SELECT setval(pg_get_serial_sequence(:t, :c), "
                                f"coalesce((SELECT max({pk[0].name}) FROM \"{table.name}\"), 0) + 1, false)"
                            ),
                            {"t": f'"{table.name}"', "c": pk[0].name},
                        )
        finally:
            source.dispose()


# --- PostgreSQL -------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    """Newest Debian build of a PostgreSQL client tool (it can dump older servers), else the one on PATH."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(Path(p).parts[-3]))
    tool = found[-1] if found else shutil.which(name)
    if not tool:
        raise BackupError(
            f"{name} non trovato: installare il client di PostgreSQL "
            "(su Debian/Ubuntu: apt-get install postgresql-client)."
        )
    return tool


def _libpq(parsed: URL) -> str:
    """libpq URI without the password (that goes in PGPASSWORD: never on a command line)."""
    return parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run(cmd: list[str], parsed: URL, what: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    try:
        done = subprocess.run(cmd, env=env, input=stdin, capture_output=True, timeout=TOOL_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        raise BackupError(f"{what} non ha finito entro {TOOL_TIMEOUT_S} s: interrotto.") from exc
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip()[-800:]
        raise BackupError(f"{what} non riuscito ({_safe(parsed)}): {detail}")
    return done


def _pg_restore(file: Path, parsed: URL, *, drop_existing: bool) -> None:
    """pg_restore writes the SQL; psql runs it in one transaction with our checks around it."""
    script = _run(
        [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(file)], parsed, "pg_restore"
    ).stdout
    before = b""
    if drop_existing:  # our tables only: whatever else lives in that database is not ours to drop
        ours = [t.name for t in SQLModel.metadata.sorted_tables] + ["alembic_version"]
        names = ", ".join(f'public."{name}"' for name in ours)
        before = f"DROP TABLE IF EXISTS {names} CASCADE;\n".encode()
    known = ", ".join(f"'{r}'" for r in sorted(known_revisions()))
    # the revision's query is planned only when the table exists: a backup from before Alembic has none
    check = (
        f"\nDO $$ BEGIN IF (SELECT version FROM public.schemainfo WHERE id = 1) > {SCHEMA_VERSION} THEN "
        "RAISE EXCEPTION 'PDZ_SCHEMA_PIU_RECENTE'; END IF; "
        "IF to_regclass('public.alembic_version') IS NOT NULL THEN "
        f"IF EXISTS (SELECT 1 FROM public.alembic_version WHERE version_num NOT IN ({known})) THEN "
        "RAISE EXCEPTION 'PDZ_SCHEMA_PIU_RECENTE'; END IF; END IF; END $$;\n"
    ).encode()
    try:
        _run(
            [
                _pg_tool("psql"),
                "--no-psqlrc",
                "--quiet",
                "--single-transaction",
                "-v",
                "ON_ERROR_STOP=1",
                "--dbname",
                _libpq(parsed),
                "--file=-",
            ],
            parsed,
            "Ripristino (psql)",
            stdin=before + script + check,
        )
    except BackupError as exc:
        if "PDZ_SCHEMA_PIU_RECENTE" in str(exc):
            raise RestoreRefused(_newer_message(None)) from None
        if 'relation "public.schemainfo" does not exist' in str(exc):
            raise RestoreRefused(f"Il file {file} non è un backup di questa applicazione: nessuna modifica.") from None
        raise BackupError(f"{exc}\nIl ripristino è stato annullato: il database non è stato modificato.") from None


# --- shared -----------------------------------------------------------------------------------


def _backup_kind(file: Path) -> str:
    with file.open("rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "pg_dump"
    raise RestoreRefused(f"Il file {file} non è un backup: né un database SQLite né un pg_dump (formato custom).")


def _safety_copy_path(url: str) -> Path:
    path = default_backup_path(url)
    return path.with_name(path.name.replace("pdz-", "prima-del-ripristino-", 1))


def _safe(parsed: URL) -> str:
    return parsed.render_as_string(hide_password=True)


def _newer_message(found: str | None) -> str:
    which = found or "schema più recente"
    return (
        f"Il backup è stato creato da una versione più recente dell'applicazione ({which}, questa versione "
        f"arriva alla revisione {head_revision()}): aggiornare l'applicazione prima di ripristinarlo. "
        "Nessuna modifica."
    )

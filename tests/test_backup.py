"""Backup and restore on both databases: every record comes back, audit trail included; nothing is overwritten
by mistake; a file that is not a usable backup is refused without touching the target."""

from __future__ import annotations

import os
import random
import subprocess
from datetime import datetime

import pytest
from sqlalchemy import inspect
from sqlmodel import Session, select

from models import backup as backup_module
from models.backup import BackupError, RestoreRefused, backup, restore
from models.db import SCHEMA_VERSION, create_db_and_tables, data_change_counter, make_engine, session_scope
from models.reports import save_report
from models.review import review_report
from models.tables import AuditEntry, Report, SchemaInfo
from tests.cli_helpers import cli_env, run_cli
from tests.conftest import ROOT
from tests.test_concurrency import OFFICE, TODAY, form_for, report_keys, save_once, seed_entry_database
from tests.test_fault import all_rows

pytestmark = pytest.mark.both_databases  # its SQL runs on SQLite and on PostgreSQL (tests/conftest.py)


@pytest.fixture(autouse=True)
def backups_in_tmp(tmp_path, monkeypatch):
    """Safety copies of forced restores into PostgreSQL go to the test's folder, not to instance/backups
    (for SQLite they go beside the database file, already in the test's folder)."""
    monkeypatch.setattr(backup_module, "BACKUP_DIR", tmp_path / "backups")


def populated(url: str, marker: str = "dati") -> str:
    """A database with the plan, users, saved and approved reports, and their audit trail."""
    seed_entry_database(url)
    engine = make_engine(url)
    try:
        keys = report_keys(url)
        for n, key in enumerate(keys[:3]):
            assert save_once(engine, key, f"{marker}-{n}", n + 1, random.Random(n), worker=0).status == "accepted"
        data = form_for(engine, keys[0], f"{marker}-inviato", 7, random.Random(9))
        data.users_not_relevant, data.resource_adequacy = True, "adeguato"
        data.need_answered, data.need_reason, data.proposed_again, data.proposed_reason = True, "sì", False, "no"
        with session_scope(engine) as s:
            sent = save_report(data, actor=OFFICE, session=s, submit=True, today=TODAY)
        with session_scope(engine) as s:  # approval stores a JSON snapshot: a column type worth restoring
            review_report(*keys[0], "approve", actor=OFFICE, session=s, expected_version=sent.version)
        with Session(engine) as s:
            assert len(s.exec(select(AuditEntry)).all()) > 20
    finally:
        engine.dispose()
    return url


def rows(url: str) -> dict[str, list[tuple]]:
    """Every row but the data-change counter's (a restore moves it past any value seen: see below)."""
    engine = make_engine(url)
    try:
        dump = all_rows(engine)
        dump.pop("datachange")
        return dump
    finally:
        engine.dispose()


def counter(url: str) -> int:
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            return data_change_counter(s)
    finally:
        engine.dispose()


def test_restore_into_an_empty_database_finds_every_record(new_empty_database, tmp_path):
    source = populated(new_empty_database())
    file = backup(source, tmp_path / "pdz.backup")
    target = new_empty_database()

    result = restore(target, file)

    assert rows(target) == rows(source)
    assert result.rows["auditentry"] > 20 and result.rows["report"] == 3 and result.safety_copy is None
    engine = make_engine(target)  # the restored database takes new saves: ids and sequences carry on
    assert save_once(engine, report_keys(target)[3], "nuovo", 9, random.Random(3), worker=1).status == "accepted"
    engine.dispose()


def test_non_empty_target_refused_unless_forced_and_then_a_safety_copy_is_kept(new_empty_database, tmp_path):
    source = populated(new_empty_database(), marker="backup")
    file = backup(source, tmp_path / "pdz.backup")
    target = populated(new_empty_database(), marker="vecchio")
    old = rows(target)

    with pytest.raises(RestoreRefused, match="contiene già .* FORCE=1"):
        restore(target, file)
    assert rows(target) == old

    seen = counter(target)
    result = restore(target, file, force=True)
    assert rows(target) == rows(source)
    # the running app's caches are keyed on the counter: the restored data get a value never seen before
    assert counter(target) > max(seen, counter(source))
    assert result.safety_copy is not None and result.safety_copy.parent == tmp_path / "backups"
    elsewhere = new_empty_database()
    restore(elsewhere, result.safety_copy)
    assert rows(elsewhere) == old


def test_backup_never_overwrites_a_file(new_empty_database, tmp_path):
    source = populated(new_empty_database())
    (tmp_path / "esiste").write_text("altro")
    with pytest.raises(BackupError, match="esiste già"):
        backup(source, tmp_path / "esiste")
    assert (tmp_path / "esiste").read_text() == "altro"


@pytest.mark.parametrize(
    "content", [b"not a backup at all", b"SQLite format 3\x00" + b"\x00" * 200], ids=["random-bytes", "broken-sqlite"]
)
def test_a_file_that_is_not_a_backup_is_refused_and_changes_nothing(new_empty_database, tmp_path, content):
    target = populated(new_empty_database())
    old = rows(target)
    bad = tmp_path / "finto.backup"
    bad.write_bytes(content)
    with pytest.raises(BackupError):
        restore(target, bad, force=True)
    assert rows(target) == old


def _refused_as_newer_and_nothing_written(source: str, target: str, tmp_path) -> None:
    """A backup of `source` (made by a newer version) is refused on restore, and `target` stays empty."""
    file = backup(source, tmp_path / "futuro.backup")
    with pytest.raises(RestoreRefused, match="versione più recente"):
        restore(target, file)
    engine = make_engine(target)
    assert inspect(engine).get_table_names() == []
    engine.dispose()


def test_backup_of_a_newer_version_is_refused(new_empty_database, tmp_path):
    source = populated(new_empty_database())
    engine = make_engine(source)
    with session_scope(engine) as s:
        s.get(SchemaInfo, 1).version = SCHEMA_VERSION + 1
    engine.dispose()
    _refused_as_newer_and_nothing_written(source, new_empty_database(), tmp_path)


@pytest.mark.postgres
def test_sqlite_backup_moves_an_ambito_to_postgresql(new_empty_database, tmp_path):
    source = populated(new_empty_database(on="sqlite"))
    file = backup(source, tmp_path / "pdz.sqlite3")
    target = new_empty_database()

    restore(target, file)

    def normal(dump):  # SQLite keeps no time zone: compare instants as naive UTC
        return {
            t: [tuple(v.replace(tzinfo=None) if isinstance(v, datetime) else v for v in r) for r in rs]
            for t, rs in dump.items()
        }

    assert normal(rows(target)) == normal(rows(source))
    engine = make_engine(target)
    assert save_once(engine, report_keys(target)[3], "nuovo", 9, random.Random(3), worker=1).status == "accepted"
    with Session(engine) as s:
        assert s.exec(select(Report).where(Report.critical_issues == "nuovo")).one().id == 4
    engine.dispose()


def test_postgresql_backup_is_not_restored_into_sqlite(tmp_path):
    file = tmp_path / "pg.dump"
    file.write_bytes(b"PGDMP\x01\x0e\x00")
    with pytest.raises(RestoreRefused, match="solo in un database PostgreSQL"):
        restore(f"sqlite:///{tmp_path / 'x.sqlite3'}", file)


def cli(*args: str, url: str) -> subprocess.CompletedProcess:
    return run_cli(cli_env(PDZ_DATABASE_URL=url), *args, timeout=300)


def test_command_line_backup_and_restore(new_empty_database, backend, tmp_path):
    source = populated(new_empty_database())
    out = tmp_path / "cli.backup"
    done = cli("backup", "--out", str(out), url=source)
    assert done.returncode == 0 and "Backup salvato" in done.stdout, done.stderr
    size = out.stat().st_size
    assert f"({size:,} byte)".replace(",", ".") in done.stdout  # Italian grouping, as every figure
    target = populated(new_empty_database(), marker="vecchio")
    if backend == "postgresql":  # the safety copy of a forced restore would go to instance/backups
        target = new_empty_database()

    if backend == "sqlite":
        refused = cli("restore", "--file", str(out), url=target)
        assert refused.returncode == 1 and "ERRORE" in refused.stderr and "FORCE=1" in refused.stderr
        assert "Traceback" not in refused.stderr

    done = cli("restore", "--file", str(out), *(["--force"] if backend == "sqlite" else []), url=target)
    assert done.returncode == 0, done.stderr
    assert "Ripristino completato" in done.stdout and "registro delle modifiche" in done.stdout
    assert rows(target) == rows(source)


def test_make_backup_and_restore(tmp_path):
    """The Makefile's targets, on SQLite (the commands are the same for PostgreSQL)."""
    source = populated(f"sqlite:///{tmp_path / 'sorgente.sqlite3'}")
    target = f"sqlite:///{tmp_path / 'destinazione.sqlite3'}"
    env = {**os.environ, "PDZ_DATABASE_URL": source}
    out = tmp_path / "make.backup"
    done = subprocess.run(
        ["make", "-s", "backup", f"OUT={out}"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    env["PDZ_DATABASE_URL"] = target
    done = subprocess.run(
        ["make", "-s", "restore", f"FILE={out}"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert rows(target) == rows(source)
    again = subprocess.run(
        ["make", "-s", "restore", f"FILE={out}"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert again.returncode != 0 and "FORCE=1" in again.stderr
    done = subprocess.run(
        ["make", "-s", "restore", f"FILE={out}", "FORCE=1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr


BASELINE_BACKUP = ROOT / "tests" / "fixtures" / "backup-baseline.backup"  # `make backup` at the baseline, demo data


def backup_counts(file) -> dict[str, int]:
    import sqlite3

    conn = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names if n != "alembic_version"}
    finally:
        conn.close()


@pytest.mark.parametrize("made", ["baseline", "before-alembic"])
def test_backup_of_an_earlier_revision_is_restored_and_brought_to_head(new_empty_database, tmp_path, made):
    """The stored backup was taken at the baseline revision; without its alembic_version table it is a backup of
    the old home-made runner. Either way every row comes back and the database ends at the head revision."""
    import shutil
    import sqlite3

    from models.migrate import current_revision, head_revision

    file = tmp_path / "vecchio.backup"
    shutil.copyfile(BASELINE_BACKUP, file)
    if made == "before-alembic":
        conn = sqlite3.connect(file)
        conn.execute("DROP TABLE alembic_version")
        conn.commit()
        conn.close()
    expected = backup_counts(file)
    assert expected["report"] > 0
    target = new_empty_database()
    result = restore(target, file)
    assert {t: n for t, n in result.rows.items() if t in expected} == expected
    engine = make_engine(target)
    try:
        with engine.connect() as conn:
            assert current_revision(conn) == head_revision()
    finally:
        engine.dispose()


def test_backup_of_a_newer_revision_is_refused(new_empty_database, tmp_path):
    from sqlalchemy import text

    source = new_empty_database()
    engine = make_engine(source)
    create_db_and_tables(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    engine.dispose()
    _refused_as_newer_and_nothing_written(source, new_empty_database(), tmp_path)


def test_native_backup_made_before_alembic_is_restored_and_adopted(new_empty_database, tmp_path):
    """A backup in the database's own format (pg_dump on PostgreSQL) of the old runner: no alembic_version."""
    from sqlalchemy import text

    from models.migrate import current_revision, head_revision
    from tests.test_migrations import columns_of, dump, load_baseline_data

    source = new_empty_database()
    engine = make_engine(source)
    try:
        load_baseline_data(engine)
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))
        columns, before = columns_of(engine), dump(engine)
    finally:
        engine.dispose()
    file = backup(source, tmp_path / "prima.backup")
    target = new_empty_database()
    restore(target, file)
    engine = make_engine(target)
    try:
        got, want = dump(engine, columns), dict(before)
        assert got.pop("datachange")[0][1] == want.pop("datachange")[0][1] + 1  # moved past any value seen
        assert got == want
        with engine.connect() as conn:
            assert current_revision(conn) == head_revision()
    finally:
        engine.dispose()

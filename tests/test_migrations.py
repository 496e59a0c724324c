"""Alembic migrations on both databases: the revisions build exactly the models' schema, upgrade a filled
database without losing a row, adopt a database of the old home-made runner, refuse one from a newer version,
and are safe when several processes start on the same fresh database together."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, insert, inspect, select, text
from sqlmodel import SQLModel

from models.db import SCHEMA_VERSION, DatabaseError, create_db_and_tables, make_engine
from models.migrate import BASELINE, BASELINE_TABLES, current_revision, head_revision, upgrade
from tests.conftest import ROOT

pytestmark = pytest.mark.both_databases  # Alembic on SQLite (batch mode) and on PostgreSQL

# `make backup` of a database at the baseline revision holding the small plan and demo data (models.demo.generate,
# 2024-I to 2025-I): it stays at the baseline while revisions are added, so it tests every upgrade from there.
BASELINE_BACKUP = ROOT / "tests" / "fixtures" / "backup-baseline.backup"


def differences(engine) -> list:
    """What Alembic's autogenerate would write to bring the database to the models: nothing, when they match."""
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)


def revision(engine) -> str | None:
    with engine.connect() as conn:
        return current_revision(conn)


def load_baseline_data(engine) -> None:
    """The baseline schema built by its revision, and the rows of the baseline backup copied in with plain
    SQL on reflected tables: the models (the head's) are not used, so this holds whatever the head becomes."""
    upgrade(engine, BASELINE)
    source = create_engine(f"sqlite:///file:{BASELINE_BACKUP}?mode=ro&uri=true")  # never written
    try:
        src_meta, dst_meta = MetaData(), MetaData()
        src_meta.reflect(source)
        dst_meta.reflect(engine)
        with source.connect() as src, engine.begin() as dst:
            for table in src_meta.sorted_tables:
                if table.name != "alembic_version":
                    rows = [dict(r) for r in src.execute(select(table)).mappings()]
                    if rows:
                        dst.execute(insert(dst_meta.tables[table.name]), rows)
    finally:
        source.dispose()


def dump(engine, columns: dict[str, list[str]] | None = None) -> dict[str, list[tuple]]:
    """Every row of every table (reflected), or only the given tables and columns, in primary-key order."""
    meta = MetaData()
    meta.reflect(engine)
    out = {}
    for table in meta.sorted_tables:
        if table.name == "alembic_version" or (columns is not None and table.name not in columns):
            continue
        cols = [table.c[n] for n in columns[table.name]] if columns else list(table.c)
        with engine.connect() as conn:
            out[table.name] = [tuple(r) for r in conn.execute(select(*cols).order_by(*table.primary_key.columns))]
    return out


def columns_of(engine) -> dict[str, list[str]]:
    inspector = inspect(engine)
    return {t: [c["name"] for c in inspector.get_columns(t)] for t in inspector.get_table_names()}


@pytest.fixture
def engine_of(request):
    engines = []

    def make(url: str):
        engines.append(make_engine(url))
        return engines[-1]

    yield make
    for e in engines:
        e.dispose()


def test_the_revisions_build_the_models_schema(empty_database_url, engine_of):
    engine = engine_of(empty_database_url)
    create_db_and_tables(engine)
    assert differences(engine) == []
    assert revision(engine) == head_revision()
    create_db_and_tables(engine)  # idempotent
    assert revision(engine) == head_revision()


def test_a_database_filled_at_the_baseline_is_upgraded_without_losing_anything(empty_database_url, engine_of):
    engine = engine_of(empty_database_url)
    load_baseline_data(engine)
    assert revision(engine) == BASELINE
    columns, before = columns_of(engine), dump(engine)
    assert sum(map(len, before.values())) > 100 and before["report"] and before["indicatorvalue"]
    create_db_and_tables(engine)
    assert revision(engine) == head_revision()
    assert dump(engine, columns) == before  # the baseline's columns keep every value
    assert differences(engine) == []


def test_a_database_of_the_old_runner_is_adopted(empty_database_url, engine_of):
    """As the home-made runner left it: the baseline's tables, schemainfo at version 1, no alembic_version."""
    engine = engine_of(empty_database_url)
    load_baseline_data(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    columns, before = columns_of(engine), dump(engine)
    create_db_and_tables(engine)
    assert revision(engine) == head_revision()
    assert dump(engine, columns) == before
    assert differences(engine) == []


def test_a_database_of_the_old_runner_without_its_tables_is_refused(empty_database_url, engine_of):
    engine = engine_of(empty_database_url)
    SQLModel.metadata.tables["schemainfo"].create(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO schemainfo (id, version, updated_at) VALUES (1, 1, CURRENT_TIMESTAMP)"))
    with pytest.raises(DatabaseError, match="non ha lo schema atteso"):
        create_db_and_tables(engine)
    assert set(inspect(engine).get_table_names()) == {"schemainfo"}


def test_a_database_of_the_old_runner_with_other_columns_is_refused(empty_database_url, engine_of):
    engine = engine_of(empty_database_url)
    upgrade(engine, BASELINE)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(text("INSERT INTO schemainfo (id, version, updated_at) VALUES (1, 1, CURRENT_TIMESTAMP)"))
        conn.execute(text("ALTER TABLE semester ADD COLUMN extra INTEGER"))
    with pytest.raises(DatabaseError, match="colonne diverse nelle tabelle semester"):
        create_db_and_tables(engine)
    assert "alembic_version" not in inspect(engine).get_table_names()


def test_a_database_migrated_by_a_newer_version_is_refused(empty_database_url, engine_of):
    engine = engine_of(empty_database_url)
    create_db_and_tables(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(DatabaseError, match="versione più recente .* aggiornare l'applicazione"):
        create_db_and_tables(engine)


def test_several_processes_starting_together_migrate_once(empty_database_url):
    """Four processes (not threads: Alembic keeps its migration context in module globals, one per process)
    start on the same empty database at the same moment; each waits for a shared start time."""
    start_at = time.time() + 3  # every process has imported the app by then
    script = (
        "import sys, time\n"
        "from models.db import create_db_and_tables, make_engine\n"
        "engine = make_engine(sys.argv[1])\n"
        "time.sleep(max(0.0, float(sys.argv[2]) - time.time()))\n"
        "create_db_and_tables(engine)\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, empty_database_url, str(start_at)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outcomes = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [err[-2000:] for _out, err in outcomes]
    engine = make_engine(empty_database_url)
    try:
        assert differences(engine) == []
        assert revision(engine) == head_revision()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
            assert conn.execute(text("SELECT count(*), max(version) FROM schemainfo")).one() == (1, SCHEMA_VERSION)
            assert conn.execute(text("SELECT count(*) FROM datachange")).scalar() == 1
    finally:
        engine.dispose()


def test_baseline_tables_are_the_baseline_revision_s(tmp_path, engine_of):
    """The list the adoption checks is the one the baseline creates."""
    engine = engine_of(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    upgrade(engine, BASELINE)
    assert set(inspect(engine).get_table_names()) - {"alembic_version"} == set(BASELINE_TABLES)


def test_new_revision_command_needs_a_message(capsys):
    from models.cli import main

    assert main(["migration"]) == 2
    assert "make migration MSG=" in capsys.readouterr().err

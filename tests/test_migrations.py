"""Alembic migrations on both databases: the revisions build exactly the models' schema, upgrade a filled
database without losing a row, adopt a database of the old home-made runner, refuse one from a newer version,
and are safe when several processes start on the same fresh database together."""

from __future__ import annotations

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from models import demo
from models.db import SCHEMA_VERSION, DatabaseError, create_db_and_tables, make_engine, session_scope
from models.migrate import BASELINE, BASELINE_TABLES, current_revision, head_revision, upgrade
from models.plan_loader import load_plan, read_plan
from tests.conftest import SMALL_PLAN
from tests.test_fault import all_rows

SEMESTERS = [(2024, 1), (2024, 2), (2025, 1)]


def differences(engine) -> list:
    """What Alembic's autogenerate would write to bring the database to the models: nothing, when they match."""
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)


def revision(engine) -> str | None:
    with engine.connect() as conn:
        return current_revision(conn)


def fill_with_demo_data(engine) -> None:
    """Plan, first administrator and generated reports. The ORM is the head's: while a later revision leaves the
    tables it fills alike, it also writes a database at the baseline (else fill that one with plain SQL)."""
    from models.users import bootstrap_admin

    with session_scope(engine) as s:
        load_plan(s, read_plan(SMALL_PLAN))
        bootstrap_admin(s)
    with session_scope(engine) as s:
        demo.generate(s, seed=demo.DEMO_SEED, semesters=SEMESTERS)


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
    upgrade(engine, BASELINE)
    assert revision(engine) == BASELINE
    with engine.begin() as conn:  # the fixed rows create_db_and_tables adds after its upgrade
        conn.execute(text("INSERT INTO datachange (id, counter, at) VALUES (1, 0, CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO schemainfo (id, version, updated_at) VALUES (1, 1, CURRENT_TIMESTAMP)"))
    fill_with_demo_data(engine)
    before = all_rows(engine)
    assert sum(map(len, before.values())) > 100 and before["report"] and before["auditentry"]
    create_db_and_tables(engine)
    assert revision(engine) == head_revision()
    assert all_rows(engine) == before
    assert differences(engine) == []


def test_a_database_of_the_old_runner_is_adopted(empty_database_url, engine_of):
    """Created as the home-made runner did (create_all and schemainfo at version 1, no alembic_version)."""
    engine = engine_of(empty_database_url)
    SQLModel.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO datachange (id, counter, at) VALUES (1, 0, CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO schemainfo (id, version, updated_at) VALUES (1, 1, CURRENT_TIMESTAMP)"))
    fill_with_demo_data(engine)
    before = all_rows(engine)
    assert "alembic_version" not in inspect(engine).get_table_names()
    create_db_and_tables(engine)
    assert revision(engine) == head_revision()
    assert all_rows(engine) == before
    assert differences(engine) == []


def test_a_database_of_the_old_runner_without_its_tables_is_refused(empty_database_url, engine_of):
    engine = engine_of(empty_database_url)
    SQLModel.metadata.tables["schemainfo"].create(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO schemainfo (id, version, updated_at) VALUES (1, 1, CURRENT_TIMESTAMP)"))
    with pytest.raises(DatabaseError, match="non ha lo schema atteso"):
        create_db_and_tables(engine)
    assert set(inspect(engine).get_table_names()) == {"schemainfo"}


def test_a_database_migrated_by_a_newer_version_is_refused(empty_database_url, engine_of):
    engine = engine_of(empty_database_url)
    create_db_and_tables(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(DatabaseError, match="versione più recente .* aggiornare l'applicazione"):
        create_db_and_tables(engine)


def test_several_processes_starting_together_migrate_once(empty_database_url):
    """Each worker has its own engine (its own connections and lock file handle), as separate processes do."""
    workers, barrier, errors = 4, threading.Barrier(4), []

    def start() -> None:
        engine = make_engine(empty_database_url)
        try:
            barrier.wait()
            create_db_and_tables(engine)
        except Exception as exc:  # noqa: BLE001 (collected, asserted below)
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=start) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
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

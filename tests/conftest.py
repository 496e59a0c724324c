"""Shared fixtures: every test gets a fresh database; bcrypt is cheap here (cost 4).

A test marked `both_databases` (a module's `pytestmark`) that uses a database fixture runs twice: on SQLite and on
PostgreSQL (a throwaway cluster, or the server PDZ_TEST_DATABASE names; see tests/pg.py). The domain and data-entry
modules, the Cruscotto's, the reports' and the import's SQL are marked. `--db sqlite` or
`--db postgresql` runs one side only. When no PostgreSQL can be started, its tests are skipped with the reason.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import sys
from pathlib import Path

import pytest

os.environ["PDZ_BCRYPT_ROUNDS"] = "4"
os.environ.setdefault("PDZ_COOKIE_KEY", secrets.token_urlsafe(48))

from models.db import create_db_and_tables, make_engine, session_scope
from models.plan_loader import load_plan
from models.plan_yaml import read_plan

ROOT = Path(__file__).resolve().parents[1]
SMALL_PLAN = ROOT / "tests" / "fixtures" / "plan_small"
REAL_PLAN = ROOT / "data" / "plan"


BACKENDS = ("sqlite", "postgresql")


def pytest_addoption(parser):
    parser.addoption(
        "--db",
        choices=(*BACKENDS, "both"),
        default=os.environ.get("PDZ_TEST_DB", "both"),
        help="database(s) for the tests marked both_databases (default both; env PDZ_TEST_DB)",
    )


def pytest_generate_tests(metafunc):
    if "backend" not in metafunc.fixturenames or metafunc.definition.get_closest_marker("both_databases") is None:
        return
    chosen = metafunc.config.getoption("--db")
    backends = ("postgresql",) if metafunc.definition.get_closest_marker("postgres") else BACKENDS
    params = [
        pytest.param(b, marks=[pytest.mark.postgres] if b == "postgresql" else [])
        for b in backends
        if chosen in (b, "both")
    ]
    metafunc.parametrize("backend", params, indirect=True)


@pytest.fixture(autouse=True)
def _restore_main_module():
    """AppTest runs a script as sys.modules['__main__'] and leaves it there; a later 'spawn' child would then
    re-run app.py on start-up (multiprocessing re-imports the parent's __main__). Put the real one back."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture
def backend(request) -> str:
    """'sqlite' or 'postgresql': the database under test (SQLite for a test not marked both_databases)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def pg_databases():
    """A PostgreSQL server for the tests: PDZ_TEST_DATABASE, or a throwaway cluster for this session."""
    from tests.pg import ENV_URL, Databases, PostgresUnavailable, start_cluster

    cluster = None
    try:
        admin_url = os.environ.get(ENV_URL)
        if not admin_url:
            cluster = start_cluster()
            admin_url = cluster.url
        databases = Databases(admin_url)
    except (PostgresUnavailable, OSError, ImportError) as exc:
        pytest.skip(f"PostgreSQL non disponibile: {exc}")
    except Exception as exc:  # noqa: BLE001 (a server that does not answer, wrong credentials, ...: skip)
        pytest.skip(f"PostgreSQL non disponibile ({ENV_URL}): {exc}")
    try:
        yield databases
    finally:
        databases.close()
        if cluster is not None:
            cluster.stop()


PLAN_FIXTURES = {"small_plan": SMALL_PLAN, "real_plan": REAL_PLAN}


def _plan_of(request) -> str | None:
    """Which plan the test's database starts with: the plan fixture it uses (small_plan, real_plan), if any."""
    wanted = [name for name in PLAN_FIXTURES if name in request.fixturenames]
    assert len(wanted) <= 1, f"a test uses one plan fixture, not {wanted}"
    return wanted[0] if wanted else None


def _fill(engine, plan: str | None) -> None:
    """What every test's database holds at the start: the schema (Alembic), and the plan when asked."""
    create_db_and_tables(engine)
    if plan is not None:
        with session_scope(engine) as session:
            load_plan(session, read_plan(PLAN_FIXTURES[plan]))


@pytest.fixture(scope="session")
def sqlite_templates():
    """Per starting content, an in-memory SQLite database built once (schema, plan) and copied into each test's
    own with SQLite's backup API: a millisecond instead of the migrations and the plan's load every time."""
    built: dict[str | None, sqlite3.Connection] = {}

    def template(plan: str | None) -> sqlite3.Connection:
        if plan not in built:
            eng = make_engine("sqlite://")
            _fill(eng, plan)
            raw = eng.raw_connection()
            built[plan] = sqlite3.connect(":memory:", check_same_thread=False)
            raw.driver_connection.backup(built[plan])
            raw.close()
            eng.dispose()
        return built[plan]

    yield template
    for conn in built.values():
        conn.close()


@pytest.fixture(scope="session")
def pg_templates(pg_databases):
    """Per starting content, the name of a PostgreSQL database built once (schema, plan): each test's database
    is a clone of it (CREATE DATABASE … TEMPLATE) instead of being migrated and loaded again."""
    from sqlalchemy.engine import make_url

    built: dict[str | None, str] = {}

    def template(plan: str | None) -> str:
        if plan not in built:
            url = pg_databases.create()
            eng = make_engine(url)
            _fill(eng, plan)
            eng.dispose()
            built[plan] = str(make_url(url).database)
        return built[plan]

    return template


@pytest.fixture
def new_empty_database(backend, request, tmp_path):
    """Factory: each call returns the URL of a new, empty database (no tables) on the backend under test:
    a file for SQLite, a new database on PostgreSQL (dropped after the test)."""
    count = iter(range(1, 1000))

    def create(on: str | None = None) -> str:
        if (on or backend) == "sqlite":
            return f"sqlite:///{tmp_path / f'pdz-test-{next(count)}.sqlite3'}"
        databases = request.getfixturevalue("pg_databases")
        url = databases.create()
        request.addfinalizer(lambda: databases.drop(url))
        return url

    return create


@pytest.fixture
def empty_database_url(new_empty_database) -> str:
    """URL of a new, empty database (no tables) on the backend under test."""
    return new_empty_database()


@pytest.fixture
def engine(backend, request):
    """A fresh database with the schema, and the plan of the test's plan fixture (small_plan, real_plan): in
    memory for SQLite, a clone of a template built once per session for that content (both backends)."""
    plan = _plan_of(request)
    if backend == "sqlite":
        eng = make_engine("sqlite://")
        raw = eng.raw_connection()
        request.getfixturevalue("sqlite_templates")(plan).backup(raw.driver_connection)
        raw.close()
    else:
        databases = request.getfixturevalue("pg_databases")
        url = databases.clone(request.getfixturevalue("pg_templates")(plan))
        request.addfinalizer(lambda: databases.drop(url))
        eng = make_engine(url)
    yield eng
    eng.dispose()


@pytest.fixture
def small_plan(engine):
    """A fresh database holding the small synthetic plan (the engine fixture starts from it); the engine."""
    return engine


@pytest.fixture(scope="session")
def real_plan_data():
    return read_plan(REAL_PLAN)


@pytest.fixture
def real_plan(engine):
    """A fresh database holding the real plan (the engine fixture starts from it); the engine."""
    return engine

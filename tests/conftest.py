"""Shared fixtures: every test gets a fresh database; bcrypt is cheap here (cost 4).

The modules in BOTH_DATABASES run each test that uses a database fixture twice: on SQLite and on PostgreSQL
(a throwaway cluster, or the server PDZ_TEST_DATABASE names; see tests/pg.py). `--db sqlite` or
`--db postgresql` runs one side only. When no PostgreSQL can be started, its tests are skipped with the reason.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import pytest

os.environ["PDZ_BCRYPT_ROUNDS"] = "4"
os.environ.setdefault("PDZ_COOKIE_KEY", secrets.token_urlsafe(48))

from models.db import create_db_and_tables, make_engine, session_scope
from models.plan_loader import load_plan, read_plan

ROOT = Path(__file__).resolve().parents[1]
SMALL_PLAN = ROOT / "tests" / "fixtures" / "plan_small"
REAL_PLAN = ROOT / "data" / "plan"


# Domain and data-entry tests, run on both databases.
BOTH_DATABASES = frozenset(
    {
        "test_reports.py",
        "test_review.py",
        "test_plan_loader.py",
        "test_db.py",
        "test_db_errors.py",
        "test_concurrency.py",
        "test_fault.py",
        "test_backup.py",
        "test_budget_origin.py",
        "test_login_lockout.py",
        "test_one_rule.py",
        "test_migrations.py",
    }
)  # the action counts' SQL (correlated COUNTs) on both
BACKENDS = ("sqlite", "postgresql")


def pytest_addoption(parser):
    parser.addoption(
        "--db",
        choices=(*BACKENDS, "both"),
        default=os.environ.get("PDZ_TEST_DB", "both"),
        help="database(s) for the tests in BOTH_DATABASES (default both; env PDZ_TEST_DB)",
    )


def pytest_generate_tests(metafunc):
    if "backend" not in metafunc.fixturenames or Path(metafunc.definition.fspath).name not in BOTH_DATABASES:
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
    """'sqlite' or 'postgresql': the database under test (SQLite outside BOTH_DATABASES)."""
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
        if cluster is not None:
            cluster.stop()


@pytest.fixture(scope="session")
def pg_template(pg_databases) -> str:
    """Name of a database holding the empty schema: cloned for every test instead of created again."""
    from sqlalchemy.engine import make_url

    url = pg_databases.create()
    eng = make_engine(url)
    create_db_and_tables(eng)
    eng.dispose()
    return make_url(url).database


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
    """A fresh database with the schema: in memory for SQLite, a clone of the template on PostgreSQL."""
    if backend == "sqlite":
        eng = make_engine("sqlite://")
    else:
        databases = request.getfixturevalue("pg_databases")
        url = databases.create(template=request.getfixturevalue("pg_template"))
        request.addfinalizer(lambda: databases.drop(url))
        eng = make_engine(url)
    create_db_and_tables(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def small_plan(engine):
    """The small synthetic plan loaded into a fresh database; returns the engine."""
    with session_scope(engine) as session:
        load_plan(session, read_plan(SMALL_PLAN))
    return engine


@pytest.fixture(scope="session")
def real_plan_data():
    return read_plan(REAL_PLAN)


@pytest.fixture
def real_plan(engine, real_plan_data):
    with session_scope(engine) as session:
        load_plan(session, real_plan_data)
    return engine

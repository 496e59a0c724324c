"""Shared fixtures: every test gets a fresh database; bcrypt is cheap here (cost 4)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest

os.environ["PDZ_BCRYPT_ROUNDS"] = "4"
os.environ.setdefault("PDZ_COOKIE_KEY", secrets.token_urlsafe(48))

from models.db import create_db_and_tables, make_engine, session_scope  # noqa: E402
from models.plan_loader import load_plan, read_plan  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SMALL_PLAN = ROOT / "tests" / "fixtures" / "plan_small"
REAL_PLAN = ROOT / "data" / "plan"


@pytest.fixture
def engine():
    eng = make_engine("sqlite://")
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

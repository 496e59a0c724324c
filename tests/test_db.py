"""The database created from nothing, the schema version check, the engine from configuration."""

import pytest
from sqlalchemy import inspect
from sqlmodel import Session

from models.db import SCHEMA_VERSION, DatabaseError, create_db_and_tables, make_engine
from models.tables import SchemaInfo

pytestmark = pytest.mark.both_databases  # its SQL runs on SQLite and on PostgreSQL (tests/conftest.py)


def test_database_created_from_nothing(tmp_path):
    path = tmp_path / "sub" / "pdz.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    create_db_and_tables(engine)
    assert path.exists()
    names = set(inspect(engine).get_table_names())
    for table in (
        "plan",
        "macroarea",
        "objective",
        "action",
        "indicator",
        "indicatortarget",
        "subarea",
        "semester",
        "report",
        "actionstatus",
        "indicatorvalue",
        "subareavalue",
        "spend",
        "budgetline",
        "user",
        "userarea",
        "auditentry",
        "historicaloutcome",
    ):
        assert table in names
    create_db_and_tables(engine)  # idempotent
    with Session(engine) as s:
        assert s.get(SchemaInfo, 1).version == SCHEMA_VERSION


def test_database_from_newer_version_is_refused(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    create_db_and_tables(engine)
    with Session(engine) as s:
        s.get(SchemaInfo, 1).version = SCHEMA_VERSION + 1
        s.commit()
    with pytest.raises(DatabaseError, match="versione più recente"):
        create_db_and_tables(engine)


def test_unreachable_database_gives_clear_message(tmp_path):
    with pytest.raises(DatabaseError, match="Impossibile creare la cartella"):
        make_engine("sqlite:////proc/nonexistent/x.db")

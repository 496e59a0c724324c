"""The Region simulation (tests/bench/region.py, `make bench-region`) kept honest without running it: two Ambiti in
two schemas of one PostgreSQL database, built and copied as the simulation does, stay apart, and the measurement
returns figures."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from models.db import make_engine
from models.tables import DataChange, Plan, Report
from tests.bench import region
from tests.conftest import REAL_PLAN
from tests.pg import admin_execute, find_bindir

pytestmark = pytest.mark.postgres


def _state(url: str, objective_id: int, semester_id: int) -> tuple[str, int, str | None, int]:
    """(Ambito name, data-change counter, the report's critical issues, its version) of one schema."""
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            plan = s.exec(select(Plan)).one()
            counter = s.get(DataChange, 1)
            rep = s.exec(
                select(Report).where(Report.objective_id == objective_id, Report.semester_id == semester_id)
            ).one()
            assert counter is not None
            return plan.ambito, counter.counter, rep.critical_issues, rep.version
    finally:
        engine.dispose()


def test_two_ambiti_in_two_schemas_stay_apart(pg_databases):
    url = pg_databases.create()
    try:
        bindir = find_bindir()
        assert bindir is not None
        admin_execute(url, "CREATE SCHEMA modello_1")
        region.build_ambito(
            region.schema_url(url, "modello_1"), plan_dir=REAL_PLAN, seed=7, semesters=region.SEMESTERS[:1]
        )
        dump = region.dump_schema(url, "modello_1", bindir)
        admin_execute(url, "DROP SCHEMA modello_1 CASCADE")
        for name in ("ambito_01", "ambito_02"):
            region.copy_schema(url, dump, "modello_1", name, bindir)
        one, two = region.schema_url(url, "ambito_01"), region.schema_url(url, "ambito_02")
        # the app's start-up wrote into the schema the URL names, never into public
        assert region.scalar(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 0
        assert region.scalar(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'ambito_02'") > 30

        engine = make_engine(one)
        try:
            target = region.save_target(engine)
        finally:
            engine.dispose()
        before_two = _state(two, target.objective_id, target.semester_id)
        saves, cruscotto, first = region.measure_ambito(one, reps=2)

        assert len(saves) == len(cruscotto) == 2 and min(saves + cruscotto) > 0 and first > 0
        after_one = _state(one, target.objective_id, target.semester_id)
        assert after_one[0] == "ambito_01" and after_one[2] == "Nota di prova 2"
        assert after_one[1] > before_two[1]  # saves and bumps moved ambito_01's counter...
        assert _state(two, target.objective_id, target.semester_id) == before_two  # ...and nothing in ambito_02
        assert before_two[0] == "ambito_02"
    finally:
        pg_databases.drop(url)

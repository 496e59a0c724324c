"""The Cruscotto's counts and sums read report, spend and objective through covering indexes (revision 0005), so the
first visitor after a save does not wait for a walk over the rows of every report (SQLite's query plan, which
does not depend on the amount of data without ANALYZE; the benchmark measures the time)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event
from sqlmodel import col, select

from models import dashboard, demo
from models.db import session_scope
from models.tables import Semester

SEMS = [(2025, 1), (2025, 2), (2026, 1)]
# A plan step that reads a table's rows beyond an index: a full scan, or a search through an index that does
# not hold every column the query needs (SQLite names the index COVERING when it does).
ROW_READS = re.compile(r"^(SCAN|SEARCH) (report|spend|objective)\b(?! USING (COVERING INDEX|INTEGER PRIMARY KEY))")


def plan_steps(engine, read) -> list[str]:
    """Every step of SQLite's plan of every query that `read(session)` runs."""
    statements: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _executemany):
        statements.append((statement, parameters))

    with session_scope(engine) as s:
        event.listen(engine, "before_cursor_execute", record)
        try:
            read(s)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        steps = []
        for statement, parameters in statements:
            plan = s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            steps += [row[3] for row in plan]
    return steps


@pytest.mark.parametrize("read", ["semester_summary", "source_rows", "trend"])
def test_the_cruscotto_reads_reports_and_spend_from_indexes_only(real_plan, read):
    with session_scope(real_plan) as s:
        demo.generate(s, seed=3, semesters=SEMS)
    with session_scope(real_plan) as s:
        semester_id = s.exec(select(Semester.id).order_by(col(Semester.year).desc(), col(Semester.half).desc())).first()
    steps = plan_steps(
        real_plan, lambda s: getattr(dashboard, read)(session=s, semester_id=semester_id, include_submitted=False)
    )
    assert any("COVERING INDEX ix_report_" in step for step in steps)
    assert [step for step in steps if ROW_READS.match(step)] == []

"""Successive plans in one database (issue 20): loading the next plan (2028-2030) from a workbook leaves the
first plan's records, semesters, reports and history untouched; every figure of a semester is of its plan;
closing a plan writes its final results as the next plan's history page; objectives carried over link to
their predecessor and the objective's trend follows the link."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import MetaData
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from models import dashboard, plan_browser, plans
from models.db import create_db_and_tables, make_engine, session_scope
from models.errors import InputRefused
from models.permissions import Actor, PermissionDenied
from models.plan_closing import close_plan, link_predecessor
from models.plan_export import export_plan_xlsx
from models.plan_import import apply_plan_import, check_plan_import
from models.plan_loader import load_plan
from models.plan_sheets import PREDECESSOR
from models.plan_yaml import read_plan
from models.report_tables import annual_content
from models.reports import ReportInput, ReportLocked, save_report
from models.semesters import open_semester
from models.tables import Action, HistoricalOutcome, MacroArea, Objective, Semester, User, pk
from models.validation import FieldError
from tests.conftest import SMALL_PLAN
from tests.report_helpers import add_report
from tests.test_migrations import load_baseline_data

pytestmark = pytest.mark.both_databases  # the plan scoping is SQL: SQLite and PostgreSQL

OFFICE = Actor(1, "uff", "ufficio_di_piano", name="Ufficio")
LEAD = Actor(2, "refa", "referente", frozenset({"A"}))
SHIFT = 3  # 2025-2027 -> 2028-2030


@pytest.fixture
def no_yaml(tmp_path):
    folder = tmp_path / "piano-vuoto"
    folder.mkdir()
    return folder


@pytest.fixture
def first_plan(small_plan):
    """The small plan 2025-2027 with 2025-I closed (A.1 approved at 2/4, A.2 approved at 100 %), 2025-II open."""
    with session_scope(small_plan) as s:
        s.add(User(id=1, username="uff", name="Ufficio", role="ufficio_di_piano", password_hash="x"))
        first = Semester(year=2025, half=1, state="chiuso", deadline=date(2025, 7, 31))
        second = Semester(year=2025, half=2, state="aperto", deadline=date(2026, 1, 31))
        s.add_all([first, second])
        s.flush()
        ids = {o.code: pk(o) for o in s.exec(select(Objective))}
        add_report(
            s,
            objective_id=ids["A.1"],
            semester_id=pk(first),
            done=2,
            planned=4,
            state="approvata",
            users_assessment="Utenti soddisfatti",
            resource_adequacy="adeguato",
            critical_issues="Pochi operatori",
            need_answered=True,
            proposed_again=True,
            proposed_reason="Continua",
        )
        n = max(1, len(s.exec(select(Action.id).where(Action.objective_id == ids["A.2"])).all()))
        add_report(s, objective_id=ids["A.2"], semester_id=pk(first), done=n, planned=n, state="approvata")
    return small_plan


def next_plan_workbook(engine, predecessors: dict[str, str] | None = None) -> bytes:
    """The first plan exported, moved three years on (title, years, targets, annual budgets), with the
    Obiettivo precedente column filled as given (objective code -> code in the first plan)."""
    with Session(engine) as s:
        wb = load_workbook(io.BytesIO(export_plan_xlsx(session=s)))
    for row in wb["Piano"].iter_rows(min_row=2):
        if row[0].value in ("Primo anno", "Ultimo anno"):
            row[1].value = int(row[1].value) + SHIFT
        elif row[0].value == "Titolo del piano":
            row[1].value = "Piano di Zona di prova 2028-2030"
    for sheet in ("Target", "Budget"):
        ws = wb[sheet]
        col = [c.value for c in ws[1]].index("Anno")
        for row in ws.iter_rows(min_row=2):
            if row[col].value is not None:
                row[col].value = int(row[col].value) + SHIFT
    ws = wb["Obiettivi"]
    headers = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        code = row[headers.index("Obiettivo")].value
        row[headers.index(PREDECESSOR)].value = (predecessors or {}).get(code)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def hashable(value):
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value


def every_row(engine) -> dict[str, set[tuple]]:
    """Every row of every table (ids included), as sets: what was there before must be there, unchanged."""
    meta = MetaData()
    meta.reflect(engine)
    skip = {"alembic_version", "datachange", "auditentry", "schemainfo"}
    with engine.connect() as conn:
        return {
            t.name: {tuple(hashable(v) for v in r) for r in conn.execute(sa_select(t))}
            for t in meta.sorted_tables
            if t.name not in skip
        }


def load_next(engine, no_yaml, predecessors: dict[str, str] | None = None):
    with session_scope(engine) as s:
        apply_plan_import(next_plan_workbook(engine, predecessors), actor=OFFICE, session=s, plan_dir=no_yaml)


def semester_id(engine, year: int, half: int) -> int:
    with Session(engine) as s:
        return pk(s.exec(select(Semester).where(Semester.year == year, Semester.half == half)).one())


def figures(engine, semester: int) -> tuple:
    with Session(engine) as s:
        params = {"session": s, "semester_id": semester, "include_submitted": True}
        return (
            dashboard.semester_summary(**params),
            dashboard.objective_rows(**params),
            dashboard.source_rows(**params),
            dashboard.trend(**params),
        )


def annual_report(engine, year: int) -> tuple:
    """The annual report's tables and header (all but the time it was generated)."""
    with Session(engine) as s:
        content = annual_content(s, year, True)
        return content.tables, content.esiti, content.funds, content.ctx.plan, content.ctx.ambito, content.ctx.budget


def test_loading_a_second_plan_keeps_the_first_plan_s_records_reports_and_history(first_plan, no_yaml):
    before = every_row(first_plan)
    sem = semester_id(first_plan, 2025, 1)
    shown, report = figures(first_plan, sem), annual_report(first_plan, 2025)
    with Session(first_plan) as s:
        preview = check_plan_import(next_plan_workbook(first_plan), actor=OFFICE, session=s, plan_dir=no_yaml)
    assert preview.ok and preview.created[0].startswith("nuovo piano 2028-2030"), preview.created[:3]
    assert not preview.retired and not preview.changed  # nothing of the first plan would change
    load_next(first_plan, no_yaml)
    after = every_row(first_plan)
    for table, rows in before.items():
        assert rows <= after[table], f"{table}: rows of the first plan changed or went"
    assert after["plan"] - before["plan"] and after["objective"] - before["objective"]
    assert after["historicaloutcome"] == before["historicaloutcome"]
    assert figures(first_plan, sem) == shown  # the Cruscotto of the first plan's semester reads the same
    assert annual_report(first_plan, 2025) == report  # and so does its annual report
    with Session(first_plan) as s:
        listed = plans.list_plans(session=s)
        assert [p.years for p in listed] == ["2025-2027", "2028-2030"]
        assert plans.current_plan(session=s).years == "2025-2027"  # in progress until it is closed
        second = listed[1].id
        codes = sorted(o.code for o in s.exec(select(Objective).where(*plans.objectives_of(second))))
        assert codes == ["A.0", "A.1", "A.2", "B.1"]  # codes repeat across plans
        assert plan_browser.plan_tree(session=s, plan_id=second).areas[0].letter == "A"


def test_a_semester_of_the_second_plan_counts_only_its_objectives(first_plan, no_yaml):
    load_next(first_plan, no_yaml)
    with session_scope(first_plan) as s:
        second = plans.list_plans(session=s)[1].id
        s.add(Semester(year=2028, half=1))
    sem = semester_id(first_plan, 2028, 1)
    summary, rows, _sources, trend = figures(first_plan, sem)
    with Session(first_plan) as s:
        ours = set(s.exec(select(Objective.id).where(*plans.objectives_of(second))))
        assert {r.id for r in rows} <= ours and len(rows) == 3  # A.1, A.2, B.1 of 2028-2030
        assert summary.objectives == 3 and summary.tally.done == 0
        assert {a.letter for a in summary.areas} == {a.letter for a in s.exec(select(MacroArea))}
        assert len(summary.areas) == len(set(s.exec(select(MacroArea.id).where(MacroArea.plan_id == second))))
        assert {p.semester for p in trend} == {"I semestre 2028"}  # no semester of the first plan


def test_overlapping_years_are_refused(first_plan, no_yaml):
    data = next_plan_workbook(first_plan)
    wb = load_workbook(io.BytesIO(data))
    for row in wb["Piano"].iter_rows(min_row=2):
        if row[0].value == "Primo anno":
            row[1].value = 2027
    out = io.BytesIO()
    wb.save(out)
    with Session(first_plan) as s:
        preview = check_plan_import(out.getvalue(), actor=OFFICE, session=s, plan_dir=no_yaml)
    assert not preview.ok and "si sovrappongono a quelli del piano 2025-2027" in str(preview.problems[0])


def test_closing_a_plan_writes_the_next_plan_s_history_page(first_plan, no_yaml):
    load_next(first_plan, no_yaml)
    with session_scope(first_plan) as s:
        first, second = (p.id for p in plans.list_plans(session=s))
        with pytest.raises(PermissionDenied):
            close_plan(first, actor=LEAD, session=s)
        with pytest.raises(InputRefused, match="ancora aperto il II semestre 2025"):
            close_plan(first, actor=OFFICE, session=s)
        open_one = s.exec(select(Semester).where(Semester.state == "aperto")).one()
        open_one.state = "chiuso"
    with session_scope(first_plan) as s:
        assert close_plan(first, actor=OFFICE, session=s) == 3
    with Session(first_plan) as s:
        assert plans.current_plan(session=s).years == "2028-2030"
        assert plans.plan_by_id(first, session=s).closed
        old = plan_browser.history_outcomes(session=s, plan_id=first)
        assert len(old) == 1  # the document's 2021-2023 outcome stays on the first plan's page
        page = plan_browser.history_outcomes(session=s, plan_id=second)
        # 2025-II is the last semester: no report there, so the grid's fields are not stated
        assert [o.objective.split(" – ")[0] for o in page] == ["A.1", "A.2", "B.1"]
        assert plan_browser.history_page(session=s, plan_id=second).title == "Piano 2025-2027"
        with pytest.raises(InputRefused, match="già chiuso"):
            close_plan(first, actor=OFFICE, session=s)


def test_final_results_are_the_last_semester_s_figures_and_wait_for_the_next_plan(first_plan, no_yaml):
    with session_scope(first_plan) as s:
        s.exec(select(Semester).where(Semester.half == 2)).one().state = "chiuso"
        s.delete(s.exec(select(Semester).where(Semester.half == 2)).one())
    with session_scope(first_plan) as s:
        first = plans.list_plans(session=s)[0].id
        assert close_plan(first, actor=OFFICE, session=s) == 3
        waiting = s.exec(select(HistoricalOutcome).where(HistoricalOutcome.closed_plan_id == first)).all()
        assert waiting and all(h.plan_id is None for h in waiting)  # no next plan yet
        by_code = {h.objective.split(" – ")[0]: h for h in waiting}
        a1 = by_code["A.1"]
        assert (a1.band, a1.achievement_range, a1.resource_adequacy) == ("sufficiente", "50-79%", "adeguato")
        assert (a1.users_assessment, a1.critical_issues, a1.need_answered, a1.proposed_again) == (
            "Utenti soddisfatti",
            "Pochi operatori",
            True,
            True,
        )
        assert by_code["A.2"].band == "ottimo" and by_code["B.1"].band is None  # B.1: no report
    load_next(first_plan, no_yaml)
    with Session(first_plan) as s:
        second = plans.list_plans(session=s)[1].id
        page = plan_browser.history_outcomes(session=s, plan_id=second)
        assert len(page) == 3 and plan_browser.history_band_counts(session=s, plan_id=second)["ottimo"] == 1


def test_a_predecessor_named_in_the_workbook_is_checked_and_followed_by_the_trend(first_plan, no_yaml):
    with Session(first_plan) as s:
        preview = check_plan_import(
            next_plan_workbook(first_plan, {"A.1": "Z.9"}), actor=OFFICE, session=s, plan_dir=no_yaml
        )
    assert not preview.ok
    assert str(preview.problems[0]).startswith("Obiettivi!G"), preview.problems
    assert "«Z.9» non è un obiettivo del piano precedente (2025-2027)" in str(preview.problems[0])
    load_next(first_plan, no_yaml, {"A.1": "A.1"})
    with session_scope(first_plan) as s:
        first, second = (p.id for p in plans.list_plans(session=s))
        old_a1 = s.exec(select(Objective.id).where(Objective.code == "A.1", *plans.objectives_of(first))).one()
        new_a1 = s.exec(select(Objective).where(Objective.code == "A.1", *plans.objectives_of(second))).one()
        assert new_a1.predecessor_id == old_a1
        sem = Semester(year=2028, half=1)
        s.add(sem)
        s.flush()
        add_report(s, objective_id=pk(new_a1), semester_id=pk(sem), done=4, planned=4, state="approvata")
        trend = dashboard.objective_trend(
            session=s, objective_id=pk(new_a1), semester_id=pk(sem), include_submitted=False
        )
        assert [(p.semester, p.code, p.band, p.own) for p in trend] == [
            ("I semestre 2025", "A.1", "sufficiente", False),
            ("I semestre 2028", "A.1", "ottimo", True),
        ]
        assert plans.lineage(s, pk(new_a1)) == [pk(new_a1), old_a1]


def test_link_predecessor_is_for_the_office_and_only_to_the_previous_plan(first_plan, no_yaml):
    load_next(first_plan, no_yaml)
    with session_scope(first_plan) as s:
        first, second = (p.id for p in plans.list_plans(session=s))
        new_b1 = s.exec(select(Objective.id).where(Objective.code == "B.1", *plans.objectives_of(second))).one()
        old_b1 = s.exec(select(Objective.id).where(Objective.code == "B.1", *plans.objectives_of(first))).one()
        with pytest.raises(PermissionDenied):
            link_predecessor(new_b1, old_b1, actor=LEAD, session=s)
        with pytest.raises(InputRefused, match="del piano precedente"):
            link_predecessor(new_b1, new_b1, actor=OFFICE, session=s)
        with pytest.raises(InputRefused, match="non c'è un piano precedente"):
            link_predecessor(old_b1, old_b1, actor=OFFICE, session=s)
        link_predecessor(new_b1, old_b1, actor=OFFICE, session=s)
        assert s.get(Objective, new_b1).predecessor_id == old_b1


def test_new_semesters_and_reports_stay_within_their_plan(first_plan, no_yaml):
    load_next(first_plan, no_yaml)
    with session_scope(first_plan) as s:
        with pytest.raises(FieldError, match="fuori dal periodo del piano"):
            open_semester(2028, 1, None, actor=OFFICE, session=s, confirmed=True)  # 2025-2027 still in progress
        old_a1 = s.exec(
            select(Objective.id).where(Objective.code == "A.1", *plans.objectives_of(plans.list_plans(session=s)[0].id))
        ).one()
        later = Semester(year=2028, half=1)
        s.add(later)
        s.flush()
        with pytest.raises(ReportLocked, match="Obiettivo di un altro piano"):
            save_report(ReportInput(old_a1, pk(later), None), actor=OFFICE, session=s, today=date(2028, 3, 1))


def test_the_yaml_plan_reloaded_at_start_leaves_the_next_plan_alone(first_plan):
    """With the plan's YAML files in PDZ_PLAN_DIR, a workbook of other years is the next plan: imported, and
    every start's reload of the files updates only their own plan."""
    with session_scope(first_plan) as s:
        apply_plan_import(next_plan_workbook(first_plan), actor=OFFICE, session=s, plan_dir=SMALL_PLAN)
    before = every_row(first_plan)
    with session_scope(first_plan) as s:
        assert not load_plan(s, read_plan(SMALL_PLAN)).changed
    assert every_row(first_plan) == before
    with Session(first_plan) as s, pytest.raises(InputRefused, match="PDZ_PLAN_DIR"):
        check_plan_import(export_plan_xlsx(session=s), actor=OFFICE, session=s, plan_dir=SMALL_PLAN)  # same years


def test_closing_is_refused_while_reports_wait_for_review(first_plan):
    with session_scope(first_plan) as s:
        first = plans.list_plans(session=s)[0].id
        later = s.exec(select(Semester).where(Semester.half == 2)).one()
        b1 = s.exec(select(Objective.id).where(Objective.code == "B.1")).one()
        add_report(s, objective_id=b1, semester_id=pk(later), done=0, planned=2, state="inviata")
        later.state = "chiuso"  # closed with a reason: the sent report was never reviewed
        s.flush()
        with pytest.raises(InputRefused, match="1 report aspettano la revisione"):
            close_plan(first, actor=OFFICE, session=s)


def test_the_migration_gives_the_existing_outcomes_to_the_existing_plan(empty_database_url):
    """A database filled at the baseline (one plan, its 2021-2023 outcomes) upgraded to the head: the outcomes
    are the plan's history page, and the plan is in progress."""
    engine = make_engine(empty_database_url)
    try:
        load_baseline_data(engine)
        create_db_and_tables(engine)
        with Session(engine) as s:
            (plan,) = plans.list_plans(session=s)
            assert plan.state == "in_corso" and not plan.closed
            outcomes = s.exec(select(HistoricalOutcome)).all()
            assert outcomes and {h.plan_id for h in outcomes} == {plan.id}
            assert len(plan_browser.history_outcomes(session=s)) == len(outcomes)
    finally:
        engine.dispose()

"""Targets and budgets carry their origin wherever they are shown: "fissato dall'Ufficio di Piano" with who and
when for a value set in Impostazione, never the indicator's document line as if the document said it."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from models import plan_browser, plan_export, report_export
from models.db import session_scope
from models.permissions import Actor
from models.plan_setup import objective_setup, set_budget, set_target
from models.provenance import NOT_RECORDED
from models.tables import Indicator, IndicatorTarget, Semester, User
from tests.apptest_helpers import app_env, logged_in, prepared

ANNA = Actor(1, "anna", "ufficio_di_piano", name="Anna Rossi")
MEETINGS = "N. di incontri della cabina di regia"  # small plan, A.1, document line 120


def today() -> str:
    return datetime.now(ZoneInfo("Europe/Rome")).strftime("%d/%m/%Y")


@pytest.fixture
def db(small_plan):
    with session_scope(small_plan) as s:
        s.add(
            User(
                id=1,
                username="anna",
                name="Anna Rossi",
                role="ufficio_di_piano",
                password_hash="x",
                must_change_password=False,
            )
        )
        s.add(Semester(year=2025, half=1))
    return small_plan


def _ids(engine) -> tuple[int, int]:
    with Session(engine) as s:
        ind = s.exec(select(Indicator).where(Indicator.text == MEETINGS)).one()
        return ind.id, ind.objective_id


def test_a_target_set_by_the_office_says_who_and_when_everywhere(db):
    ind, obj = _ids(db)
    with session_scope(db) as s:
        set_target(ind, 2025, "", "12", actor=ANNA, session=s)
    origin = f"fissato dall'Ufficio di Piano (Anna Rossi, {today()})"
    with Session(db) as s:
        setup = objective_setup(obj, 2025, session=s)
        tree = plan_browser.plan_tree(session=s, area="A")
        plan_xlsx = plan_export.export_plan_xlsx(session=s)
        sem = s.exec(select(Semester)).one().id
        report_xlsx = report_export.semester_report_xlsx(sem, actor=None, session=s)
    assert next(i for i in setup["indicators"] if i["id"] == ind)["target_origin"] == origin  # Impostazione
    view = next(i for o in tree.areas[0].cards[0].objectives for i in o.indicators if i.text == MEETINGS)
    assert view.target_label == f"2025: 12 ({origin})" and view.line == 120  # Il Piano
    rows = list(load_workbook(io.BytesIO(plan_xlsx))["Indicatori"].iter_rows(values_only=True))
    header = rows[0]
    target = next(r for r in rows if r[3] == MEETINGS)[header.index("Target")]
    assert target == f"2025: 12 ({origin})"  # plan export
    ws = load_workbook(io.BytesIO(report_xlsx))["Indicatori"]
    table = [r for r in ws.iter_rows(values_only=True) if r and r[0] is not None]
    header = next(r for r in table if r[0] == "Area")
    row = next(r for r in table if r[3] == MEETINGS)
    assert row[header.index("Origine del target")] == f"2025: {origin}"  # semester report


def test_a_target_with_no_recorded_origin_never_borrows_the_indicators_line(db):
    ind, _ = _ids(db)
    with session_scope(db) as s:
        s.add(IndicatorTarget(indicator_id=ind, year=2026, target=5))
    with Session(db) as s:
        view = next(
            i
            for o in plan_browser.plan_tree(session=s, area="A").areas[0].cards[0].objectives
            for i in o.indicators
            if i.text == MEETINGS
        )
    assert view.target_label == f"2026: 5 ({NOT_RECORDED})" and "riga" not in view.target_label


def test_a_budget_set_by_the_office_says_who_and_when(db):
    _, obj = _ids(db)
    with session_scope(db) as s:
        set_budget(obj, 2026, "FSR", "7.500,50", actor=ANNA, session=s)
    with Session(db) as s:
        card = plan_browser.plan_tree(session=s, area="A").areas[0].cards[0]
        setup = objective_setup(obj, 2026, session=s)
        rows = list(
            load_workbook(io.BytesIO(plan_export.export_plan_xlsx(session=s)))["Budget"].iter_rows(values_only=True)
        )
    office = next(b for b in card.budget if b.origin == "ufficio")
    origin = f"fissato dall'Ufficio di Piano (Anna Rossi, {today()})"
    assert office.origin_label == origin and office.amount_label == "7.500,50 €"
    assert next(b for b in card.budget if b.origin == "piano").origin_label == "riga 140 del documento"
    assert next(b for b in setup["budget"] if b["origin"] == "ufficio")["origin_label"] == origin
    year, where = rows[0].index("Anno"), rows[0].index("Origine")
    assert next(r for r in rows if r[year] == 2026)[where] == origin


def test_impostazione_shows_the_origin_after_a_set_and_il_piano_too(tmp_path):
    with app_env(tmp_path / "app.sqlite3") as engine:
        prepared(engine)
        at = logged_in("uff", "pages/impostazione.py")
        assert not at.exception, at.exception
        ind, _ = _ids(engine)
        at.text_input(key=f"t{ind}_2025").input("12")
        next(b for b in at.button if b.key == f"st{ind}_2025").click().run()
        assert not at.exception, at.exception
        origin = f"fissato dall'Ufficio di Piano (UFF, {today()})"
        unescaped = [c.value.replace("\\", "") for c in at.caption]  # md_escape: \( \) in the markdown source
        assert f"Target 2025: {origin}" in unescaped, unescaped
        at.switch_page("pages/piano.py").run()
        assert not at.exception, at.exception
        shown = " ".join(m.value for m in at.markdown).replace("\\", "")
        assert f"target 2025: 12 ({origin})" in shown and "riga 120 del documento" in shown


def test_the_cruscotto_indicator_chart_names_the_targets_origin(db):
    from models import charts, dashboard

    ind, obj = _ids(db)
    with session_scope(db) as s:
        set_target(ind, 2025, "", "12", actor=ANNA, session=s)
    with Session(db) as s:
        sem = s.exec(select(Semester)).one().id
        series = next(
            x
            for x in dashboard.objective_indicators(
                session=s, objective_id=obj, semester_id=sem, include_submitted=False
            )
            if x.id == ind
        )
    assert series.target_origins == {2025: f"fissato dall'Ufficio di Piano (Anna Rossi, {today()})"}
    fig = charts.indicator_chart(series, "I semestre 2025")
    target = next(t for t in fig.data if t.name == "Target dell'anno")
    assert list(target.customdata) == [series.target_origins[2025]]


def test_the_entry_template_notes_the_targets_origin_without_a_new_column(db):
    from models import entry_template

    ind, _ = _ids(db)
    with session_scope(db) as s:
        set_target(ind, 2025, "", "12", actor=ANNA, session=s)
        sem = s.exec(select(Semester)).one().id
        content = entry_template.build_template(sem, ["A"], actor=ANNA, session=s)
    ws = load_workbook(io.BytesIO(content))["Indicatori"]
    header = [c.value for c in ws[1]]
    assert "Origine del target" not in header  # templates already handed out keep importing
    row = next(r for r in ws.iter_rows(min_row=2) if r[header.index("id indicatore")].value == ind)
    cell = row[header.index("Target")]
    assert (
        cell.value == 12 and cell.comment.text == f"Target 2025: fissato dall'Ufficio di Piano (Anna Rossi, {today()})"
    )

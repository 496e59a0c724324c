"""Issue 14 §3: budget lines are what the document says they are (past example, forecast, planned), only the
planned ones are the plan's budget; a budget with no amount is "da definire", never 0 €."""

from datetime import date

import pytest
from sqlmodel import Session, select

from models import dashboard, dashboard_results, plan_browser, queries
from models.budget_rules import BudgetKind
from models.db import session_scope
from models.formatting import BUDGET_TO_DEFINE, budget_euro, euro, euro_cents, percent
from models.plan_setup import set_budget
from models.tables import BudgetLine, BudgetLineKind, Objective, Report, Semester, Spend, User
from tests.test_reports import OFFICE

pytestmark = pytest.mark.both_databases  # its SQL runs on SQLite and on PostgreSQL (tests/conftest.py)

# Card A.4 (seed 003): line 1181 "A titolo di esempio, l'importo relativo all'ultimo biennio è di circa",
# then the seven amounts 1183-1195 and the two "info da Vivi" placeholders 1197, 1199; line 1203
# "Brevisione [previsione] sul prossimo biennio", then 1204-1206.
EXAMPLE_LINES = {
    1183: 124838.00,
    1185: 99870.89,
    1187: 83623.43,
    1189: 286000.00,
    1191: 36000.00,
    1193: 60000.00,
    1195: 105012.00,
    1197: None,
    1199: None,
}
FORECAST_LINES = {1204: None, 1205: 50000.00, 1206: 190000.00}
# Budget lines with an amount elsewhere, all stated as the card's planned resources with no qualifier:
# B.4 lines 1403-1405, G.4 lines 1933-1937 (checked by reading the document: no "circa", "esempio", "previsione").
PLANNED_AMOUNTS = {"B": 415000 + 85000 + 595000, "G": 100000 + 50000 + 70000}


def _kinds(engine) -> dict[int, str]:
    with Session(engine) as s:
        kinds = dict(s.exec(select(BudgetLineKind.budget_line_id, BudgetLineKind.kind)).all())
        return {
            b.line: kinds.get(b.id, BudgetKind.PREVENTIVATO)
            for b in s.exec(select(BudgetLine).where(BudgetLine.retired == False))
        }


def test_card_a_lines_keep_what_the_document_says(real_plan):
    kinds = _kinds(real_plan)
    assert sum(EXAMPLE_LINES[n] or 0 for n in EXAMPLE_LINES) == pytest.approx(795344.32)  # the figure
    assert {n: kinds[n] for n in EXAMPLE_LINES} == dict.fromkeys(EXAMPLE_LINES, BudgetKind.ESEMPIO_PASSATO)
    assert {n: kinds[n] for n in FORECAST_LINES} == dict.fromkeys(FORECAST_LINES, BudgetKind.PREVISIONE)
    others = {n: k for n, k in kinds.items() if n not in EXAMPLE_LINES and n not in FORECAST_LINES}
    assert set(others.values()) == {BudgetKind.PREVENTIVATO}, "one rule: only card A qualifies its amounts"


def test_card_a_examples_are_out_of_the_plan_budget_everywhere(real_plan):
    with Session(real_plan) as s:
        summary = {a["letter"]: a["budget"] for a in queries.area_summary(session=s)}
        tree = plan_browser.plan_tree(session=s, area="A")
    assert summary["A"] is None, "no planned amount in card A: to be defined, not 0 and not 795.344,32"
    assert summary["B"] == PLANNED_AMOUNTS["B"] and summary["G"] == PLANNED_AMOUNTS["G"]
    assert summary["E"] is None and summary["F"] is None
    card = tree.areas[0].cards[0]
    assert card.budget_total is None and len(card.budget_not_counted) == 12
    shown = {b.line: (b.kind_label, b.amount_label) for b in card.budget}
    assert shown[1189] == ("esempio biennio precedente", "circa 286.000,00 €")
    assert shown[1206] == ("previsione", "circa 190.000,00 €")
    assert budget_euro(card.budget_total) == BUDGET_TO_DEFINE


def _paid_in_area_a(engine, paid: float) -> int:
    """An approved report of A.1 with money paid in 2025 H1; returns the semester id."""
    with session_scope(engine) as s:
        s.add(
            User(
                id=OFFICE.user_id,
                username=OFFICE.username,
                name="Ufficio",
                role=OFFICE.role,
                password_hash="x",
                must_change_password=False,
            )
        )
        sem = Semester(year=2025, half=1, deadline=date(2025, 7, 31))
        s.add(sem)
        s.flush()
        obj = s.exec(select(Objective).where(Objective.code == "A.1")).one()
        report = Report(objective_id=obj.id, semester_id=sem.id, state="approvata")
        s.add(report)
        s.flush()
        s.add(Spend(report_id=report.id, source="ETEROFINANZIATO", committed=paid, paid=paid))
        return sem.id


def test_card_a_examples_are_out_of_every_spend_ratio_until_the_office_sets_a_budget(real_plan):
    sem = _paid_in_area_a(real_plan, 50000.0)
    with Session(real_plan) as s:
        area_a = next(
            r for r in dashboard.area_rows(session=s, semester_id=sem, include_submitted=False) if r.letter == "A"
        )
        objective = next(
            o
            for o in dashboard.area_objectives(session=s, semester_id=sem, include_submitted=False, area_letter="A")
            if o.code == "A.1"
        )
        source = {r.code: r for r in dashboard.source_rows(session=s, semester_id=sem, include_submitted=False)}
        total = dashboard.semester_summary(session=s, semester_id=sem, include_submitted=False).money
    assert area_a.money.paid == 50000 and area_a.money.budget == 0 and not area_a.money.budget_set
    assert area_a.money.ratio is None and area_a.money.planned is None
    assert objective.money.ratio is None and not objective.money.budget_set
    assert source["ETEROFINANZIATO"].money.budget == 0, "the examples were all eterofinanziati: none counted"
    # the spend is compared with the monitored period's budget (2025 H1: 1/6 of the plan's lines)
    assert total.budget == pytest.approx(sum(PLANNED_AMOUNTS.values()) / 6), "plan total: B and G only"

    with session_scope(real_plan) as s:
        a1 = s.exec(select(Objective).where(Objective.code == "A.1")).one().id
        set_budget(a1, 2025, "ETEROFINANZIATO", "200.000", actor=OFFICE, session=s)
    with Session(real_plan) as s:
        area_a = next(
            r for r in dashboard.area_rows(session=s, semester_id=sem, include_submitted=False) if r.letter == "A"
        )
    # an annual budget: half of it for the year's first semester
    assert area_a.money.budget == 100000 and area_a.money.budget_set
    assert area_a.money.ratio == pytest.approx(50.0), "the office's budget, not the document's examples"


def test_missing_budget_reads_to_be_defined_never_zero():
    assert budget_euro(None) == "da definire nel Piano Operativo Annuale"
    assert budget_euro(0.0) == "0,00 €", "a budget set to zero is zero"
    assert budget_euro(7500.5) == "7.500,50 €" and budget_euro(7500.49, cents=False) == "7.500 €"
    assert (
        dashboard_results.Money().planned is None
        and dashboard_results.Money(budget=10.0, budget_amounts=1).planned == 10.0
    )


def test_charts_label_a_missing_budget_to_be_defined():
    from models import charts

    single = charts.money_single(dashboard_results.Money(paid=10.0), "Budget e spesa", None)
    assert list(single.data[0].text)[0] == BUDGET_TO_DEFINE
    bars = charts.money_bars(
        [("A", dashboard_results.Money(paid=10.0)), ("B", dashboard_results.Money(budget=5.0, budget_amounts=1))],
        "Budget",
        "",
        None,
    )
    assert list(bars.data[0].text) == [BUDGET_TO_DEFINE, "5 €"]


def test_amount_helpers_show_cents_where_amounts_are_entered_or_compared():
    from models.formatting import amount_field

    assert euro_cents(7500.5) == "7.500,50 €" and euro(7500.5) == "7.501 €"  # tables vs tiles (half up, as Excel)
    assert amount_field(7500.5) == "7.500,50" and amount_field(None) == "" and amount_field(3.0) == "3,00"


def test_il_piano_and_panoramica_show_card_a_as_to_be_defined(tmp_path):
    """The screens: Il Piano lists card A's amounts with what they are and its budget as to be defined; the
    Panoramica's area table says "da definire" for A instead of 0 € (or 795.344,32 €)."""
    from models.startup import prepare_database
    from models.users import create_user
    from tests.apptest_helpers import PASSWORD, app_env, logged_in, shown_table
    from tests.conftest import REAL_PLAN

    with app_env(tmp_path / "app.sqlite3", REAL_PLAN) as engine:
        prepare_database(engine, REAL_PLAN)
        with session_scope(engine) as s:
            create_user(
                s,
                actor=None,
                username="uff",
                name="UFF",
                role="ufficio_di_piano",
                areas=[],
                password=PASSWORD,
                one_time=False,
            )
        at = logged_in("uff", "pages/piano.py")
        at.selectbox(key="piano_area").select("A").run()
        assert not at.exception, at.exception
        assert not any("Natura" in d.value.columns for d in at.dataframe), "a closed tab is not drawn"
        at.session_state["piano_scheda_A"] = "Budget"  # the card's Budget tab opened
        at.run()
        assert any(f"budget {BUDGET_TO_DEFINE}" in c.value for c in at.caption)
        table = next(d.value for d in at.dataframe if "Natura" in d.value.columns)
        kinds = dict(zip(table["Voce"], table["Natura"]))
        assert kinds["Cremona Include"] == "esempio biennio precedente" and kinds["Stazione di posta"] == "previsione"
        assert "0 €" not in " ".join(c.value for c in at.caption)
        at.switch_page("pages/home.py").run()
        home = next(shown_table(t) for t in at.table if "Budget" in t.value.columns)
        budgets = dict(zip(home["Area"], home["Budget"]))
        assert budgets["A"] == BUDGET_TO_DEFINE and budgets["B"] == "1.095.000,00 €"


def test_reloading_the_plan_keeps_and_updates_the_kinds(small_plan):
    """A kind written in the YAML later is applied on the next load; a second load changes nothing."""
    import copy

    from models.plan_loader import load_plan
    from models.plan_yaml import read_plan
    from tests.conftest import SMALL_PLAN

    data = read_plan(SMALL_PLAN)
    changed = copy.deepcopy(data)
    changed.cards[0]["budget"][0]["kind"] = BudgetKind.ESEMPIO_PASSATO  # "Progetto rete € 100.000", line 140
    with session_scope(small_plan) as s:
        load_plan(s, changed)
    assert _kinds(small_plan)[140] == BudgetKind.ESEMPIO_PASSATO
    with Session(small_plan) as s:
        area_a = next(a for a in queries.area_summary(session=s) if a["letter"] == "A")
    assert area_a["budget"] == 50000, "only the planned 50.000 of line 142 is left"
    with session_scope(small_plan) as s:
        assert not load_plan(s, changed).changed
    with session_scope(small_plan) as s:
        load_plan(s, data)  # back to preventivato
    assert _kinds(small_plan)[140] == BudgetKind.PREVENTIVATO


def test_cents_are_rounded_half_up_on_the_number_as_written():
    """91,95 € over six semesters is 15,325 €: 15,33 € on every screen, whichever order computed the float
    (15.324999... or 15.325000...1; binary rounding showed 15,32 € in the HTML and 15,33 € elsewhere)."""
    assert euro_cents(91.95 / 6) == euro_cents(91.95 * (1 / 6)) == euro_cents(15.325000000000001) == "15,33 €"
    assert euro(2.5) == "3 €" and euro(-2.5) == "-3 €" and percent(12.25) == "12,3 %"
    assert euro_cents(-0.004) == "0,00 €", "no minus sign on a zero"

"""The same figure on every screen: for every objective, the entry form's live band, the Cruscotto, the Revisione
table, the semester report (.xlsx, read back) and the annual report (.html, parsed) give the same achievement,
band, budget, committed, paid and spend class, and all equal a computation by hand from the generated data.

Property-based (Hypothesis): random small plans (objectives with 0..5 actions, some retired, random action
states, budgets of 0, missing or positive, spend empty, equal to the budget or above it) over one or two
semesters with reports in every state. Then the grid's edges through every screen, written out.
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from html.parser import HTMLParser
from unittest.mock import patch

import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from components.report_form import live_action_count
from models import dashboard, report_html
from models.db import create_db_and_tables, make_engine, session_scope
from models.entry_view import load_entry
from models.formatting import BUDGET_TO_DEFINE, budget_euro, euro_cents, percent
from models.permissions import Actor
from models.report_export import annual_report_html, semester_report_xlsx
from models.review import review_table
from models.tables import Action, ActionStatus, BudgetLine, Card, MacroArea, Objective, Plan, Report, Semester, Spend

OFFICE = Actor(1, "uff", "ufficio_di_piano")
YEAR = 2025
COUNTED = ("approvata", "inviata")  # every screen below counts approved and submitted reports
STATES = (None, "bozza", "inviata", "approvata", "da rivedere")
ACTION_STATES = (None, "non avviata", "in corso", "realizzata")
SOURCES = ("FNPS", "FSR")


# --- the data, as plain values ------------------------------------------------------------------


@dataclass
class ObjectiveSpec:
    actions: list[bool]  # retired?
    budget: list[float | None]  # budget lines' amounts (None: "da completare")
    reports: list[tuple[str | None, list[str | None], list[tuple[str, float, float]]]]  # per semester


@dataclass(frozen=True)
class Figures:
    achievement: float | None
    band: str
    budget: float
    committed: float
    paid: float
    ratio: float | None
    spend_class: str
    budget_set: bool = True  # False: no line with an amount, shown "da definire" (never 0 €) in the files


def by_hand(spec: ObjectiveSpec, upto: int) -> Figures:
    """Figures written out from the grid (DOMAIN.md), not by calling the code under test."""
    state, action_states, _ = spec.reports[upto]
    planned = sum(1 for retired in spec.actions if not retired)
    done = sum(1 for retired, s in zip(spec.actions, action_states) if not retired and s == "realizzata")
    achievement = None if planned == 0 else done * 100 / planned
    if achievement is None:
        band = "non calcolabile"
    elif achievement == 0:
        band = "nullo"
    else:
        whole = int(achievement)
        band = "insufficiente" if whole < 50 else "sufficiente" if whole < 80 else "buono" if whole < 100 else "ottimo"
    # Spend is compared with the budget of the period monitored (dashboard_sql.budget_period): the lines here are
    # for the whole plan, so its pro-rata share of the semesters monitored so far.
    # Exactly, as the rule states it (each amount as typed, its share, added), rounded to a float once: a float
    # sum first made 4,61 + 53,44 over one of six semesters 9,67499… (9,67 €) where the screens rightly say 9,68 €.
    budget = float(
        sum((Fraction(repr(a)) for a in spec.budget if a is not None), Fraction(0)) * (upto + 1) / PLAN_SEMESTERS
    )
    committed = sum(c for st_, _a, spend in spec.reports[: upto + 1] if st_ in COUNTED for _s, c, _p in spend)
    paid = sum(p for st_, _a, spend in spec.reports[: upto + 1] if st_ in COUNTED for _s, _c, p in spend)
    lines = sum(len(spend) for st_, _a, spend in spec.reports[: upto + 1] if st_ in COUNTED)
    ratio = round(paid * 100 / budget, 9) if budget and lines else None
    spend_class = (
        "nessun dato"
        if not lines  # no spend line counted: no data, not 0 %
        else "non calcolabile"
        if ratio is None
        else "non realizzato come programmato o sovrastimato"
        if ratio < 100
        else "ottimo"
        if ratio == 100
        else "sottostimato"
    )
    return Figures(
        achievement,
        band,
        budget,
        committed,
        paid,
        ratio,
        spend_class,
        budget_set=any(a is not None for a in spec.budget),
    )


PLAN_SEMESTERS = 6  # the test plan's three years


def build(specs: list[ObjectiveSpec], halves: int):
    """A fresh in-memory database holding exactly `specs`; returns (engine, semester ids, objective ids)."""
    engine = make_engine("sqlite://")
    create_db_and_tables(engine)
    with session_scope(engine) as s:
        plan = Plan(title="Piano di prova", ambito="Ambito di prova", first_year=YEAR, last_year=YEAR + 2)
        s.add(plan)
        s.flush()
        area = MacroArea(plan_id=plan.id, letter="A", title="Area di prova")
        s.add(area)
        s.flush()
        card = Card(plan_id=plan.id, area_id=area.id, code="A")
        s.add(card)
        s.flush()
        sems = [Semester(year=YEAR, half=h + 1) for h in range(halves)]
        s.add_all(sems)
        s.flush()
        objective_ids = []
        for n, spec in enumerate(specs):
            obj = Objective(
                card_id=card.id,
                area_id=area.id,
                code=f"A.{n + 1}",
                kind="specifico",
                text=f"Obiettivo {n + 1}",
                position=n,
            )
            s.add(obj)
            s.flush()
            objective_ids.append(obj.id)
            actions = [
                Action(objective_id=obj.id, text=f"Azione {i + 1}", position=i, retired=retired)
                for i, retired in enumerate(spec.actions)
            ]
            s.add_all(actions)
            s.add_all(
                BudgetLine(card_id=card.id, objective_id=obj.id, source=SOURCES[i % 2], amount=amount, origin="ufficio")
                for i, amount in enumerate(spec.budget)
            )
            s.flush()
            for sem, (state, action_states, spend) in zip(sems, spec.reports):
                if state is None:
                    continue
                report = Report(objective_id=obj.id, semester_id=sem.id, state=state)
                s.add(report)
                s.flush()
                s.add_all(
                    ActionStatus(report_id=report.id, action_id=a.id, state=a_state)
                    for a, a_state in zip(actions, action_states)
                    if a_state is not None
                )
                s.add_all(Spend(report_id=report.id, source=source, committed=c, paid=p) for source, c, p in spend)
        return engine, [x.id for x in sems], objective_ids


# --- every screen -------------------------------------------------------------------------------


class _Tables(HTMLParser):
    """Every <table> of a page as (caption, rows of cell texts)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[list[str], list[list[str]]]] = []
        self._cell: list[str] | None = None
        self._caption = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append(([], []))
        elif tag == "caption":
            self._caption = True
        elif tag == "tr" and self.tables:
            self.tables[-1][1].append([])
        elif tag in ("td", "th") and self.tables:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption":
            self._caption = False
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1][1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._caption:
            self.tables[-1][0].append(data)
        elif self._cell is not None:
            self._cell.append(data)


GRID = {
    "achievement": "Grado di raggiungimento",
    "band": "Fascia di raggiungimento",
    "budget": "Budget dell'obiettivo",
    "committed": "Impegnato",
    "paid": "Liquidato",
    "ratio": "Corrispondenza",
    "spend_class": "Classe di corrispondenza",
}


def _grid(rows, code: str, column: int) -> dict[str, object]:
    """One objective's Tabella Esiti values in the semester's column, by figure."""
    mine = [r for r in rows if len(r) > column and r[1] == code]
    return {key: next(r[column] for r in mine if str(r[2]).startswith(label)) for key, label in GRID.items()}


@contextmanager
def tables_only():
    """The annual HTML without its Plotly charts (most of its time; they draw the same aggregates): used by the
    property test only, so that many random plans fit in its time; the edge tests build the real page."""
    with (
        patch.object(report_html.Figures, "html", lambda self, fig: ""),
        patch.multiple(
            report_html.charts,
            bands_by_area=lambda *a, **k: None,
            money_bars=lambda *a, **k: None,
            trend_chart=lambda *a, **k: None,
        ),
    ):
        yield


def every_screen(engine, semester_ids: list[int], objective_ids: list[int]) -> dict[str, dict[int, dict]]:
    """screen -> objective id -> figures, at the last semester, each as that screen holds it."""
    sem = semester_ids[-1]
    out: dict[str, dict[int, dict]] = {s: {} for s in ("form", "cruscotto", "revisione", "xlsx", "html")}
    with session_scope(engine) as s:
        tally = dashboard.semester_summary(session=s, semester_id=sem, include_submitted=True).tally
        out["tiles"] = {0: {"done": tally.done, "planned": tally.planned}}  # the headline, summed in SQL
        for oid in objective_ids:
            view = load_entry(oid, sem, actor=OFFICE, session=s)
            if view.report is not None:
                live = live_action_count(view, {a["id"]: a["state"] for a in view.actions})
                out["form"][oid] = {"achievement": live.achievement, "band": live.band_label}
        for row in dashboard.area_objectives(session=s, semester_id=sem, include_submitted=True, area_letter="A"):
            m = row.money
            out["cruscotto"][row.id] = {
                "counted": row.counted,
                "done": row.done,
                "planned": row.planned,
                "achievement": row.achievement,
                "band": row.band,
                "budget": m.budget,
                "committed": m.committed,
                "paid": m.paid,
                "ratio": m.ratio,
                "spend_class": m.spend_class,
            }
        for r in review_table(sem, session=s):
            out["revisione"][r["objective_id"]] = {
                k: r[k] for k in ("achievement", "band", "budget", "committed", "paid", "ratio")
            }
            out["revisione"][r["objective_id"]]["spend_class"] = r["ratio_class"]
        codes = {oid: s.get(Objective, oid).code for oid in objective_ids}
        xlsx = semester_report_xlsx(sem, actor=OFFICE, session=s, include_submitted=True)
        page = annual_report_html(YEAR, actor=OFFICE, session=s, include_submitted=True).decode("utf-8")
    rows = list(openpyxl.load_workbook(io.BytesIO(xlsx))["Tabella Esiti"].iter_rows(values_only=True))
    parser = _Tables()
    parser.feed(page)
    esiti = next(body for caption, body in parser.tables if "".join(caption) == "Tabella Esiti")
    html_column = 3 + len(semester_ids) - 1  # Area, Obiettivo, Dimensione, then one column per semester
    for oid, code in codes.items():
        if out["cruscotto"][oid]["counted"]:
            out["xlsx"][oid] = _grid(rows, code, 3)
            out["html"][oid] = _grid(esiti, code, html_column)
    return out


def assert_same(screens: dict[str, dict[int, dict]], expected: dict[int, Figures], counted: set[int]) -> None:
    rows = [screens["cruscotto"][oid] for oid in counted]
    assert screens["tiles"][0] == {"done": sum(r["done"] for r in rows), "planned": sum(r["planned"] for r in rows)}
    for oid, fig in expected.items():
        crus = screens["cruscotto"][oid]
        money = {
            "budget": fig.budget,
            "committed": fig.committed,
            "paid": fig.paid,
            "ratio": fig.ratio,
            "spend_class": fig.spend_class,
        }
        for name, screen in (("cruscotto", crus), ("revisione", screens["revisione"][oid])):
            for key, value in money.items():
                assert screen[key] == pytest.approx(value, abs=1e-6), (name, oid, key)
        if oid not in counted:
            assert crus["band"] == screens["revisione"][oid]["band"] == "—"
            assert oid not in screens["xlsx"]
            continue
        figures = {"achievement": fig.achievement, "band": fig.band, **money}
        for name in ("form", "cruscotto", "revisione"):
            for key in screens[name][oid]:
                if key not in ("counted", "done", "planned"):
                    assert screens[name][oid][key] == pytest.approx(figures[key], abs=1e-6), (name, oid, key)
        xlsx = screens["xlsx"][oid]
        for key, value in {**figures, "budget": fig.budget if fig.budget_set else BUDGET_TO_DEFINE}.items():
            assert xlsx[key] == pytest.approx(value, abs=1e-6), ("xlsx", oid, key)
        html = screens["html"][oid]
        shown = {
            "achievement": percent(fig.achievement),
            "band": fig.band,
            "budget": budget_euro(fig.budget if fig.budget_set else None),  # tables: cents, or "da definire"
            "committed": euro_cents(fig.committed),
            "paid": euro_cents(fig.paid),
            "ratio": percent(fig.ratio),
            "spend_class": fig.spend_class,
        }
        assert html == shown, ("html", oid)


# --- random plans -------------------------------------------------------------------------------

AMOUNTS = st.integers(min_value=0, max_value=2_000_000).map(lambda cents: cents / 100)


@st.composite
def objective_specs(draw, halves: int) -> ObjectiveSpec:
    actions = draw(st.lists(st.booleans(), max_size=5))
    budget = draw(st.lists(st.one_of(st.none(), st.just(0.0), AMOUNTS), max_size=2))
    total = sum(a for a in budget if a is not None)
    reports = []
    for _ in range(halves):
        state = draw(st.sampled_from(STATES))
        action_states = draw(st.lists(st.sampled_from(ACTION_STATES), min_size=len(actions), max_size=len(actions)))
        mode = draw(st.sampled_from(("empty", "random", "budget", "above")))
        spend: list[tuple[str, float, float]] = []
        if mode == "random":
            spend = [(src, draw(AMOUNTS), draw(AMOUNTS)) for src in draw(st.sets(st.sampled_from(SOURCES)))]
        elif mode == "budget":  # paid exactly the budget in this semester (split over two sources)
            first = draw(st.integers(min_value=0, max_value=int(total * 100))) / 100
            spend = [("FNPS", total, first), ("FSR", 0.0, round(total - first, 2))]
        elif mode == "above":
            spend = [("FNPS", total, total + draw(st.integers(min_value=1, max_value=100_000)) / 100)]
        reports.append((state, action_states, spend))
    return ObjectiveSpec(actions=actions, budget=budget, reports=reports)


@st.composite
def plans(draw) -> tuple[list[ObjectiveSpec], int]:
    halves = draw(st.sampled_from((1, 2)))
    return draw(st.lists(objective_specs(halves), min_size=1, max_size=4)), halves


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(plans())
# Found by CI: 22,65 € over six semesters, one monitored: a float 1/6 made it 3,7749999… (3,77 €), not 3,775 €
@example(plan=([ObjectiveSpec(actions=[], budget=[22.65], reports=[("inviata", [], [])])], 1))
# Found by CI on 7 December: the test's own float sum of 4,61 + 53,44 gave 9,67 € where the screens say 9,68 €
@example(plan=([ObjectiveSpec(actions=[], budget=[4.61, 53.44], reports=[("inviata", [], [])])], 1))
def test_every_screen_gives_the_same_figures(plan):
    specs, halves = plan
    engine, sems, oids = build(specs, halves)
    try:
        with tables_only():
            screens = every_screen(engine, sems, oids)
    finally:
        engine.dispose()
    expected = {oid: by_hand(spec, halves - 1) for oid, spec in zip(oids, specs)}
    counted = {oid for oid, spec in zip(oids, specs) if spec.reports[-1][0] in COUNTED}
    assert_same(screens, expected, counted)


# --- the grid's edges, written out --------------------------------------------------------------


@pytest.mark.parametrize(
    "done, planned, band",
    [
        (0, 1, "nullo"),
        (1, 200, "insufficiente"),
        (99, 200, "insufficiente"),
        (999, 1000, "buono"),
        (1, 1, "ottimo"),
        (0, 0, "non calcolabile"),
    ],
)
def test_achievement_edges_on_every_screen(done, planned, band):
    spec = ObjectiveSpec(
        actions=[False] * planned,
        budget=[100.0],
        reports=[("approvata", ["realizzata"] * done + ["in corso"] * (planned - done), [])],
    )
    engine, sems, oids = build([spec], 1)
    try:
        screens = every_screen(engine, sems, oids)
    finally:
        engine.dispose()
    assert by_hand(spec, 0).band == band  # the hand computation agrees with the table above
    assert_same(screens, {oids[0]: by_hand(spec, 0)}, set(oids))


@pytest.mark.parametrize(
    "paid, budget, spend_class",
    [
        (0.0, 100.0, "non realizzato come programmato o sovrastimato"),
        (0.5, 100.0, "non realizzato come programmato o sovrastimato"),
        (49.5, 100.0, "non realizzato come programmato o sovrastimato"),
        (99.9, 100.0, "non realizzato come programmato o sovrastimato"),
        (100.0, 100.0, "ottimo"),
        (100.01, 100.0, "sottostimato"),
        (50.0, 0.0, "non calcolabile"),  # budget 0: no ratio
        (50.0, None, "non calcolabile"),  # budget line without an amount
    ],
)
def test_spend_edges_on_every_screen(paid, budget, spend_class):
    # `budget` is the first semester's share: the plan's line holds six times as much
    spec = ObjectiveSpec(
        actions=[False, False],
        budget=[None if budget is None else budget * PLAN_SEMESTERS],
        reports=[("inviata", ["realizzata", None], [("FNPS", paid, paid)])],
    )
    engine, sems, oids = build([spec], 1)
    try:
        screens = every_screen(engine, sems, oids)
    finally:
        engine.dispose()
    assert by_hand(spec, 0).spend_class == spend_class
    assert_same(screens, {oids[0]: by_hand(spec, 0)}, set(oids))


def test_submitted_report_shows_what_it_holds_not_carried_states():
    """Found by the property test: an approved earlier state was carried into a submitted report's form (20 %)
    while the Cruscotto counted the report's own states (0 %). Carry-forward is for a report still being written."""
    spec = ObjectiveSpec(
        actions=[False] * 5,
        budget=[],
        reports=[("approvata", [None, None, None, None, "realizzata"], []), ("inviata", [None] * 5, [])],
    )
    engine, sems, oids = build([spec], 2)
    try:
        screens = every_screen(engine, sems, oids)
    finally:
        engine.dispose()
    assert_same(screens, {oids[0]: by_hand(spec, 1)}, {oids[0]})
    assert screens["form"][oids[0]] == {"achievement": 0.0, "band": "nullo"}

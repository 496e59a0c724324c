"""Cruscotto: the figures equal aggregates computed independently here, on a dataset written by hand.

The expected values below are computed in plain Python from the same literals that are inserted (band thresholds
written out again, sums by loops), never by calling the code under test.
"""

from __future__ import annotations

import json
import re

import pytest
from sqlmodel import select

from components.dashboard_controls import K_TAB, TABS
from models import charts, dashboard
from models.db import bump_data_change, session_scope
from models.formatting import euro, euro_cents, percent
from models.tables import (
    BudgetLine,
    Card,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Objective,
    Report,
    Semester,
    Spend,
    SubArea,
    SubAreaValue,
)
from tests.apptest_helpers import app_env, logged_in, prepared, shown_table
from tests.report_helpers import add_report

pytestmark = pytest.mark.both_databases  # its SQL runs on SQLite and on PostgreSQL (tests/conftest.py)

PLAN_BUDGET = {"A.1": {"FNPS": 100000.0}, "A.2": {"PNRR": 50000.0}, "B.1": {"COMUNALE": 20000.0}}  # plan_small
ANNUAL = {"B.1": 2025}  # plan_small's B.1 line is tied to 2025; the others cover the whole plan
CARD_B_LINE = ("FSR", 10000.0)  # added here: a card-level line (no objective), counts for area B only
MISSING_LINES = {"A": 1}  # plan_small's A.1 "Fondo Povertà € – info da Vivi" has no amount
SEMESTERS = [(2025, 1), (2025, 2)]
# (objective, year, half) -> (state, actions done, actions planned)
REPORTS = {
    ("A.1", 2025, 1): ("approvata", 2, 4),
    ("A.2", 2025, 1): ("approvata", 0, 1),
    ("B.1", 2025, 1): ("inviata", 1, 2),
    ("A.1", 2025, 2): ("approvata", 3, 4),
    ("A.2", 2025, 2): ("inviata", 1, 1),
    ("B.1", 2025, 2): ("bozza", 2, 2),
    ("A.0", 2025, 2): ("approvata", 0, 0),  # a general objective: money counts, bands do not
}
# (objective, year, half) -> [(source, committed, paid)] spent in that semester
SPEND = {
    ("A.1", 2025, 1): [("FNPS", 20000.0, 10000.0), ("FONDO_POVERTA", 3000.0, 1500.0)],
    ("A.2", 2025, 1): [("PNRR", 5000.0, 5000.0)],
    ("B.1", 2025, 1): [("COMUNALE", 4000.0, 2000.0)],
    ("A.1", 2025, 2): [("FNPS", 30000.0, 25000.0)],
    ("A.2", 2025, 2): [("PNRR", 10000.0, 8000.0)],
    ("B.1", 2025, 2): [("COMUNALE", 6000.0, 6000.0)],
    ("A.0", 2025, 2): [("ALTRO", 700.0, 700.0)],
}
AREA_OF = {"A.0": "A", "A.1": "A", "A.2": "A", "B.1": "B"}
BANDS = ("nullo", "insufficiente", "sufficiente", "buono", "ottimo")


def band_by_hand(done: int, planned: int) -> str:
    if planned == 0:
        return "non calcolabile"
    pct = done * 100 / planned
    if pct == 0:
        return "nullo"
    return "insufficiente" if pct < 50 else "sufficiente" if pct < 80 else "buono" if pct < 100 else "ottimo"


def states_for(include_submitted: bool) -> set[str]:
    return {"approvata", "inviata"} if include_submitted else {"approvata"}


def expected_bands(sem: tuple[int, int], include_submitted: bool, area: str | None = None) -> dict[str, int]:
    counts = dict.fromkeys([*BANDS, "non calcolabile"], 0)
    for (code, y, h), (state, done, planned) in REPORTS.items():
        if (
            (y, h) == sem
            and state in states_for(include_submitted)
            and code != "A.0"
            and (area is None or AREA_OF[code] == area)
        ):
            counts[band_by_hand(done, planned)] += 1
    return counts


def expected_paid(
    sem: tuple[int, int], include_submitted: bool, *, area: str | None = None, source: str | None = None, field: int = 2
) -> float:
    total = 0.0
    for (code, y, h), rows in SPEND.items():
        if (
            (y, h) <= sem
            and REPORTS[(code, y, h)][0] in states_for(include_submitted)
            and (area is None or AREA_OF[code] == area)
        ):
            total += sum(r[field] for r in rows if source is None or r[0] == source)
    return total


def expected_budget(area: str | None = None, sem: tuple[int, int] = SEMESTERS[-1]) -> float:
    """The budget of the period monitored up to `sem`: a plan line (no year) gives one sixth of the 2025-2027
    plan per semester opened up to `sem`; an annual line half of its amount per semester of its year."""
    monitored = [s for s in SEMESTERS if s <= sem]
    total = 0.0
    for code, lines in PLAN_BUDGET.items():
        if area is None or AREA_OF[code] == area:
            year = ANNUAL.get(code)
            share = len(monitored) / 6 if year is None else sum(1 for y, _ in monitored if y == year) / 2
            total += sum(lines.values()) * share
    return total + (CARD_B_LINE[1] * len(monitored) / 6 if area in (None, "B") else 0.0)


def populate(engine) -> None:
    """The dataset above, written row by row, plus a retired budget line that must not count."""
    with session_scope(engine) as s:
        objs = {o.code: o for o in s.exec(select(Objective))}
        card_b = s.exec(select(Card).where(Card.code == "B")).one()
        s.add(
            BudgetLine(
                card_id=card_b.id,
                objective_id=None,
                source=CARD_B_LINE[0],
                amount=CARD_B_LINE[1],
                origin="ufficio",
                item="Quota di scheda",
            )
        )
        s.add(
            BudgetLine(
                card_id=objs["A.1"].card_id,
                objective_id=objs["A.1"].id,
                source="FNPS",
                amount=999999.0,
                retired=True,
                origin="ufficio",
            )
        )
        sems = {}
        for i, (year, half) in enumerate(SEMESTERS):
            sems[(year, half)] = Semester(year=year, half=half, state="chiuso" if i == 0 else "aperto")
            s.add(sems[(year, half)])
        s.flush()
        for (code, year, half), (state, done, planned) in REPORTS.items():
            report = add_report(
                s,
                objective_id=objs[code].id,
                semester_id=sems[(year, half)].id,
                state=state,
                done=done,
                planned=planned,
            )
            for source, committed, paid in SPEND.get((code, year, half), []):
                s.add(Spend(report_id=report.id, source=source, committed=committed, paid=paid))
        bump_data_change(s)


@pytest.fixture
def data(small_plan):
    populate(small_plan)
    return small_plan


def semester_id(engine, year: int, half: int) -> int:
    with session_scope(engine) as s:
        return s.exec(select(Semester.id).where(Semester.year == year, Semester.half == half)).one()


def call(engine, fn, **kwargs):
    with session_scope(engine) as s:
        return fn(session=s, **kwargs)


# --- the aggregates ---------------------------------------------------------------------------


@pytest.mark.parametrize("include_submitted", [False, True])
@pytest.mark.parametrize("sem", SEMESTERS)
def test_summary_equals_independent_aggregates(data, sem, include_submitted):
    summary = call(
        data, dashboard.semester_summary, semester_id=semester_id(data, *sem), include_submitted=include_submitted
    )
    assert summary.tally.counts == expected_bands(sem, include_submitted)
    assert list(summary.tally.counts)[:5] == list(BANDS)  # the five bands always, in grid order
    counted = [
        (d, p)
        for (c, y, h), (st, d, p) in REPORTS.items()
        if (y, h) == sem and st in states_for(include_submitted) and c != "A.0"
    ]
    done, planned = sum(d for d, _ in counted), sum(p for _, p in counted)
    assert summary.tally.achievement == pytest.approx(done * 100 / planned)
    assert summary.money.budget == pytest.approx(expected_budget(sem=sem))
    assert summary.money.budget_missing == 1
    assert summary.money.paid == pytest.approx(expected_paid(sem, include_submitted))
    assert summary.money.committed == pytest.approx(expected_paid(sem, include_submitted, field=1))
    assert summary.money.ratio == pytest.approx(expected_paid(sem, include_submitted) * 100 / expected_budget(sem=sem))
    assert summary.money.spend_class == "non realizzato come programmato o sovrastimato"
    assert summary.expected_share == 100  # the period's whole budget is due by its end
    n = SEMESTERS.index(sem) + 1
    assert summary.period.label == (
        f"budget 2025{' pro quota 1/2' if n == 1 else ''} dove fissato, altrimenti budget del triennio pro quota {n}/6"
    )
    submitted = sum(1 for (c, y, h), (st, *_r) in REPORTS.items() if (y, h) == sem and st == "inviata" and c != "A.0")
    assert summary.tally.submitted == (submitted if include_submitted else 0)


def test_known_figures_for_the_second_semester(data):
    """The same figures as literals, for a reader: approved only, 2025 H2."""
    s = call(data, dashboard.semester_summary, semester_id=semester_id(data, 2025, 2), include_submitted=False)
    assert s.tally.counts == {
        "nullo": 0,
        "insufficiente": 0,
        "sufficiente": 1,
        "buono": 0,
        "ottimo": 0,
        "non calcolabile": 0,
    }
    assert s.money.budget == pytest.approx(160000 * 2 / 6 + 20000)  # 2/6 of the plan's lines, B.1's 2025 line
    assert (s.money.committed, s.money.paid) == (20000 + 3000 + 30000 + 5000 + 700, 10000 + 1500 + 25000 + 5000 + 700)
    assert s.report_states == {"bozza": 1, "inviata": 1, "approvata": 1, "da rivedere": 0, "nessun dato": 0}


@pytest.mark.parametrize("include_submitted", [False, True])
def test_area_rows_equal_independent_aggregates(data, include_submitted):
    sem = (2025, 2)
    rows = call(data, dashboard.area_rows, semester_id=semester_id(data, *sem), include_submitted=include_submitted)
    assert [r.letter for r in rows] == ["A", "B", "D"]  # catalogue order, also the area without a card
    for row in rows:
        assert row.tally.counts == expected_bands(sem, include_submitted, row.letter)
        assert row.money.budget == pytest.approx(expected_budget(row.letter) if row.letter != "D" else 0)
        assert row.money.paid == pytest.approx(expected_paid(sem, include_submitted, area=row.letter))
        assert row.money.budget_missing == MISSING_LINES.get(row.letter, 0)
    assert [r.objectives for r in rows] == [2, 1, 0]


def test_source_rows_equal_independent_aggregates(data):
    sem = (2025, 2)
    rows = {
        r.code: r
        for r in call(data, dashboard.source_rows, semester_id=semester_id(data, *sem), include_submitted=True)
    }
    budgets = {"FNPS": 100000, "PNRR": 50000, "COMUNALE": 20000, "FSR": 10000, "FONDO_POVERTA": 0, "ALTRO": 0}
    assert set(rows) == set(budgets)
    for code, budget in budgets.items():  # COMUNALE is B.1's 2025 line: whole in 2025; the others 2/6
        assert rows[code].money.budget == pytest.approx(budget if code == "COMUNALE" else budget * 2 / 6)
        assert rows[code].money.paid == pytest.approx(expected_paid(sem, True, source=code))
    assert rows["FONDO_POVERTA"].money.budget_missing == 1
    assert rows["FONDO_POVERTA"].money.ratio is None  # paid against no budget: non calcolabile
    assert rows["PNRR"].money.ratio == pytest.approx((5000 + 8000) * 100 / (50000 * 2 / 6))


def test_trend_per_area_and_overall(data):
    points = call(data, dashboard.trend, semester_id=semester_id(data, 2025, 2), include_submitted=False)
    by = {(p.area, p.semester): p for p in points}
    first, second = "I semestre 2025", "II semestre 2025"
    assert by[("", first)].achievement == pytest.approx((2 + 0) * 100 / (4 + 1))
    assert by[("", second)].achievement == pytest.approx(3 * 100 / 4)
    # each point against the budget of the period monitored up to it: 1/6, then 2/6 of the plan's
    assert by[("A", first)].ratio == pytest.approx((10000 + 1500 + 5000) * 100 / (150000 / 6))
    assert by[("A", second)].ratio == pytest.approx(expected_paid((2025, 2), False, area="A") * 100 / (150000 * 2 / 6))
    assert by[("B", first)].achievement is None  # its only report was still awaiting approval
    assert by[("D", second)].ratio is None  # no budget
    assert by[("", second)].expected_share == 100


def test_annual_budgets_are_used_where_set_and_the_period_says_which(data):
    with session_scope(data) as s:  # the office sets A.1's 2025 budget: 30.000 FNPS
        a1 = s.exec(select(Objective).where(Objective.code == "A.1")).one()
        s.add(
            BudgetLine(
                card_id=a1.card_id, objective_id=a1.id, year=2025, source="FNPS", amount=30000.0, origin="ufficio"
            )
        )
        s.add(
            BudgetLine(
                card_id=a1.card_id, objective_id=a1.id, year=2026, source="FNPS", amount=99999.0, origin="ufficio"
            )
        )  # a year not monitored yet: not part of the period
    first = call(data, dashboard.semester_summary, semester_id=semester_id(data, 2025, 1), include_submitted=False)
    second = call(data, dashboard.semester_summary, semester_id=semester_id(data, 2025, 2), include_submitted=False)
    # A.1: half of its 2025 budget per semester, instead of its plan lines; the others: plan lines pro rata
    others = 50000 + 10000  # A.2 and card B's plan lines; B.1 has its 2025 line (20.000)
    assert first.money.budget == pytest.approx(30000 / 2 + others / 6 + 20000 / 2)
    assert second.money.budget == pytest.approx(30000 + others * 2 / 6 + 20000)
    assert first.period.label == "budget 2025 pro quota 1/2 dove fissato, altrimenti budget del triennio pro quota 1/6"
    assert second.period.label == "budget 2025 dove fissato, altrimenti budget del triennio pro quota 2/6"
    assert (first.period.short_label, second.period.short_label) == ("½ 2025 o triennio, 1/6", "2025 o triennio, 2/6")
    rows = call(
        data,
        dashboard.area_objectives,
        semester_id=semester_id(data, 2025, 2),
        include_submitted=False,
        area_letter="A",
    )
    assert rows[0].money.budget == pytest.approx(30000)


def test_budget_period_of_a_plan_monitored_from_its_fourth_semester(small_plan):
    with session_scope(small_plan) as s:
        s.add(Semester(year=2026, half=2))
        s.add(Semester(year=2024, half=2))  # before the plan: not part of its period
    summary = call(
        small_plan, dashboard.semester_summary, semester_id=semester_id(small_plan, 2026, 2), include_submitted=False
    )
    assert summary.period.semesters == ((2026, 2),)
    assert summary.period.label == "budget del triennio pro quota 1/6"
    assert summary.period.short_label == "triennio, 1/6"
    # plan_small's A lines pro rata; B.1's only line is for 2025, outside this period
    assert summary.money.budget == pytest.approx(150000 / 6)
    early = call(
        small_plan, dashboard.semester_summary, semester_id=semester_id(small_plan, 2024, 2), include_submitted=False
    )
    assert early.period.label == "nessun semestre monitorato" and early.money.budget == 0
    assert early.expected_share is None


def test_area_objectives_drilldown(data):
    rows = call(
        data,
        dashboard.area_objectives,
        semester_id=semester_id(data, 2025, 2),
        include_submitted=False,
        area_letter="A",
    )
    assert [(r.code, r.state, r.counted, r.band) for r in rows] == [
        ("A.1", "approvata", True, "sufficiente"),
        ("A.2", "inviata", False, "—"),
    ]
    assert rows[0].achievement == 75
    assert rows[0].money.budget == pytest.approx(100000 * 2 / 6) and rows[0].money.paid == 10000 + 1500 + 25000
    assert rows[1].money.paid == 5000  # its second-semester spend waits for approval


def test_band_categories_and_what_is_left_out(small_plan):
    """Each band and non calcolabile; retired objectives, general objectives and drafts are not counted."""
    with session_scope(small_plan) as s:
        sem = Semester(year=2025, half=1)
        s.add(sem)
        s.flush()
        area = s.exec(select(Objective.area_id).where(Objective.code == "A.1")).one()
        card = s.exec(select(Objective.card_id).where(Objective.code == "A.1")).one()
        cases = [(0, 3), (1, 3), (2, 3), (4, 5), (3, 3), (0, 0), (99, 100), (1, 200)]
        for i, (done, planned) in enumerate(cases):
            obj = Objective(card_id=card, area_id=area, code=f"T.{i}", kind="specifico", text=f"Obiettivo {i}")
            s.add(obj)
            s.flush()
            add_report(s, objective_id=obj.id, semester_id=sem.id, state="approvata", done=done, planned=planned)
        for code, kind, retired, state in (
            ("R.1", "specifico", True, "approvata"),
            ("G.0", "generale", False, "approvata"),
            ("D.1", "specifico", False, "bozza"),
        ):
            obj = Objective(card_id=card, area_id=area, code=code, kind=kind, text=code, retired=retired)
            s.add(obj)
            s.flush()
            add_report(s, objective_id=obj.id, semester_id=sem.id, state=state, done=1, planned=1)
        sid = sem.id
    tally = call(small_plan, dashboard.semester_summary, semester_id=sid, include_submitted=True).tally
    assert tally.counts == {
        "nullo": 1,
        "insufficiente": 2,
        "sufficiente": 1,
        "buono": 2,
        "ottimo": 1,
        "non calcolabile": 1,
    }


def test_indicators_over_semesters_with_targets(data):
    with session_scope(data) as s:
        ind = s.exec(select(Indicator).where(Indicator.text == "N. di incontri della cabina di regia")).one()
        s.add(IndicatorTarget(indicator_id=ind.id, year=2025, target=10))
        for (year, half), value in zip(SEMESTERS, (4.0, 9.0)):
            report = s.exec(
                select(Report)
                .join(Semester)
                .join(Objective)
                .where(Objective.code == "A.1", Semester.year == year, Semester.half == half)
            ).one()
            s.add(
                IndicatorValue(
                    report_id=report.id, indicator_id=ind.id, value_num=value, note="<script>alert(1)</script>"
                )
            )
        objective_id, indicator_id = ind.objective_id, ind.id
    series = call(
        data,
        dashboard.objective_indicators,
        objective_id=objective_id,
        semester_id=semester_id(data, 2025, 2),
        include_submitted=False,
    )
    one = next(x for x in series if x.id == indicator_id)
    assert [(p.semester, p.value_num, p.target) for p in one.points] == [
        ("I semestre 2025", 4.0, 10),
        ("II semestre 2025", 9.0, 10),
    ]
    assert one.latest_achievement == pytest.approx(90)
    assert len(series) == 5  # every live indicator of A.1, with or without values
    fig = charts.indicator_chart(one, "II semestre 2025")
    assert "<script>" not in json.dumps(fig.to_dict()["data"])  # user notes reach Plotly escaped
    assert "&lt;script&gt;" in fig.data[0].customdata[0]


def test_sub_area_splits(data):
    with session_scope(data) as s:
        ind = s.exec(select(Indicator).where(Indicator.text == "N. di incontri della cabina di regia")).one()
        report = s.exec(
            select(Report)
            .join(Semester)
            .join(Objective)
            .where(Objective.code == "A.1", Semester.year == 2025, Semester.half == 2)
        ).one()
        value = IndicatorValue(report_id=report.id, indicator_id=ind.id, value_num=5)
        s.add(value)
        s.flush()
        subs = {sub.code: sub.id for sub in s.exec(select(SubArea))}
        s.add(SubAreaValue(value_id=value.id, sub_area_id=subs["AT1"], value=3))
        s.add(SubAreaValue(value_id=value.id, sub_area_id=subs["AT2"], value=2))
    rows = call(data, dashboard.sub_area_splits, semester_id=semester_id(data, 2025, 2), include_submitted=False)
    assert [(r.objective, r.sub_area, r.value) for r in rows] == [("A.1", "AT1", 3), ("A.1", "AT2", 2)]
    fig = charts.split_chart(rows, ["AT1", "AT2"], "II semestre 2025")
    assert list(fig.data[0].y) == [3, 2]


def test_empty_semester_keeps_all_five_bands(small_plan):
    with session_scope(small_plan) as s:
        sem = Semester(year=2025, half=1)
        s.add(sem)
        s.flush()
        sid = sem.id
    summary = call(small_plan, dashboard.semester_summary, semester_id=sid, include_submitted=False)
    assert summary.tally.counts == dict.fromkeys([*BANDS, "non calcolabile"], 0)
    assert summary.tally.achievement is None and summary.money.paid == 0
    assert summary.report_states["nessun dato"] == 3
    fig = charts.bands_by_area(
        call(small_plan, dashboard.area_rows, semester_id=sid, include_submitted=False),
        "I semestre 2025",
        "solo approvati",
    )
    assert [t.name for t in fig.data if t.type == "bar"] == [*BANDS, "non calcolabile"]


def test_chart_labels_escape_plan_text():
    assert (
        charts.safe("<b>Area</b> & <a href='x'>link</a>")
        == "&lt;b&gt;Area&lt;/b&gt; &amp; &lt;a href='x'&gt;link&lt;/a&gt;"
    )
    assert charts.cut("uno due tre quattro", 9) == "uno due…"


# --- the page under AppTest -------------------------------------------------------------------


@pytest.fixture
def app_data(tmp_path):
    with app_env(tmp_path / "cruscotto.sqlite3") as engine:
        prepared(engine)
        with session_scope(engine) as s:  # the first start opened today's semester: the dataset has its own
            for sem in s.exec(select(Semester)):
                s.delete(sem)
        populate(engine)
        yield engine


def band_tiles(at) -> dict[str, int]:
    body = next(h.proto.body for h in at.get("html") if "pdz-band" in h.proto.body)
    return {
        label: int(v)
        for v, label in re.findall(r'class="v">(\d+)</span><span class="t"><span class="l">([^<]+)<', body)
    }


def charts_of(at) -> list[dict]:
    return [json.loads(element.proto.spec) for element in at.get("plotly_chart")]


def chart(at, title_start: str) -> dict:
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        if spec["layout"]["title"]["text"].startswith(f"<b>{title_start}"):
            return spec
    raise AssertionError(f"no chart titled {title_start!r}")


def open_tab(at, label: str) -> None:
    """Only the open tab is drawn (lazy tabs): open another one as a click would."""
    at.session_state[K_TAB] = label
    at.run()
    assert not at.exception, at.exception


def open_cruscotto(username: str):
    at = logged_in(username)
    at.switch_page("pages/cruscotto.py").run()
    assert not at.exception, at.exception
    return at


def test_page_shows_the_independent_aggregates(app_data):
    at = open_cruscotto("com")
    assert at.selectbox(key="cr_semester").value == semester_id(app_data, 2025, 2)  # latest by default
    assert at.radio(key="cr_submitted").value is False  # the Comitato sees approved reports by default
    assert band_tiles(at) == expected_bands((2025, 2), False)
    money = next(h.proto.body for h in at.get("html") if "Liquidato / budget" in h.proto.body)
    paid = expected_paid((2025, 2), False)
    for text in (euro(expected_budget()), euro(paid), percent(paid * 100 / expected_budget())):
        assert text in money
    bands = chart(at, "Obiettivi per fascia")
    by_band = {t["name"]: t["x"] for t in bands["data"] if t["type"] == "bar"}
    for i, letter in enumerate(["A", "B", "D"]):
        expected = expected_bands((2025, 2), False, letter)
        assert {band: xs[i] for band, xs in by_band.items()} == expected
    assert "II semestre 2025" in bands["layout"]["title"]["text"]
    open_tab(at, "Budget e spesa")
    areas = chart(at, "Budget, impegnato e liquidato per area")
    budget_trace = next(t for t in areas["data"] if t.get("name") == "Budget")
    assert budget_trace["x"] == pytest.approx([expected_budget("A"), expected_budget("B")])
    table = next(shown_table(t) for t in at.table if "Area" in t.value.columns)  # every area with objectives
    budgets = {name[0]: value for name, value in zip(table["Area"], table["Budget"])}
    assert budgets == {"A": euro_cents(expected_budget("A")), "B": euro_cents(expected_budget("B"))}  # cents


def test_money_table_says_to_be_defined_for_an_area_without_budget():
    from components.dashboard_sections import money_table
    from models.dashboard_results import Money

    table = money_table([("E · Anziani", Money(paid=10.0)), ("B", Money(budget=7500.5, budget_amounts=1))], "Area")
    assert list(table["Budget"]) == ["da definire nel Piano Operativo Annuale", "7.500,50 €"]
    assert list(table["Liquidato"]) == ["10,00 €", "0,00 €"]


def test_page_counts_submitted_on_request_and_follows_the_semester(app_data):
    at = open_cruscotto("com")
    at.radio(key="cr_submitted").set_value(True).run()
    assert band_tiles(at) == expected_bands((2025, 2), True)
    at.selectbox(key="cr_semester").set_value(semester_id(app_data, 2025, 1)).run()
    assert not at.exception
    assert band_tiles(at) == expected_bands((2025, 1), True)
    assert "I semestre 2025" in chart(at, "Obiettivi per fascia")["layout"]["title"]["text"]


def test_office_sees_submitted_by_default(app_data):
    at = open_cruscotto("uff")
    assert at.radio(key="cr_submitted").value is True
    assert band_tiles(at) == expected_bands((2025, 2), True)


def test_page_refreshes_when_somebody_saves(app_data):
    at = open_cruscotto("com")
    with session_scope(app_data) as s:
        report = s.exec(
            select(Report)
            .join(Objective)
            .join(Semester)
            .where(Objective.code == "A.2", Semester.year == 2025, Semester.half == 2)
        ).one()
        report.state = "approvata"
        bump_data_change(s)
    at.run()
    assert band_tiles(at)["ottimo"] == 1  # A.2 (1 of 1 action) now counts: the cache was keyed by the counter


def test_projector_mode_renders_the_main_screen(app_data):
    at = logged_in("com")
    at.query_params["proiettore"] = "1"
    at.switch_page("pages/cruscotto.py").run()
    assert not at.exception
    assert band_tiles(at) == expected_bands((2025, 2), False)
    assert chart(at, "Raggiungimento degli obiettivi · area A")
    at.button(key="cr_next").click().run()
    assert chart(at, "Raggiungimento degli obiettivi · area B")
    at.button(key="cr_next").click().run()
    assert chart(at, "Raggiungimento degli obiettivi · area A")  # D has no card: skipped; wraps around
    for view in ("Tutte le aree", "Budget e spesa", "Andamento"):
        at.radio(key="cr_view").set_value(view).run()
        assert not at.exception, view
    at.toggle(key="cr_projector").set_value(False).run()
    assert "proiettore" not in at.query_params


def test_projector_toggle_sets_the_url_parameter(app_data):
    at = open_cruscotto("com")
    at.toggle(key="cr_projector").set_value(True).run()
    assert at.query_params["proiettore"] == "1"
    assert not at.exception


@pytest.mark.parametrize("username", ["uff", "refa", "com"])
def test_every_tab_renders_for_every_role(app_data, username):
    at = open_cruscotto(username)
    assert [c["layout"]["title"]["text"][:35] for c in charts_of(at)] == ["<b>Obiettivi per fascia di raggiung"]
    for label in TABS[:4]:  # the dataset has no split by sub-area: that tab says so (edge cases below)
        open_tab(at, label)
        assert charts_of(at), label  # every tab draws its own charts, and only the open one is drawn
    open_tab(at, "Obiettivi e indicatori")
    assert at.selectbox(key="cr_area").value == "A"
    at.selectbox(key="cr_area").set_value("B").run()
    assert not at.exception
    assert chart(at, "Raggiungimento degli obiettivi · area B")
    assert not any(c["layout"]["title"]["text"].startswith("<b>Obiettivi per fascia") for c in charts_of(at))


# --- edge cases: no semester, empty semester, only drafts, one-objective plan --------------------


def test_no_semester_at_all(tmp_path):
    with app_env(tmp_path / "nosem.sqlite3") as engine:
        prepared(engine)
        at = open_cruscotto("com")  # the app's first start opens today's semester: remove it afterwards
        with session_scope(engine) as s:
            for sem in s.exec(select(Semester)):
                s.delete(sem)
            bump_data_change(s)
        at.run()
        assert not at.exception
        assert any("Nessun semestre" in i.value for i in at.info)


def test_empty_semester_renders(tmp_path):
    with app_env(tmp_path / "empty.sqlite3") as engine:
        prepared(engine)  # first start opens the current semester, with no report yet
        at = open_cruscotto("com")
        assert band_tiles(at) == dict.fromkeys([*BANDS, "non calcolabile"], 0)
        assert any("Nessun report conteggiato" in i.value for i in at.info)


def test_semester_with_only_drafts_renders(tmp_path):
    with app_env(tmp_path / "drafts.sqlite3") as engine:
        prepared(engine)
        with session_scope(engine) as s:
            sem = s.exec(select(Semester)).first()
            for obj in s.exec(select(Objective).where(Objective.kind == "specifico")):
                s.add(Report(objective_id=obj.id, semester_id=sem.id, state="bozza"))
        at = open_cruscotto("uff")
        assert band_tiles(at) == dict.fromkeys([*BANDS, "non calcolabile"], 0)
        for view in ("Tutte le aree", "Budget e spesa", "Andamento", "Area per area"):
            at.query_params["proiettore"] = "1"
            at.run()
            at.radio(key="cr_view").set_value(view).run()
            assert not at.exception, view


def test_one_objective_plan_renders(tmp_path):
    one = tmp_path / "plan_one"
    (one / "cards").mkdir(parents=True)
    from tests.conftest import SMALL_PLAN

    (one / "plan.yaml").write_text((SMALL_PLAN / "plan.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (one / "cards" / "B.yaml").write_text(
        (SMALL_PLAN / "cards" / "B.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    with app_env(tmp_path / "one.sqlite3", one) as engine:
        from models.startup import prepare_database
        from models.users import create_user
        from tests.apptest_helpers import PASSWORD

        prepare_database(engine, one)
        with session_scope(engine) as s:
            create_user(
                s, actor=None, username="com", name="COM", role="comitato", areas=[], password=PASSWORD, one_time=False
            )
            sem = s.exec(select(Semester)).first()
            obj = s.exec(select(Objective)).one()
            report = add_report(s, objective_id=obj.id, semester_id=sem.id, state="approvata", done=1, planned=2)
            s.add(Spend(report_id=report.id, source="COMUNALE", committed=5000, paid=4000))
        at = open_cruscotto("com")
        assert band_tiles(at)["sufficiente"] == 1
        assert sum(band_tiles(at).values()) == 1
        assert euro(4000) in next(h.proto.body for h in at.get("html") if "Liquidato" in h.proto.body)


def test_figures_are_built_once_per_input_and_again_for_new_data():
    from components.dashboard_cache import figure
    from models.dashboard_results import Money

    first = figure(charts.money_single, Money(budget=1000.0, paid=250.0), "Budget e spesa", 50.0)
    again = figure(charts.money_single, Money(budget=1000.0, paid=250.0), "Budget e spesa", 50.0)
    saved = figure(charts.money_single, Money(budget=1000.0, paid=300.0), "Budget e spesa", 50.0)
    assert first is again  # Plotly's validation is paid once
    assert saved is not first and "300" in json.dumps(saved.to_plotly_json())  # new data, new figure


def test_sub_area_tab_draws_the_split_of_generated_data(tmp_path):
    from models import demo

    with app_env(tmp_path / "split.sqlite3") as engine:
        prepared(engine)
        with session_scope(engine) as s:
            for sem in s.exec(select(Semester)):  # the first start opened today's semester
                s.delete(sem)
        with session_scope(engine) as s:
            demo.generate(s, seed=7, semesters=[(2025, 1), (2025, 2)])
        at = open_cruscotto("uff")
        open_tab(at, "Sotto-ambiti")
        splits = [c for c in charts_of(at) if c["layout"]["xaxis"]["title"]["text"] == "sotto-ambito"]
        assert len(splits) == 1 and splits[0]["data"][0]["x"]  # one bar per sub-area with a value


def test_cruscotto_says_which_budget_the_spend_is_compared_with(app_data):
    at = open_cruscotto("com")
    money = next(h.proto.body for h in at.get("html") if "Liquidato / budget" in h.proto.body)
    assert "budget 2025 dove fissato, altrimenti budget del triennio pro quota 2/6" in money

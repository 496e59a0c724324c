"""The report model shared by both renderers (models/report_xlsx.py, models/report_html.py).

Every figure is one of the Cruscotto's aggregates in models.dashboard, so the report equals what the mayors see:
- bands per area and their totals: dashboard.area_rows / semester_summary (Tally: counts, done, planned);
- budget, committed and paid (cumulated up to the semester), ratio and class: AreaRow.money, SourceRow.money
  (dashboard.source_rows), Summary.money, with the expected pace Summary.expected_share;
- one objective's grid: dashboard.objective_rows (state, actions, its own budget and cumulated spend);
- indicators: dashboard.objective_indicators (counted values and the year's target);
- the trend chart of the HTML: dashboard.trend;
- the spend *of* a semester (not cumulated) is its cumulated spend minus the cumulated spend at the end of the
  previous semester that exists: the same aggregates, so the same counting rule. A year's own spend is the sum
  of its semesters' own spend.
Only what the dashboard does not hold is read here: the report's free texts and the card's continuity flag.

Layout is built once as plain tables (Table of Row of Cell, here; filled in models.report_tables) and written by
two renderers: the workbook (models.report_xlsx) and HTML (models.report_html). Band and spend-class colours and
labels come from models.scoring only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from models import charts, dashboard, dashboard_sql, plans, rules, scoring
from models.dashboard_results import (
    CATEGORY_LABELS,
    COUNTED_LABELS,
    AreaRow,
    IndicatorSeries,
    Money,
    ObjectiveRow,
    SemesterInfo,
    SourceRow,
    Summary,
)
from models.demo_mark import is_demo
from models.errors import InputRefused, NotFound
from models.formatting import BUDGET_TO_DEFINE
from models.tables import Card, Objective, Report
from models.vocab import (
    SEMESTER_HALF_LABELS,
    YES_NO_LABELS,
    semester_label,
)

TIMEZONE = ZoneInfo("Europe/Rome")  # "generato il" in the Ambito's local time, whatever the server's clock
NOT_OPENED = "semestre non ancora aperto"
NO_REPORT_TEXT = "nessun report"
SI_NO: dict[bool | None, str] = {
    True: YES_NO_LABELS[True],
    False: YES_NO_LABELS[False],
    None: "—",
}  # the regional Tabella Esiti writes SI / NO


# --- the table model, shared by the workbook and the HTML ---------------------------------------

TEXT, COUNT, NUMBER, EURO, PERCENT, BAND, SPEND_CLASS = "text", "count", "number", "euro", "percent", "band", "class"


class Cell(NamedTuple):
    """A NamedTuple, not a dataclass: a report holds hundreds of thousands, and a tuple costs less memory. Unlike
    a plain tuple it stays in the garbage collector's rounds: models.report_export pauses them for a report."""

    value: str | float | int | None = None
    kind: str = TEXT  # how it is formatted; BAND / SPEND_CLASS cells are coloured as their label


def budget_cell(money: Money) -> Cell:
    """A budget in a report: the amount, or the words "da definire nel Piano Operativo Annuale" (never 0 €)."""
    return Cell(money.budget, EURO) if money.budget_set else Cell(BUDGET_TO_DEFINE)


@dataclass(frozen=True)
class Col:
    header: str
    width: float = 14
    kind: str = TEXT  # BAND: the header is a band label and is coloured as that band


@dataclass(slots=True)  # no __dict__: a large report has a hundred thousand rows
class Row:
    cells: list[Cell]
    style: str = ""  # "" | "heading" (an area's or objective's heading) | "total"


@dataclass
class Table:
    title: str
    columns: list[Col]
    rows: list[Row]
    groups: list[tuple[str, int]] = field(default_factory=list)  # (label, columns spanned) above the header
    note: str = ""


def cell_colours(cell: Cell) -> tuple[str, str] | None:
    """(fill, text) colours of a band or spend-class cell, from the scoring core; None for any other cell."""
    if cell.kind == BAND and cell.value in CATEGORY_LABELS:
        return charts.category_colour(str(cell.value))
    if cell.kind == SPEND_CLASS and cell.value:
        for cls in scoring.SPEND_CLASSES:
            if cls.label == cell.value:
                return cls.colour, cls.value.text_colour
        return scoring.NOT_COMPUTABLE_COLOUR, "#000000"
    return None


def blank_cells(n: int, first: str = "") -> list[Cell]:
    """n cells for a semester that does not exist: the first one says why, so nothing is silently missing."""
    return [Cell(first)] + [Cell()] * (n - 1) if n else []


# --- what one semester holds -------------------------------------------------------------------


class ReportTexts(NamedTuple):
    """What the Tabella Esiti shows of a semester's report besides the dashboard's figures: read as columns,
    not as Report objects (thousands of them per semester at size 100, each an ORM instance with its state)."""

    objective_id: int
    users_assessment: str
    users_not_relevant: bool
    resource_adequacy: str | None
    critical_issues: str
    need_answered: bool | None
    need_reason: str
    proposed_again: bool | None
    proposed_reason: str


REPORT_TEXT_COLUMNS = [getattr(Report, name) for name in ReportTexts._fields]


@dataclass
class SemesterData:
    info: SemesterInfo
    summary: Summary
    areas: list[AreaRow]
    sources: list[SourceRow]
    objectives: list[tuple[AreaRow, ObjectiveRow]]  # catalogue order: area, card, objective
    reports: dict[int, ReportTexts]  # objective id -> this semester's report (free texts of the grid)
    own_areas: dict[str, Money]  # this semester's own spend (not cumulated), by area letter
    own_sources: dict[str, Money]  # ... by funding source code
    own_total: Money

    @property
    def label(self) -> str:
        return self.info.label

    @cached_property
    def _by_id(self) -> dict[int, ObjectiveRow]:
        return {row.id: row for _area, row in self.objectives}

    def objective(self, objective_id: int) -> ObjectiveRow:
        return self._by_id[objective_id]


@dataclass
class Slot:
    """One column group of a report: a semester of the year, or its place when it does not exist yet."""

    year: int
    half: int
    data: SemesterData | None

    @property
    def label(self) -> str:
        return semester_label(self.year, self.half)

    @property
    def short(self) -> str:
        return charts.short_semester(rules.semester_ordinal(self.year, self.half))  # "I sem. 2025"


def last_semester(slots: list[Slot]) -> SemesterData:
    """The latest semester that exists (a report has at least one)."""
    return [s.data for s in slots if s.data][-1]


def query_params(sem: SemesterInfo, include_submitted: bool) -> dict:
    return {"semester_id": sem.id, "include_submitted": include_submitted}


def _minus(now: Money, before: Money | None) -> Money:
    """Spend between two cumulated figures; rounded to the cent (float noise: 0.3 - 0.1)."""
    before = before or Money()
    return Money(
        budget=now.budget,
        budget_missing=now.budget_missing,
        budget_amounts=now.budget_amounts,
        reported=now.reported,
        committed=round(now.committed - before.committed, 2),
        paid=round(now.paid - before.paid, 2),
    )


def _previous(session: Session, sem: SemesterInfo) -> SemesterInfo | None:
    earlier = [s for s in dashboard_sql.same_plan_semesters(session, sem.id) if s.ordinal < sem.ordinal]
    return earlier[-1] if earlier else None


def load_semester(
    session: Session,
    sem: SemesterInfo,
    include_submitted: bool,
    computed: dict[int, tuple[Summary, list[SourceRow]]] | None = None,
) -> SemesterData:
    """`computed`: the summaries and source rows the caller already has, by semester id (the annual report reads
    a year's first semester both as a semester and as the second one's previous); filled here."""
    computed = {} if computed is None else computed

    def figures(info: SemesterInfo) -> tuple[Summary, list[SourceRow]]:  # the tiles' figures, areas included
        if info.id not in computed:
            params = query_params(info, include_submitted)
            computed[info.id] = (
                dashboard.semester_summary(session=session, **params),
                dashboard.source_rows(session=session, **params),
            )
        return computed[info.id]

    params = query_params(sem, include_submitted)
    summary, sources = figures(sem)
    areas = summary.areas
    prev = _previous(session, sem)
    before_areas: dict[str, Money] = {}
    before_sources: dict[str, Money] = {}
    before_total = None
    if prev is not None:
        prev_summary, prev_sources = figures(prev)
        before_areas = {a.letter: a.money for a in prev_summary.areas}
        before_sources = {s.code: s.money for s in prev_sources}
        before_total = prev_summary.money
    # One query for every area (dashboard.objective_rows in plan order), grouped here: per area it read the
    # whole budget and spend again for each of them.
    by_area: dict[str, list[ObjectiveRow]] = {}
    for row in dashboard.objective_rows(session=session, **params):
        by_area.setdefault(row.area, []).append(row)
    objectives = [(area, row) for area in areas if area.objectives for row in by_area.get(area.letter, [])]
    reports = {
        r[0]: ReportTexts(*r) for r in session.exec(select(*REPORT_TEXT_COLUMNS).where(Report.semester_id == sem.id))
    }
    return SemesterData(
        info=sem,
        summary=summary,
        areas=areas,
        sources=sources,
        objectives=objectives,
        reports=reports,
        own_areas={a.letter: _minus(a.money, before_areas.get(a.letter)) for a in areas},
        own_sources={s.code: _minus(s.money, before_sources.get(s.code)) for s in sources},
        own_total=_minus(summary.money, before_total),
    )


def semester_info(session: Session, semester_id: int) -> SemesterInfo:
    for s in dashboard_sql.semester_options(session=session):
        if s.id == semester_id:
            return s
    raise NotFound("Semestre non trovato.")


def year_slots(session: Session, year: int, include_submitted: bool) -> list[Slot]:
    by_half = {s.half: s for s in dashboard_sql.semester_options(session=session) if s.year == year}
    if not by_half:
        raise InputRefused(f"Nessun semestre del {year}: il report annuale riguarda un anno con almeno un semestre.")
    computed: dict[int, tuple[Summary, list[SourceRow]]] = {}
    return [
        Slot(
            year, half, load_semester(session, by_half[half], include_submitted, computed) if half in by_half else None
        )
        for half in SEMESTER_HALF_LABELS
    ]


def indicator_series(session: Session, slots: list[Slot], include_submitted: bool) -> dict[int, list[IndicatorSeries]]:
    """Each objective's indicators up to the last existing semester (its points cover the earlier ones too)."""
    last = last_semester(slots)
    return dashboard.indicators_of_objectives(
        session=session,
        objective_ids=[row.id for _a, row in last.objectives],
        **query_params(last.info, include_submitted),
    )


def continuity_flags(session: Session) -> dict[int, bool | None]:
    """Objective id -> its card's flag "in continuità con la programmazione 2021-2023" (None when not stated)."""
    rows = session.exec(select(Objective.id, col(Card.details)).join(Card, col(Card.id) == Objective.card_id))
    return {
        oid: (((details or {}).get("flags") or {}).get("continuity") or {}).get("value")
        for oid, details in rows
        if oid is not None  # a primary key: never NULL
    }


# --- report context ----------------------------------------------------------------------------


@dataclass
class Context:
    title: str  # "Report semestrale · I semestre 2026"
    plan: str
    ambito: str
    period: str
    counted: str
    generated: str
    include_submitted: bool
    budget: str = ""  # which budget the spend is compared with (dashboard_sql.budget_period's label)
    demo: bool = False  # generated data (models/demo_mark.py): every file says so

    def lines(self) -> list[tuple[str, str]]:
        return [
            ("Piano", self.plan),
            ("Ambito", self.ambito),
            ("Periodo", self.period),
            ("Che cosa si conta", self.counted),
            ("Generato il", self.generated),
            (
                "Criteri",
                "griglia regionale: raggiungimento = azioni realizzate × 100 / programmate; "
                "budget del periodo monitorato, impegnato e liquidato cumulati fino al semestre; "
                "liquidato / budget = liquidato × 100 / budget",
            ),
            ("Budget di confronto", self.budget),
        ]


def _now() -> datetime:
    return datetime.now(TIMEZONE)


def _period(slots: list[Slot]) -> str:
    return " · ".join(f"{s.label} ({s.data.info.state})" if s.data else f"{s.label} ({NOT_OPENED})" for s in slots)


def build_context(session: Session, title: str, slots: list[Slot], include_submitted: bool) -> Context:
    first = next((s.data.info for s in slots if s.data), None)
    plan = plans.plan_of_year(session, first.year) if first else None
    plan = plan or plans.current_plan_row(session)
    submitted = sum(s.data.summary.tally.submitted for s in slots if s.data)
    counted = COUNTED_LABELS[include_submitted]
    if include_submitted:
        counted += f"; report inviati non ancora approvati conteggiati: {submitted}"
    budgets = [f"{s.label}: {s.data.summary.period.label}" for s in slots if s.data and s.data.summary.period]
    return Context(
        title=title,
        plan=plan.title if plan else "Piano di Zona",
        ambito=plan.ambito if plan else "—",
        period=_period(slots),
        counted=counted,
        generated=_now().strftime("%d/%m/%Y %H:%M"),
        include_submitted=include_submitted,
        budget=" · ".join(budgets) or "—",
        demo=is_demo(session=session),
    )


@dataclass
class AnnualContent:
    """What both annual formats show."""

    ctx: Context
    slots: list[Slot]
    tables: list[Table]  # the summary tables
    esiti: Table
    funds: Table

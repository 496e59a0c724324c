"""The semester report (.xlsx) and the annual report (.xlsx, or one self-contained .html) for the Assemblea.

Every figure is one of the Cruscotto's aggregates in models.dashboard, so the report equals what the mayors see:
- bands per area and their totals: dashboard.area_rows / semester_summary (Tally: counts, done, planned);
- budget, committed and paid (cumulated up to the semester), ratio and class: AreaRow.money, SourceRow.money
  (dashboard.source_rows), Summary.money, with the expected pace Summary.expected_share;
- one objective's grid: dashboard.area_objectives (state, actions, its own budget and cumulated spend);
- indicators: dashboard.objective_indicators (counted values and the year's target);
- the trend chart of the HTML: dashboard.trend;
- the spend *of* a semester (not cumulated) is its cumulated spend minus the cumulated spend at the end of the
  previous semester that exists: the same aggregates, so the same counting rule. A year's own spend is the sum
  of its semesters' own spend.
Only what the dashboard does not hold is read here: the report's free texts and the card's continuity flag.

Layout is built once as plain tables (Table of Row of Cell) and written by two renderers: the workbook below,
HTML in models.report_html. Band and spend-class colours and labels come from models.scoring only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from copy import copy
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session, col, select

from models import charts, dashboard, rules, scoring
from models.dashboard import (
    CATEGORY_LABELS,
    COUNTED_LABELS,
    NO_REPORT,
    AreaRow,
    IndicatorPoint,
    IndicatorSeries,
    Money,
    ObjectiveRow,
    SemesterInfo,
    SourceRow,
    Summary,
)
from models.demo_mark import demo_file_name, is_demo, mark_workbook
from models.formatting import BUDGET_TO_DEFINE, INVALID_VALUE
from models.permissions import Actor, require_report_reader
from models.tables import Card, MacroArea, Objective, Plan, Report, Semester, Spend
from models.validation import MAX_COUNT, plausible_amount
from models.vocab import (
    ADEGUACY_LABELS,
    FUNDING_LABELS,
    REPORT_STATE_COUNT_LABELS,
    SEMESTER_HALF_LABELS,
    UNIT_LABELS,
    YES_NO_LABELS,
    FundingSource,
    ReportState,
    Unit,
    battery_rank,
    funding_label,
    semester_label,
)
from models.xlsx import BOX, EURO_FORMAT, HEADER_FILL, PERCENT_FORMAT, printable, put, to_bytes

__all__ = [
    "annual_report_html",
    "annual_report_name",
    "annual_report_xlsx",
    "report_years",
    "semester_report_name",
    "semester_report_xlsx",
]

TIMEZONE = ZoneInfo("Europe/Rome")  # "generato il" in the Ambito's local time, whatever the server's clock
SHEETS = ("Sintesi", "Tabella Esiti", "Indicatori", "Spesa")
NOT_OPENED = "semestre non ancora aperto"
NO_REPORT_TEXT = "nessun report"
# the regional Tabella Esiti writes SI / NO
SI_NO: dict[bool | None, str] = {True: YES_NO_LABELS[True], False: YES_NO_LABELS[False], None: "—"}
FILE_EXTENSIONS = ("xlsx", "html")
HEADING_FILL = "EDEDED"  # an objective's heading row in the Tabella Esiti


# --- the table model, shared by the workbook and the HTML ---------------------------------------

TEXT, COUNT, NUMBER, EURO, PERCENT, BAND, SPEND_CLASS = "text", "count", "number", "euro", "percent", "band", "class"
NUMBER_FORMATS = {EURO: EURO_FORMAT, PERCENT: PERCENT_FORMAT}


@dataclass(frozen=True)
class Cell:
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


@dataclass
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


def _blank(n: int, first: str = "") -> list[Cell]:
    """n cells for a semester that does not exist: the first one says why, so nothing is silently missing."""
    return [Cell(first)] + [Cell()] * (n - 1) if n else []


# --- what one semester holds -------------------------------------------------------------------


@dataclass
class SemesterData:
    info: SemesterInfo
    summary: Summary
    areas: list[AreaRow]
    sources: list[SourceRow]
    objectives: list[tuple[AreaRow, ObjectiveRow]]  # catalogue order: area, card, objective
    reports: dict[int, Report]  # objective id -> this semester's report (free texts of the grid)
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


def _last(slots: list[Slot]) -> SemesterData:
    """The latest semester that exists (a report has at least one)."""
    return [s.data for s in slots if s.data][-1]


def _params(sem: SemesterInfo, include_submitted: bool) -> dict:
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
    earlier = [s for s in dashboard.semester_options(session=session) if s.ordinal < sem.ordinal]
    return earlier[-1] if earlier else None


def _load_semester(session: Session, sem: SemesterInfo, include_submitted: bool) -> SemesterData:
    params = _params(sem, include_submitted)
    areas = dashboard.area_rows(session=session, **params)
    sources = dashboard.source_rows(session=session, **params)
    summary = dashboard.semester_summary(session=session, **params)
    prev = _previous(session, sem)
    before_areas: dict[str, Money] = {}
    before_sources: dict[str, Money] = {}
    before_total = None
    if prev is not None:
        prev_params = _params(prev, include_submitted)
        before_areas = {a.letter: a.money for a in dashboard.area_rows(session=session, **prev_params)}
        before_sources = {s.code: s.money for s in dashboard.source_rows(session=session, **prev_params)}
        before_total = dashboard.semester_summary(session=session, **prev_params).money
    objectives = [
        (area, row)
        for area in areas
        if area.objectives
        for row in dashboard.area_objectives(session=session, area_letter=area.letter, **params)
    ]
    reports = {r.objective_id: r for r in session.exec(select(Report).where(Report.semester_id == sem.id))}
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


def _semester_info(session: Session, semester_id: int) -> SemesterInfo:
    for s in dashboard.semester_options(session=session):
        if s.id == semester_id:
            return s
    raise ValueError("Semestre non trovato.")


def _year_slots(session: Session, year: int, include_submitted: bool) -> list[Slot]:
    by_half = {s.half: s for s in dashboard.semester_options(session=session) if s.year == year}
    if not by_half:
        raise ValueError(f"Nessun semestre del {year}: il report annuale riguarda un anno con almeno un semestre.")
    return [
        Slot(year, half, _load_semester(session, by_half[half], include_submitted) if half in by_half else None)
        for half in SEMESTER_HALF_LABELS
    ]


def _series(session: Session, slots: list[Slot], include_submitted: bool) -> dict[int, list[IndicatorSeries]]:
    """Each objective's indicators up to the last existing semester (its points cover the earlier ones too)."""
    last = _last(slots)
    return dashboard.indicators_of_objectives(
        session=session, objective_ids=[row.id for _a, row in last.objectives], **_params(last.info, include_submitted)
    )


def _continuity(session: Session) -> dict[int, bool | None]:
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
    budget: str = ""  # which budget the spend is compared with (dashboard.budget_period's label)
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


def _context(session: Session, title: str, slots: list[Slot], include_submitted: bool) -> Context:
    plan = session.exec(select(Plan)).first()
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


# --- the summary tables (Sintesi) --------------------------------------------------------------


def _groups(slots: list[Slot], lead: int, per_slot: int, tail: Sequence[tuple[str, int]] = ()) -> list[tuple[str, int]]:
    """The row above the header naming each semester's columns; none in a one-semester report."""
    if len(slots) == 1 and not tail:
        return []
    return [("", lead), *[(s.label if s.data else f"{s.label} · {NOT_OPENED}", per_slot) for s in slots], *tail]


BAND_COLUMNS = [
    *[Col(label, 12, BAND) for label in CATEGORY_LABELS],
    Col("Totale conteggiati", 12),
    Col("Obiettivi monitorati", 12),
    Col("Raggiungimento", 14),
    Col("Fascia", 15),
]


def _band_cells(tally: dashboard.Tally, objectives: int) -> list[Cell]:
    return [
        *[Cell(tally.counts[label], COUNT) for label in CATEGORY_LABELS],
        Cell(tally.reported, COUNT),
        Cell(objectives, COUNT),
        Cell(tally.achievement, PERCENT),
        Cell(tally.band, BAND),
    ]


def bands_table(slots: list[Slot]) -> Table:
    """Objectives per band in each macro-area (catalogue order), then every area together."""
    first = next(s.data for s in slots if s.data)
    rows = []
    for i, area in enumerate(first.areas):
        cells = [Cell(area.letter), Cell(area.title)]
        for slot in slots:
            cells += (
                _band_cells(slot.data.areas[i].tally, slot.data.areas[i].objectives)
                if slot.data
                else _blank(len(BAND_COLUMNS), NOT_OPENED)
            )
        rows.append(Row(cells))
    total = [Cell("Totale"), Cell("Tutte le aree")]
    for slot in slots:
        total += (
            _band_cells(slot.data.summary.tally, slot.data.summary.objectives)
            if slot.data
            else _blank(len(BAND_COLUMNS))
        )
    rows.append(Row(total, "total"))
    return Table(
        "Obiettivi per fascia di raggiungimento e macro-area",
        [Col("Area", 16), Col("Macro-area", 44), *BAND_COLUMNS * len(slots)],
        rows,
        _groups(slots, 2, len(BAND_COLUMNS)),
        note="Fascia dell'obiettivo: azioni realizzate × 100 / programmate nel suo report del semestre; "
        "non calcolabile: nessuna azione programmata.",
    )


STATE_ROWS = {
    state: f"{'Obiettivi' if state == NO_REPORT else 'Report'} {label}"
    for state, label in REPORT_STATE_COUNT_LABELS.items()
}


def achievement_table(slots: list[Slot]) -> Table:
    """The whole plan's achievement and what it was computed from, one column per semester."""
    lines: list[tuple[str, Callable[[Summary], Cell]]] = [
        ("Obiettivi monitorati", lambda s: Cell(s.objectives, COUNT)),
        *[(label, lambda s, st=state: Cell(s.report_states.get(st, 0), COUNT)) for state, label in STATE_ROWS.items()],
        ("Report conteggiati", lambda s: Cell(s.tally.reported, COUNT)),
        ("di cui inviati non ancora approvati", lambda s: Cell(s.tally.submitted, COUNT)),
        ("Azioni realizzate", lambda s: Cell(s.tally.done, COUNT)),
        ("Azioni programmate", lambda s: Cell(s.tally.planned, COUNT)),
        ("Raggiungimento (azioni realizzate × 100 / programmate)", lambda s: Cell(s.tally.achievement, PERCENT)),
        ("Fascia", lambda s: Cell(s.tally.band, BAND)),
    ]
    rows = [
        Row([Cell(label), Cell(), *[fn(s.data.summary) if s.data else Cell(NOT_OPENED) for s in slots]])
        for label, fn in lines
    ]
    return Table("Raggiungimento complessivo", [Col("", 16), Col("", 44), *[Col(s.label, 16) for s in slots]], rows)


MONEY_COLUMNS = [
    Col("Impegnato (cumulato)", 16),
    Col("Liquidato (cumulato)", 16),
    Col("Liquidato / budget", 13),
    Col("Classe (griglia regionale)", 24),
    Col("Liquidato atteso (% del budget)", 15),
]
YEAR_COLUMNS = [Col("Impegnato nell'anno", 16), Col("Liquidato nell'anno", 16)]


def _money_cells(money: Money, expected: float | None) -> list[Cell]:
    return [
        Cell(money.committed, EURO),
        Cell(money.paid, EURO),
        Cell(money.ratio, PERCENT),
        Cell(money.spend_class, SPEND_CLASS),
        Cell(expected, PERCENT),
    ]


def _own_by(own: Callable[[SemesterData, str], Money | None], key: str) -> Callable[[SemesterData], Money | None]:
    """One row's money in a semester, for _year_own (the key bound here, not read from a loop variable)."""
    return lambda d: own(d, key)


def _year_own(slots: list[Slot], pick: Callable[[SemesterData], Money | None]) -> list[Cell]:
    owned = [m for m in (pick(s.data) for s in slots if s.data) if m is not None]
    return [Cell(round(sum(m.committed for m in owned), 2), EURO), Cell(round(sum(m.paid for m in owned), 2), EURO)]


def _money_table(
    title: str,
    slots: list[Slot],
    keys: list[tuple[str, str, str]],
    cumulated: Callable[[SemesterData, str], Money | None],
    own: Callable[[SemesterData, str], Money | None],
    first: tuple[Col, Col],
) -> Table:
    """Rows `keys` (key, first cell, second cell), budget, per semester the cumulated money, per year the own."""
    annual = len(slots) > 1
    last = _last(slots)
    rows = []
    for key, name, detail in [*keys, ("", "Totale", "Tutto il piano")]:
        pick = (lambda d, k=key: cumulated(d, k)) if key else (lambda d: d.summary.money)
        base = pick(last) or Money()
        cells = [Cell(name), Cell(detail), budget_cell(base), Cell(base.budget_missing, COUNT)]
        for slot in slots:
            cells += (
                _money_cells(pick(slot.data) or Money(), slot.data.summary.expected_share)
                if slot.data
                else _blank(len(MONEY_COLUMNS), NOT_OPENED)
            )
        if annual:
            cells += _year_own(slots, _own_by(own, key) if key else (lambda d: d.own_total))
        rows.append(Row(cells, "" if key else "total"))
    columns = [
        *first,
        Col("Budget", 16),
        Col("Voci senza importo", 11),
        *MONEY_COLUMNS * len(slots),
        *(YEAR_COLUMNS if annual else []),
    ]
    groups = _groups(slots, 4, len(MONEY_COLUMNS), [(f"Anno {slots[0].year}", 2)] if annual else [])
    return Table(
        title,
        columns,
        rows,
        groups,
        note="Impegnato e liquidato cumulati dall'inizio del piano fino alla fine del semestre; "
        "le voci di budget senza importo non entrano nel budget.",
    )


def area_money_table(slots: list[Slot]) -> Table:
    first = next(s.data for s in slots if s.data)
    keys = [(a.letter, a.letter, a.title) for a in first.areas]
    return _money_table(
        "Budget e spesa per macro-area",
        slots,
        keys,
        lambda d, k: next(a.money for a in d.areas if a.letter == k),
        lambda d, k: d.own_areas.get(k),
        (Col("Area", 16), Col("Macro-area", 44)),
    )


def _source_codes(slots: list[Slot]) -> list[str]:
    """Funding sources with budget or spend in any of the semesters, in the vocabulary's order."""
    seen = {s.code for slot in slots if slot.data for s in slot.data.sources}
    return [str(code) for code in FundingSource if code in seen]


def source_money_table(slots: list[Slot]) -> Table:
    keys = [(code, funding_label(code), FUNDING_LABELS[FundingSource(code)]) for code in _source_codes(slots)]
    return _money_table(
        "Budget e spesa per fonte di finanziamento",
        slots,
        keys,
        lambda d, k: next((s.money for s in d.sources if s.code == k), None),
        lambda d, k: d.own_sources.get(k),
        (Col("Fonte", 16), Col("Denominazione", 44)),
    )


def summary_tables(slots: list[Slot]) -> list[Table]:
    return [bands_table(slots), achievement_table(slots), area_money_table(slots), source_money_table(slots)]


# --- Tabella Esiti: the regional grid, one block per objective ---------------------------------


@dataclass(frozen=True)
class Outcome:
    """One objective in one semester, for the grid's rows."""

    row: ObjectiveRow
    report: Report | None
    continuity: bool | None


def _state_text(row: ObjectiveRow) -> str:
    if row.state == NO_REPORT:
        return f"{NO_REPORT_TEXT} (nessun dato inserito nel semestre)"
    if not row.counted:
        return f"{NO_REPORT_TEXT} conteggiato (report in stato «{row.state}»)"
    if row.state == ReportState.INVIATA:
        return "inviata: in attesa di approvazione (conteggiata su richiesta)"
    return str(row.state)


def _users(r: Report) -> str:
    return "non pertinente" if r.users_not_relevant else r.users_assessment


# The grid's dimensions as rows (DOMAIN.md: the regional evaluation grid), each computed from one Outcome.
GRID_ROWS: tuple[tuple[str, Callable[[Outcome], Cell]], ...] = (
    ("Azioni realizzate su programmate", lambda o: Cell(o.row.actions.text)),
    ("Grado di raggiungimento (azioni realizzate × 100 / programmate)", lambda o: Cell(o.row.achievement, PERCENT)),
    ("Fascia di raggiungimento", lambda o: Cell(o.row.band, BAND)),
    ("Valutazione degli utenti", lambda o: Cell(_users(o.report) if o.report else None)),
    (
        "Adeguatezza delle risorse umane e strumentali",
        lambda o: Cell(
            ADEGUACY_LABELS.get(o.report.resource_adequacy) if o.report and o.report.resource_adequacy else "—"
        ),
    ),
    ("Budget dell'obiettivo", lambda o: budget_cell(o.row.money)),
    ("Impegnato (cumulato fino al semestre)", lambda o: Cell(o.row.money.committed, EURO)),
    ("Liquidato (cumulato fino al semestre)", lambda o: Cell(o.row.money.paid, EURO)),
    (
        "Corrispondenza tra risorse preventivate e impegnate/liquidate (liquidato × 100 / budget)",
        lambda o: Cell(o.row.money.ratio, PERCENT),
    ),
    ("Classe di corrispondenza", lambda o: Cell(o.row.money.spend_class, SPEND_CLASS)),
    ("Criticità e piano di miglioramento", lambda o: Cell(o.report.critical_issues if o.report else None)),
    (
        "Ha risposto a un bisogno con un cambiamento positivo?",
        lambda o: Cell(SI_NO[o.report.need_answered] if o.report else None),
    ),
    ("… motivazione", lambda o: Cell(o.report.need_reason if o.report else None)),
    ("In continuità con la precedente programmazione?", lambda o: Cell(SI_NO[o.continuity])),
    ("Sarà riproposto?", lambda o: Cell(SI_NO[o.report.proposed_again] if o.report else None)),
    ("… motivazione", lambda o: Cell(o.report.proposed_reason if o.report else None)),
)


def _counted(slot: Slot, objective_id: int) -> bool:
    return slot.data is not None and slot.data.objective(objective_id).counted


def _esiti_cell(slot: Slot, objective_id: int, continuity: dict, line: int) -> Cell:
    """Row `line` of GRID_ROWS (-1: the report's state) for one semester; empty without a counted report."""
    if slot.data is None:
        return Cell(NOT_OPENED if line < 0 else None)
    row = slot.data.objective(objective_id)
    if line < 0:
        return Cell(_state_text(row))
    if not row.counted:
        return Cell()
    return GRID_ROWS[line][1](Outcome(row, slot.data.reports.get(row.id), continuity.get(row.id)))


def esiti_table(slots: list[Slot], continuity: dict[int, bool | None]) -> Table:
    last = _last(slots)
    rows: list[Row] = []
    shown_area = None
    for area, obj in last.objectives:
        if area.letter != shown_area:
            rows.append(
                Row(
                    [Cell(area.letter), Cell(), Cell(f"Area {area.letter} – {area.title}"), *[Cell()] * len(slots)],
                    "heading",
                )
            )
            shown_area = area.letter
        rows.append(
            Row(
                [Cell(area.letter), Cell(obj.code), Cell(f"{obj.code} – {obj.text}"), *[Cell()] * len(slots)], "heading"
            )
        )
        lines = [(-1, "Stato del report")]
        if any(_counted(s, obj.id) for s in slots):  # otherwise the state says "nessun report": nothing to grid
            lines += list(enumerate(label for label, _fn in GRID_ROWS))
        for line, label in lines:
            rows.append(
                Row(
                    [
                        Cell(area.letter),
                        Cell(obj.code),
                        Cell(label),
                        *[_esiti_cell(s, obj.id, continuity, line) for s in slots],
                    ]
                )
            )
    width = 60 if len(slots) == 1 else 46
    return Table(
        "Tabella Esiti",
        [
            Col("Area", 7),
            Col("Obiettivo", 11),
            Col("Dimensione della griglia", 46),
            *[Col(s.label, width) for s in slots],
        ],
        rows,
    )


# --- Indicatori --------------------------------------------------------------------------------

INDICATOR_COLUMNS = ["Valore", "Target", "Raggiungimento %", "Fascia", "Nota", "Report"]


def _value_cell(unit: str, num: float | None, text: str = "") -> Cell:
    if unit == Unit.TESTO:
        return Cell(text or None)
    if num is None:
        return Cell()
    if unit == Unit.SI_NO:
        return Cell(SI_NO[bool(num)])
    if not math.isfinite(num) or not 0 <= num <= MAX_COUNT:  # stored before the input limits
        return Cell(INVALID_VALUE)
    return Cell(num, PERCENT if unit == Unit.PERCENTUALE else NUMBER)


def _point_achievement(series: IndicatorSeries, point: IndicatorPoint) -> float | None:
    return series.achievement_at(point)


def _indicator_cells(series: IndicatorSeries, slot: Slot) -> list[Cell]:
    if slot.data is None:
        return _blank(len(INDICATOR_COLUMNS) - 1) + [Cell(NOT_OPENED)]
    point = next((p for p in series.points if p.ordinal == slot.data.info.ordinal), None)
    target = _value_cell(series.unit, series.targets.get(slot.year))
    if point is None or not point.state:
        return [Cell(), target, Cell(), Cell(), Cell(), Cell("nessun valore conteggiato")]
    achievement = _point_achievement(series, point)
    state = "inviata (da approvare)" if point.state == ReportState.INVIATA else point.state
    return [
        _value_cell(series.unit, point.value_num, point.value_text),
        target,
        Cell(achievement, PERCENT),
        Cell(scoring.band_label(achievement), BAND),
        Cell(point.note or None),
        Cell(state),
    ]


def indicator_table(slots: list[Slot], series: dict[int, list[IndicatorSeries]]) -> Table:
    last = _last(slots)
    rows = []
    for area, obj in last.objectives:
        for s in sorted(series.get(obj.id, []), key=lambda x: battery_rank(x.battery)):
            cells = [
                Cell(area.letter),
                Cell(obj.code),
                Cell(s.battery),
                Cell(s.text),
                Cell(UNIT_LABELS.get(Unit(s.unit), s.unit)),
            ]
            for slot in slots:
                cells += _indicator_cells(s, slot)
            # where the target comes from: the document or who set it (never the indicator's document line)
            cells.append(
                Cell(
                    "; ".join(
                        f"{y}: {o}" for y, o in sorted(s.target_origins.items()) if y in {slot.year for slot in slots}
                    )
                    or None
                )
            )
            rows.append(Row(cells))
    annual = len(slots) > 1
    per_slot = [
        Col(
            (f"{name} ({slot.short})" if annual else name).replace("Target", f"Target {slot.year}"),
            40 if name == "Nota" else 13,
        )
        for slot in slots
        for name in INDICATOR_COLUMNS
    ]
    return Table(
        "Indicatori",
        [
            Col("Area", 7),
            Col("Obiettivo", 11),
            Col("Tipo", 11),
            Col("Indicatore", 50),
            Col("Unità", 14),
            *per_slot,
            Col("Origine del target", 40),
        ],
        rows,
        _groups(slots, 5, len(INDICATOR_COLUMNS)),
        note="Raggiungimento: valore × 100 / target (per gli indicatori in cui valori più bassi sono "
        "migliori: 100 % se il target è raggiunto, altrimenti target × 100 / valore).",
    )


# --- Spesa ---------------------------------------------------------------------------------------


def _spend_rows(session: Session, data: SemesterData) -> list[tuple]:
    """(area, objective code, Spend, report state) for the rows the dashboard counts, this semester only,
    in catalogue order and, within an objective, in the vocabulary's order of funding sources."""
    # The dashboard holds the counting rule (counted reports of live objectives): the same rows, by id.
    ids = dashboard.counted_spend_ids(session=session, semester_id=data.info.id, states=data.summary.states)
    if not ids:
        return []
    rows = session.exec(
        # sqlmodel.select is typed for up to 4 columns
        select(  # type: ignore[call-overload]
            MacroArea.letter, Objective.code, Spend, Report.state, MacroArea.position, Card.position, Objective.position
        )
        .join(Report, Report.id == Spend.report_id)
        .join(Objective, Objective.id == Report.objective_id)
        .join(Card, Card.id == Objective.card_id)
        .join(MacroArea, MacroArea.id == Objective.area_id)
        .where(col(Spend.id).in_(ids))
    ).all()
    order = {str(code): i for i, code in enumerate(FundingSource)}
    rows = sorted(rows, key=lambda r: (*r[4:], r[1], order.get(r[2].source, len(order))))
    return [r[:4] for r in rows]


SPEND_COLUMNS = [
    Col("Area", 7),
    Col("Obiettivo", 11),
    Col("Fonte", 16),
    Col("Impegnato", 16),
    Col("Liquidato", 16),
    Col("Documento", 22),
    Col("Nota", 50),
    Col("Report", 22),
]


def _stored_amount(value: float) -> Cell:
    """A saved amount; one that is not plausible (written before the input checks) is named, not printed."""
    return Cell(value, EURO) if plausible_amount(value) else Cell(INVALID_VALUE)


def spend_table(session: Session, data: SemesterData) -> Table:
    rows = [
        Row(
            [
                Cell(letter),
                Cell(code),
                Cell(funding_label(sp.source)),
                _stored_amount(sp.committed),
                _stored_amount(sp.paid),
                Cell(sp.document_ref or None),
                Cell(sp.note or None),
                Cell("inviata (da approvare)" if state == ReportState.INVIATA else state),
            ]
        )
        for letter, code, sp, state in _spend_rows(session, data)
    ]
    return Table("Spesa", SPEND_COLUMNS, rows)


def fund_table(slots: list[Slot]) -> Table:
    """Spend of each semester (not cumulated) and of the year by funding source; budget and ratio cumulated."""
    annual = len(slots) > 1
    last = _last(slots)
    rows = []
    for code in [*_source_codes(slots), ""]:
        cumulated = next((s.money for s in last.sources if s.code == code), Money()) if code else last.summary.money
        cells = [Cell(funding_label(code) if code else "Totale"), budget_cell(cumulated)]
        for slot in slots:
            if slot.data is None:
                cells += _blank(2, NOT_OPENED)
                continue
            own = (slot.data.own_sources.get(code) or Money()) if code else slot.data.own_total
            cells += [Cell(own.committed, EURO), Cell(own.paid, EURO)]
        if annual:
            cells += _year_own(
                slots, _own_by(lambda d, k: d.own_sources.get(k), code) if code else (lambda d: d.own_total)
            )
        cells += [Cell(cumulated.paid, EURO), Cell(cumulated.ratio, PERCENT), Cell(cumulated.spend_class, SPEND_CLASS)]
        rows.append(Row(cells, "" if code else "total"))
    per_slot = [
        Col(f"{name} nel {slot.short}" if annual else f"{name} nel semestre", 16)
        for slot in slots
        for name in ("Impegnato", "Liquidato")
    ]
    end = f"fine {slots[-1].year}" if annual else "fine semestre"
    return Table(
        "Spesa per fonte di finanziamento",
        [
            Col("Fonte", 16),
            Col("Budget", 16),
            *per_slot,
            *(YEAR_COLUMNS if annual else []),
            Col(f"Liquidato cumulato a {end}", 16),
            Col("Liquidato / budget", 13),
            Col("Classe (griglia regionale)", 24),
        ],
        rows,
    )


# --- the workbook --------------------------------------------------------------------------------


def _fill(hex_colour: str) -> PatternFill:
    return PatternFill("solid", fgColor=hex_colour.lstrip("#"))


def _widen(ws: Worksheet, col: int, width: float) -> None:
    """Column width: the widest asked for by the tables of the sheet (the Sintesi stacks several)."""
    letter = get_column_letter(col)
    known = letter in ws.column_dimensions  # a plain dict lookup: does not create the column
    ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width, width) if known else width


def _write_cell(ws: Worksheet, row: int, col: int, cell: Cell, style: str = "") -> None:
    """One body cell: its style is built once per kind of cell and then copied (assigning openpyxl style
    objects cell by cell hashes them every time: most of a large report's time)."""
    target = ws.cell(row=row, column=col)
    colours = cell_colours(cell)
    key = (NUMBER_FORMATS.get(cell.kind), colours, style)
    styles: dict = ws.parent.__dict__.setdefault("_pdz_cell_styles", {})
    if key in styles:
        target._style = copy(styles[key])
    else:
        _style_cell(target, key[0], colours, style)
        styles[key] = copy(target._style)
    put(target, cell.value)  # after the style: a formula-looking text adds its quote prefix


def _style_cell(target, number_format: str | None, colours: tuple[str, str] | None, style: str) -> None:
    if number_format:
        target.number_format = number_format
    target.alignment = Alignment(wrap_text=True, vertical="top")
    target.border = BOX
    bold = style in ("heading", "total")
    if colours:
        target.fill = _fill(colours[0])
        target.font = Font(color=colours[1].lstrip("#"), bold=bold)
    else:
        target.font = Font(bold=bold)
        if style == "heading":
            target.fill = _fill(HEADING_FILL)


def write_table(ws: Worksheet, table: Table, row: int) -> tuple[int, int]:
    """Write `table` from `row`; returns (header row, next free row)."""
    if table.title:
        ws.cell(row=row, column=1, value=table.title).font = Font(bold=True, size=12)
        row += 1
    if table.note:
        put(ws.cell(row=row, column=1), table.note).font = Font(italic=True)
        row += 1
    col = 1
    for label, span in table.groups:
        head = put(ws.cell(row=row, column=col), label)
        head.font, head.fill, head.alignment = Font(bold=True), HEADER_FILL, Alignment(horizontal="center")
        if span > 1:
            ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=col + span - 1)
        col += span
    row += 1 if table.groups else 0
    for i, spec in enumerate(table.columns, start=1):
        head = put(ws.cell(row=row, column=i), spec.header)
        colours = cell_colours(Cell(spec.header, spec.kind))
        head.fill = _fill(colours[0]) if colours else HEADER_FILL
        head.font = Font(bold=True, color=colours[1].lstrip("#") if colours else None)
        head.alignment, head.border = Alignment(wrap_text=True, vertical="center"), BOX
        _widen(ws, i, spec.width)
    header = row
    for r in table.rows:
        row += 1
        for i, cell in enumerate(r.cells, start=1):
            _write_cell(ws, row, i, cell, r.style)
    return header, row + 1


def _page(ws: Worksheet, ctx: Context, title_rows: str) -> None:
    """Printable (A4 landscape, fit to width, header rows repeated) with the report's name on every page."""
    printable(ws, title_rows=title_rows)
    ws.oddHeader.center.text = f"{ctx.title} · {ctx.plan}".replace("&", "&&")  # & starts a header code
    ws.oddFooter.right.text = "Pagina &P di &N"
    ws.oddFooter.left.text = f"Generato il {ctx.generated}"


def _summary_sheet(wb: Workbook, ctx: Context, tables: list[Table]) -> Worksheet:
    ws = wb.create_sheet(SHEETS[0])
    ws.cell(row=1, column=1, value=ctx.title).font = Font(bold=True, size=14)
    row = 2
    for label, value in ctx.lines():
        ws.cell(row=row, column=1, value=label).font = Font(bold=True)
        put(ws.cell(row=row, column=2), value)
        row += 1
    for table in tables:
        _header, row = write_table(ws, table, row + 1)
    _page(ws, ctx, "1:1")
    return ws


def _table_sheet(
    wb: Workbook, name: str, ctx: Context, table: Table, subtitle: str, extra: Sequence[Table] = ()
) -> Worksheet:
    """One table per sheet under a title row: header frozen, filterable and repeated on every printed page."""
    ws = wb.create_sheet(name)
    put(ws.cell(row=1, column=1), f"{table.title} · {subtitle}").font = Font(bold=True, size=12)
    body = Table("", table.columns, table.rows, table.groups)
    header, end = write_table(ws, body, 2 + (1 if table.note else 0))
    if table.note:
        put(ws.cell(row=2, column=1), table.note).font = Font(italic=True)
    ws.freeze_panes = ws.cell(row=header + 1, column=1)
    ws.auto_filter.ref = f"A{header}:{get_column_letter(len(table.columns))}{max(end - 1, header)}"
    for more in extra:
        _h, end = write_table(ws, more, end + 1)
    _page(ws, ctx, f"1:{header}")
    return ws


def _workbook(ctx: Context) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title = f"{ctx.title} · {ctx.plan}"
    wb.properties.creator = "Monitoraggio Piano di Zona"
    return wb


# --- public API --------------------------------------------------------------------------------


def semester_report_xlsx(
    semester_id: int, *, actor: Actor | None, session: Session, include_submitted: bool = False
) -> bytes:
    """One semester: Sintesi, Tabella Esiti, Indicatori, Spesa (the figures of the Cruscotto)."""
    require_report_reader(actor)
    sem = _semester_info(session, semester_id)
    data = _load_semester(session, sem, include_submitted)
    slots = [Slot(sem.year, sem.half, data)]
    ctx = _context(session, f"Report semestrale · {sem.label}", slots, include_submitted)
    wb = _workbook(ctx)
    subtitle = f"{sem.label} · {COUNTED_LABELS[include_submitted]}"
    _summary_sheet(wb, ctx, summary_tables(slots))
    _table_sheet(wb, SHEETS[1], ctx, esiti_table(slots, _continuity(session)), subtitle)
    _table_sheet(wb, SHEETS[2], ctx, indicator_table(slots, _series(session, slots, include_submitted)), subtitle)
    _table_sheet(wb, SHEETS[3], ctx, spend_table(session, data), f"righe di spesa del {subtitle}", [fund_table(slots)])
    mark_workbook(wb, session=session, title_sheets=wb.sheetnames)
    return to_bytes(wb)


@dataclass
class AnnualContent:
    """What both annual formats show."""

    ctx: Context
    slots: list[Slot]
    tables: list[Table]  # the summary tables
    esiti: Table
    funds: Table


def _annual(session: Session, year: int, include_submitted: bool) -> AnnualContent:
    slots = _year_slots(session, year, include_submitted)
    ctx = _context(session, f"Report annuale {year}", slots, include_submitted)
    return AnnualContent(ctx, slots, summary_tables(slots), esiti_table(slots, _continuity(session)), fund_table(slots))


def annual_report_xlsx(year: int, *, actor: Actor | None, session: Session, include_submitted: bool = False) -> bytes:
    """A year, both semesters side by side (a semester not yet opened is said to be so)."""
    require_report_reader(actor)
    content = _annual(session, year, include_submitted)
    ctx, slots = content.ctx, content.slots
    wb = _workbook(ctx)
    subtitle = f"anno {year} · {COUNTED_LABELS[include_submitted]}"
    _summary_sheet(wb, ctx, content.tables)
    _table_sheet(wb, SHEETS[1], ctx, content.esiti, subtitle)
    _table_sheet(wb, SHEETS[2], ctx, indicator_table(slots, _series(session, slots, include_submitted)), subtitle)
    _table_sheet(wb, SHEETS[3], ctx, content.funds, subtitle)
    mark_workbook(wb, session=session, title_sheets=wb.sheetnames)
    return to_bytes(wb)


def annual_report_html(year: int, *, actor: Actor | None, session: Session, include_submitted: bool = False) -> str:
    """The annual report as one self-contained HTML page (Plotly inlined once: works offline)."""
    from models import report_html  # it renders this module's tables: imported here to avoid a cycle

    require_report_reader(actor)
    content = _annual(session, year, include_submitted)
    last = [s.data for s in content.slots if s.data][-1]
    trend = dashboard.trend(session=session, **_params(last.info, include_submitted))
    return report_html.annual_document(content, trend)


def report_years(*, session: Session) -> list[int]:
    """Years with at least one semester, newest first."""
    return sorted({s.year for s in dashboard.semester_options(session=session)}, reverse=True)


def semester_report_name(semester_id: int, *, session: Session) -> str:
    sem = session.get(Semester, semester_id)
    if sem is None:
        raise ValueError("Semestre non trovato.")
    return demo_file_name(f"report_semestrale_{sem.year}_{'I' if sem.half == 1 else 'II'}.xlsx", session=session)


def annual_report_name(year: int, ext: str) -> str:
    ext = ext.lower().lstrip(".")
    if ext not in FILE_EXTENSIONS:
        raise ValueError(f"Formato {ext!r} non previsto per il report annuale (ammessi: xlsx, html).")
    return f"report_annuale_{year}.{ext}"


def annual_report_file_name(year: int, ext: str, *, session: Session) -> str:
    """The download's name: annual_report_name, prefixed DIMOSTRATIVO_ for generated data."""
    return demo_file_name(annual_report_name(year, ext), session=session)

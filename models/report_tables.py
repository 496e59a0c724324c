"""The report's tables (Sintesi, Tabella Esiti, Indicatori, Spesa), built from models.report_model's data.

Over 400 lines: one builder per table of the regional grid, each small; split further they would share helpers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from models import dashboard_results, dashboard_sql, scoring
from models.dashboard_results import (
    CATEGORY_LABELS,
    NO_REPORT,
    IndicatorPoint,
    IndicatorSeries,
    Money,
    ObjectiveRow,
    Summary,
)
from models.formatting import INVALID_VALUE
from models.report_model import (
    BAND,
    COUNT,
    EURO,
    NO_REPORT_TEXT,
    NOT_OPENED,
    NUMBER,
    PERCENT,
    SI_NO,
    SPEND_CLASS,
    AnnualContent,
    Cell,
    Col,
    ReportTexts,
    Row,
    SemesterData,
    Slot,
    Table,
    blank_cells,
    budget_cell,
    build_context,
    continuity_flags,
    last_semester,
    year_slots,
)
from models.tables import Card, MacroArea, Objective, Report, Spend
from models.validation import MAX_COUNT, plausible_amount
from models.vocab import (
    ADEGUACY_LABELS,
    FUNDING_LABELS,
    REPORT_STATE_COUNT_LABELS,
    UNIT_LABELS,
    FundingSource,
    ReportState,
    Unit,
    battery_rank,
    funding_label,
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


def _band_cells(tally: dashboard_results.Tally, objectives: int) -> list[Cell]:
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
                else blank_cells(len(BAND_COLUMNS), NOT_OPENED)
            )
        rows.append(Row(cells))
    total = [Cell("Totale"), Cell("Tutte le aree")]
    for slot in slots:
        total += (
            _band_cells(slot.data.summary.tally, slot.data.summary.objectives)
            if slot.data
            else blank_cells(len(BAND_COLUMNS))
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
    last = last_semester(slots)
    rows = []
    for key, name, detail in [*keys, ("", "Totale", "Tutto il piano")]:
        pick = (lambda d, k=key: cumulated(d, k)) if key else (lambda d: d.summary.money)
        base = pick(last) or Money()
        cells = [Cell(name), Cell(detail), budget_cell(base), Cell(base.budget_missing, COUNT)]
        for slot in slots:
            cells += (
                _money_cells(pick(slot.data) or Money(), slot.data.summary.expected_share)
                if slot.data
                else blank_cells(len(MONEY_COLUMNS), NOT_OPENED)
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
    report: ReportTexts | None
    continuity: bool | None


def _state_text(row: ObjectiveRow) -> str:
    if row.state == NO_REPORT:
        return f"{NO_REPORT_TEXT} (nessun dato inserito nel semestre)"
    if not row.counted:
        return f"{NO_REPORT_TEXT} conteggiato (report in stato «{row.state}»)"
    if row.state == ReportState.INVIATA:
        return "inviata: in attesa di approvazione (conteggiata su richiesta)"
    return str(row.state)


def _users(r: ReportTexts) -> str:
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


EMPTY = Cell()
GRID_LABELS = [Cell("Stato del report"), *[Cell(label) for label, _fn in GRID_ROWS]]


def _esiti_column(slot: Slot, objective_id: int, continuity: dict) -> list[Cell]:
    """One semester's cells of an objective's block: the report's state, then GRID_ROWS' cells when the
    semester has a counted report (the rows below the state are empty otherwise)."""
    if slot.data is None:
        return [Cell(NOT_OPENED)]
    row = slot.data.objective(objective_id)
    state = Cell(_state_text(row))
    if not row.counted:
        return [state]
    outcome = Outcome(row, slot.data.reports.get(row.id), continuity.get(row.id))
    return [state, *[fn(outcome) for _label, fn in GRID_ROWS]]


def esiti_table(slots: list[Slot], continuity: dict[int, bool | None]) -> Table:
    last = last_semester(slots)
    rows: list[Row] = []
    shown_area = None
    blanks = [EMPTY] * len(slots)
    for area, obj in last.objectives:
        letter = Cell(area.letter)  # cells are immutable: one per objective, shared by its rows
        if area.letter != shown_area:
            rows.append(Row([letter, EMPTY, Cell(f"Area {area.letter} – {area.title}"), *blanks], "heading"))
            shown_area = area.letter
        code = Cell(obj.code)
        rows.append(Row([letter, code, Cell(f"{obj.code} – {obj.text}"), *blanks], "heading"))
        columns = [_esiti_column(s, obj.id, continuity) for s in slots]
        # without a counted report in any semester the state says "nessun report": nothing to grid
        lines = len(GRID_LABELS) if any(len(c) > 1 for c in columns) else 1
        for line in range(lines):
            rows.append(Row([letter, code, GRID_LABELS[line], *[c[line] if line < len(c) else EMPTY for c in columns]]))
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
        return blank_cells(len(INDICATOR_COLUMNS) - 1) + [Cell(NOT_OPENED)]
    ordinal = slot.data.info.ordinal
    point = next((p for p in series.points if p.ordinal == ordinal), None)
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
    last = last_semester(slots)
    rows = []
    years = {slot.year for slot in slots}
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
                Cell("; ".join(f"{y}: {o}" for y, o in sorted(s.target_origins.items()) if y in years) or None)
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
    ids = dashboard_sql.counted_spend_ids(session=session, semester_id=data.info.id, states=data.summary.states)
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
    last = last_semester(slots)
    rows = []
    for code in [*_source_codes(slots), ""]:
        cumulated = next((s.money for s in last.sources if s.code == code), Money()) if code else last.summary.money
        cells = [Cell(funding_label(code) if code else "Totale"), budget_cell(cumulated)]
        for slot in slots:
            if slot.data is None:
                cells += blank_cells(2, NOT_OPENED)
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


def annual_content(session: Session, year: int, include_submitted: bool) -> AnnualContent:
    slots = year_slots(session, year, include_submitted)
    ctx = build_context(session, f"Report annuale {year}", slots, include_submitted)
    return AnnualContent(
        ctx, slots, summary_tables(slots), esiti_table(slots, continuity_flags(session)), fund_table(slots)
    )

"""Semester and annual reports (models/report_export.py, models/report_html.py) and `models.cli report`.

Figures are checked twice: against the Cruscotto's aggregates (models.dashboard: the report must equal the
screen) and against values computed here by hand from the literals that are inserted (band thresholds written
out again, sums by loops), never by calling the code under test.
"""

from __future__ import annotations

import gc
import html
import io
import re
import subprocess
import zipfile

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from models import dashboard, report_export, report_xlsx
from models.db import bump_data_change, get_engine, session_scope
from models.errors import InputRefused, NotFound
from models.formatting import BUDGET_TO_DEFINE
from models.permissions import Actor, PermissionDenied
from models.scoring import BANDS, SPEND_CLASSES
from models.startup import prepare_database
from models.tables import Indicator, IndicatorTarget, IndicatorValue, Objective, Report, Semester, Spend
from models.xlsx import EURO_FORMAT, PERCENT_FORMAT
from tests.cli_helpers import cli_env, run_cli
from tests.conftest import SMALL_PLAN
from tests.report_helpers import add_report
from tests.test_dashboard import band_by_hand, states_for

pytestmark = pytest.mark.both_databases  # its SQL runs on SQLite and on PostgreSQL (tests/conftest.py)

BAND_NAMES = ("nullo", "insufficiente", "sufficiente", "buono", "ottimo")
CATEGORIES = (*BAND_NAMES, "non calcolabile")
PLAN_BUDGET = {"A": 100000.0 + 50000.0, "B": 20000.0, "D": 0.0}  # plan_small's budget lines with an amount
SOURCE_BUDGET = {"FNPS": 100000.0, "PNRR": 50000.0, "COMUNALE": 20000.0, "FONDO_POVERTA": 0.0}
ANNUAL_2025 = {"B", "COMUNALE"}  # plan_small's B.1 line (COMUNALE) is tied to 2025; A's lines cover the plan


def period_budget(amount: float, key: str, sem: tuple[int, int]) -> float:
    """The share of a budget in the period monitored up to `sem` (dashboard_sql.budget_period): a plan line
    one sixth per semester opened, a 2025 line half per semester of 2025."""
    monitored = [s for s in SEMESTERS if s <= sem]
    if key in ANNUAL_2025:
        return amount * sum(1 for y, _ in monitored if y == 2025) / 2
    return amount * len(monitored) / 6


AREA_OF = {"A.1": "A", "A.2": "A", "B.1": "B"}
SEMESTERS = [(2025, 1), (2025, 2)]
# (objective, year, half) -> (state, actions done, actions planned)
REPORTS = {
    ("A.1", 2025, 1): ("approvata", 2, 4),
    ("A.2", 2025, 1): ("approvata", 0, 1),
    ("B.1", 2025, 1): ("inviata", 1, 2),
    ("A.1", 2025, 2): ("approvata", 4, 4),
    ("A.2", 2025, 2): ("inviata", 1, 1),
    ("B.1", 2025, 2): ("bozza", 2, 2),
}
# (objective, year, half) -> [(source, committed, paid)] spent in that semester
SPEND = {
    ("A.1", 2025, 1): [("FNPS", 20000.0, 10000.0), ("FONDO_POVERTA", 3000.0, 1500.0)],
    ("A.2", 2025, 1): [("PNRR", 5000.0, 2500.0)],
    ("B.1", 2025, 1): [("COMUNALE", 4000.0, 2000.0)],
    ("A.1", 2025, 2): [("FNPS", 30000.0, 25000.0)],
    ("A.2", 2025, 2): [("PNRR", 10000.0, 8000.0)],
    ("B.1", 2025, 2): [("COMUNALE", 6000.0, 6000.0)],
}
# Texts typed by users that a spreadsheet would read as formulas, and HTML that a browser would run.
FORMULA_LIKE = {
    "critical_issues": '=HYPERLINK("http://esempio.it","clic")',
    "users_assessment": "+39 0372 123456",
    "need_reason": "-1+1",
    "proposed_reason": "@SUM(A1:A2)",
}
SPEND_NOTE, SPEND_DOC = "=1+1", "@documento"
HTML_ATTACK = "<img src=x onerror=alert(1)>"
SEM_TITLE, AREA_MONEY, SOURCE_MONEY = (
    "Obiettivi per fascia di raggiungimento e macro-area",
    "Budget e spesa per macro-area",
    "Budget e spesa per fonte di finanziamento",
)


# --- the known dataset ------------------------------------------------------------------------


def counted(sem, include_submitted, area=None):
    return [
        (code, done, planned)
        for (code, y, h), (state, done, planned) in REPORTS.items()
        if (y, h) == sem and state in states_for(include_submitted) and (area is None or AREA_OF[code] == area)
    ]


def expected_bands(sem, include_submitted, area=None) -> dict[str, int]:
    out = dict.fromkeys(CATEGORIES, 0)
    for _code, done, planned in counted(sem, include_submitted, area):
        out[band_by_hand(done, planned)] += 1
    return out


def expected_money(sem, include_submitted, *, area=None, source=None, only_this=False) -> tuple[float, float]:
    """(committed, paid) cumulated up to `sem` (or of `sem` alone) over counted reports."""
    committed = paid = 0.0
    for (code, y, h), rows in SPEND.items():
        in_range = (y, h) == sem if only_this else (y, h) <= sem
        if (
            in_range
            and REPORTS[(code, y, h)][0] in states_for(include_submitted)
            and (area is None or AREA_OF[code] == area)
        ):
            for src, c, p in rows:
                if source is None or src == source:
                    committed, paid = committed + c, paid + p
    return committed, paid


def populate(engine, semesters=SEMESTERS) -> None:
    with session_scope(engine) as s:
        objs = {o.code: o for o in s.exec(select(Objective))}
        sems = {}
        for year, half in semesters:
            sems[(year, half)] = Semester(year=year, half=half, state="chiuso" if half == 1 else "aperto")
            s.add(sems[(year, half)])
        s.flush()
        for (code, year, half), (state, done, planned) in REPORTS.items():
            if (year, half) not in sems:
                continue
            report = add_report(
                s,
                objective_id=objs[code].id,
                semester_id=sems[(year, half)].id,
                state=state,
                done=done,
                planned=planned,
                resource_adequacy="adeguato",
                need_answered=True,
                need_reason="Bisogno rilevato",
                proposed_again=True,
                proposed_reason="Da consolidare",
            )
            if (code, year, half) == ("A.1", 2025, 1):
                for name, text in FORMULA_LIKE.items():
                    setattr(report, name, text)
                report.proposed_again = False
            if (code, year, half) == ("A.1", 2025, 2):
                report.critical_issues = HTML_ATTACK
                report.users_not_relevant = True
            s.add(report)
            s.flush()
            for source, committed, paid in SPEND.get((code, year, half), []):
                first = (code, year, half, source) == ("A.1", 2025, 1, "FNPS")
                s.add(
                    Spend(
                        report_id=report.id,
                        source=source,
                        committed=committed,
                        paid=paid,
                        note=SPEND_NOTE if first else "",
                        document_ref=SPEND_DOC if first else "Det. 1/2025",
                    )
                )
        bump_data_change(s)


def add_indicator_values(engine) -> None:
    """A.1: meetings (target 10; 4 then 9), waiting days (lower is better, target 20; 40 in the I semester)."""
    with session_scope(engine) as s:
        meetings = s.exec(select(Indicator).where(Indicator.text == "N. di incontri della cabina di regia")).one()
        waiting = s.exec(select(Indicator).where(Indicator.text == "Tempi di attesa (giorni)")).one()
        s.add(IndicatorTarget(indicator_id=meetings.id, year=2025, target=10))
        s.add(IndicatorTarget(indicator_id=waiting.id, year=2025, target=20))
        for (year, half), value in zip(SEMESTERS, (4.0, 9.0)):
            report = s.exec(
                select(Report)
                .join(Semester)
                .join(Objective)
                .where(Objective.code == "A.1", Semester.year == year, Semester.half == half)
            ).one()
            s.add(
                IndicatorValue(
                    report_id=report.id,
                    indicator_id=meetings.id,
                    value_num=value,
                    note="-nota: stimato" if half == 1 else "",
                )
            )
            if half == 1:
                s.add(IndicatorValue(report_id=report.id, indicator_id=waiting.id, value_num=40.0))


@pytest.fixture
def data(small_plan):
    populate(small_plan)
    add_indicator_values(small_plan)
    return small_plan


def sid(engine, year: int, half: int) -> int:
    with session_scope(engine) as s:
        return s.exec(select(Semester.id).where(Semester.year == year, Semester.half == half)).one()


def call(engine, fn, *args, **kwargs):
    with session_scope(engine) as s:
        return fn(*args, session=s, **kwargs)


def semester_wb(engine, year=2025, half=1, include_submitted=False):
    data = call(
        engine,
        report_export.semester_report_xlsx,
        sid(engine, year, half),
        actor=None,
        include_submitted=include_submitted,
    )
    return load_workbook(io.BytesIO(data)), data


def annual_wb(engine, year=2025, include_submitted=False):
    data = call(engine, report_export.annual_report_xlsx, year, actor=None, include_submitted=include_submitted)
    return load_workbook(io.BytesIO(data))


# --- reading the workbook back ------------------------------------------------------------------


def find_table(ws, title: str, first: str):
    """(header values, body rows as cells) of the table titled `title` whose header starts with `first`."""
    rows = list(ws.iter_rows())
    start = next(i for i, r in enumerate(rows) if r[0].value == title)
    head = next(i for i in range(start + 1, len(rows)) if rows[i][0].value == first)
    body = []
    for r in rows[head + 1 :]:
        if all(c.value is None for c in r):
            break
        body.append(r)
    return [c.value for c in rows[head]], body


def by_first(body) -> dict:
    return {r[0].value: r for r in body}


def label_row(ws, title: str, label: str):
    rows = list(ws.iter_rows())
    start = next(i for i, r in enumerate(rows) if r[0].value == title)
    return next(r for r in rows[start + 1 :] if r[0].value == label)


def sheet_table(ws, first: str = "Area") -> tuple[list, list[dict]]:
    """A one-table sheet: the header row (first cell `first`) and each row as {header: cell} until a blank row."""
    rows = list(ws.iter_rows())
    head = next(i for i, r in enumerate(rows) if r[0].value == first)
    header = [c.value for c in rows[head]]
    body = []
    for r in rows[head + 1 :]:
        if all(c.value is None for c in r):
            break
        body.append(dict(zip(header, r)))
    return header, body


def esiti(ws, code: str) -> dict[str, list]:
    """Tabella Esiti: dimension label -> the values of each semester column, for one objective."""
    out: dict[str, list] = {}
    for r in ws.iter_rows(min_row=3):
        if r[1].value == code:
            out.setdefault(r[2].value, [c.value for c in r[3:]])
    return out


def esiti_cells(ws, code: str, label: str):
    return next(r[3:] for r in ws.iter_rows(min_row=3) if r[1].value == code and r[2].value == label)


def hex_of(colour) -> str:
    return colour.rgb[-6:].upper()


# --- semester report: structure ------------------------------------------------------------------


def test_semester_report_sheets_and_headers(data):
    wb, _ = semester_wb(data)
    assert wb.sheetnames == ["Sintesi", "Tabella Esiti", "Indicatori", "Spesa"]
    header, _ = find_table(wb["Sintesi"], SEM_TITLE, "Area")
    assert header == [
        "Area",
        "Macro-area",
        *CATEGORIES,
        "Totale conteggiati",
        "Obiettivi monitorati",
        "Raggiungimento",
        "Fascia",
    ]
    header, _ = find_table(wb["Sintesi"], AREA_MONEY, "Area")
    assert header[:8] == [
        "Area",
        "Macro-area",
        "Budget",
        "Voci senza importo",
        "Impegnato (cumulato)",
        "Liquidato (cumulato)",
        "Liquidato / budget",
        "Classe (griglia regionale)",
    ]
    assert sheet_table(wb["Indicatori"])[0] == [
        "Area",
        "Obiettivo",
        "Tipo",
        "Indicatore",
        "Unità",
        "Valore",
        "Target 2025",
        "Raggiungimento %",
        "Fascia",
        "Nota",
        "Report",
        "Origine del target",
    ]
    assert sheet_table(wb["Spesa"])[0] == [
        "Area",
        "Obiettivo",
        "Fonte",
        "Impegnato",
        "Liquidato",
        "Documento",
        "Nota",
        "Report",
    ]
    assert sheet_table(wb["Tabella Esiti"])[0] == ["Area", "Obiettivo", "Dimensione della griglia", "I semestre 2025"]
    lines = {r[0].value: r[1].value for r in wb["Sintesi"].iter_rows(min_row=2, max_row=7)}
    assert lines["Piano"] == "Piano di Zona di prova" and lines["Ambito"] == "Ambito di prova"
    assert lines["Periodo"] == "I semestre 2025 (chiuso)"
    assert lines["Che cosa si conta"] == "Conteggiati solo i report approvati"
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", lines["Generato il"])


# --- semester report: figures ---------------------------------------------------------------------


@pytest.mark.parametrize("include_submitted", [False, True])
@pytest.mark.parametrize("sem", SEMESTERS)
def test_sintesi_bands_equal_dashboard_and_hand(data, sem, include_submitted):
    wb, _ = semester_wb(data, *sem, include_submitted=include_submitted)
    header, body = find_table(wb["Sintesi"], SEM_TITLE, "Area")
    rows = by_first(body)
    areas = call(data, dashboard.area_rows, semester_id=sid(data, *sem), include_submitted=include_submitted)
    summary = call(data, dashboard.semester_summary, semester_id=sid(data, *sem), include_submitted=include_submitted)
    assert [r[0].value for r in body] == ["A", "B", "D", "Totale"]  # catalogue order, then the total
    for area in areas:
        got = {c: rows[area.letter][header.index(c)].value for c in CATEGORIES}
        assert got == area.tally.counts == expected_bands(sem, include_submitted, area.letter)
    total = {c: rows["Totale"][header.index(c)].value for c in CATEGORIES}
    assert total == summary.tally.counts == expected_bands(sem, include_submitted)
    done = sum(d for _c, d, _p in counted(sem, include_submitted))
    planned = sum(p for _c, _d, p in counted(sem, include_submitted))
    achievement = rows["Totale"][header.index("Raggiungimento")]
    assert achievement.value == pytest.approx(done * 100 / planned) == pytest.approx(summary.tally.achievement)
    assert rows["Totale"][header.index("Fascia")].value == band_by_hand(done, planned)
    assert label_row(wb["Sintesi"], "Raggiungimento complessivo", "Azioni realizzate")[2].value == done
    assert label_row(wb["Sintesi"], "Raggiungimento complessivo", "Azioni programmate")[2].value == planned


@pytest.mark.parametrize("include_submitted", [False, True])
@pytest.mark.parametrize("sem", SEMESTERS)
def test_sintesi_money_equals_dashboard_and_hand(data, sem, include_submitted):
    wb, _ = semester_wb(data, *sem, include_submitted=include_submitted)
    params = {"semester_id": sid(data, *sem), "include_submitted": include_submitted}
    header, body = find_table(wb["Sintesi"], AREA_MONEY, "Area")
    rows = by_first(body)
    col = {h: header.index(h) for h in header}
    for area in call(data, dashboard.area_rows, **params):
        row = rows[area.letter]
        committed, paid = expected_money(sem, include_submitted, area=area.letter)
        budget = period_budget(PLAN_BUDGET[area.letter], area.letter, sem)
        assert area.money.budget == pytest.approx(budget)
        # a budget the plan does not state is written as such, never as 0 € (issue 14 §3)
        assert row[col["Budget"]].value == (
            pytest.approx(area.money.budget) if PLAN_BUDGET[area.letter] else BUDGET_TO_DEFINE
        )
        assert row[col["Impegnato (cumulato)"]].value == pytest.approx(area.money.committed) == committed
        assert row[col["Liquidato (cumulato)"]].value == pytest.approx(area.money.paid) == paid
        lines = sum(
            1
            for (code, y, h), spent in SPEND.items()
            if (y, h) <= sem
            and AREA_OF[code] == area.letter
            and REPORTS[(code, y, h)][0] in states_for(include_submitted)
            for _ in spent
        )
        ratio = paid * 100 / budget if budget and lines else None
        assert row[col["Liquidato / budget"]].value == pytest.approx(area.money.ratio) == pytest.approx(ratio)
        assert (
            row[col["Classe (griglia regionale)"]].value
            == area.money.spend_class
            == (
                "nessun dato"
                if not lines
                # no spend line counted: not 0 %
                else "non realizzato come programmato o sovrastimato"
                if ratio is not None
                else "non calcolabile"
            )
        )
    summary = call(data, dashboard.semester_summary, **params)
    assert (
        rows["Totale"][col["Liquidato (cumulato)"]].value
        == pytest.approx(summary.money.paid)
        == expected_money(sem, include_submitted)[1]
    )
    assert rows["Totale"][col["Liquidato atteso (% del budget)"]].value == 100 == summary.expected_share
    assert rows["Totale"][col["Voci senza importo"]].value == 1  # plan_small: A.1 "Fondo Povertà € – info da Vivi"

    header, body = find_table(wb["Sintesi"], SOURCE_MONEY, "Fonte")
    rows = {r[1].value: r for r in body}  # by full name
    sources = call(data, dashboard.source_rows, **params)
    assert len(body) == len(sources) + 1  # every source of the dashboard, then the total
    for source in sources:
        row = next(r for r in body if r[0].value == source.label)
        committed, paid = expected_money(sem, include_submitted, source=source.code)
        assert source.money.budget == pytest.approx(period_budget(SOURCE_BUDGET[source.code], source.code, sem))
        assert row[header.index("Budget")].value == (
            pytest.approx(source.money.budget) if SOURCE_BUDGET[source.code] else BUDGET_TO_DEFINE
        )
        assert row[header.index("Liquidato (cumulato)")].value == pytest.approx(source.money.paid) == paid
        assert row[header.index("Impegnato (cumulato)")].value == pytest.approx(committed)
    assert "Fondi comunali (Fondo di Solidarietà)" in rows


def test_known_figures_of_the_first_semester(data):
    """The same figures as literals, for a reader: approved only, I semester 2025."""
    wb, _ = semester_wb(data, 2025, 1)
    header, body = find_table(wb["Sintesi"], SEM_TITLE, "Area")
    a = by_first(body)["A"]
    assert [a[header.index(c)].value for c in CATEGORIES] == [1, 0, 1, 0, 0, 0]  # A.2 0 of 1, A.1 2 of 4
    assert a[header.index("Raggiungimento")].value == pytest.approx(40)  # (2 + 0) x 100 / (4 + 1)
    assert a[header.index("Fascia")].value == "insufficiente"
    header, body = find_table(wb["Sintesi"], AREA_MONEY, "Area")
    a = by_first(body)["A"]
    assert a[header.index("Liquidato (cumulato)")].value == 10000 + 1500 + 2500
    assert a[header.index("Liquidato / budget")].value == pytest.approx(14000 * 100 / (150000 / 6))  # 1/6 of A's


def test_band_and_class_cells_are_coloured_and_labelled(data):
    wb, _ = semester_wb(data, 2025, 1)
    ws = wb["Sintesi"]
    header, body = find_table(ws, SEM_TITLE, "Area")
    head_row = list(ws.iter_rows())[body[0][0].row - 2]
    for band in BANDS:
        cell = head_row[header.index(band.label)]
        assert cell.value == band.label  # the label is written: colour is never the only carrier
        assert hex_of(cell.fill.fgColor) == band.colour.lstrip("#").upper()
        assert hex_of(cell.font.color) == band.value.text_colour.lstrip("#").upper()
    band_cell = by_first(body)["A"][header.index("Fascia")]
    assert band_cell.value == "insufficiente" and hex_of(band_cell.fill.fgColor) == "D55E00"
    header, body = find_table(ws, AREA_MONEY, "Area")
    klass = by_first(body)["A"][header.index("Classe (griglia regionale)")]
    assert hex_of(klass.fill.fgColor) == SPEND_CLASSES[0].colour.lstrip("#").upper()
    cell = esiti_cells(wb["Tabella Esiti"], "A.1", "Fascia di raggiungimento")[0]
    assert cell.value == "sufficiente" and hex_of(cell.fill.fgColor) == "E69F00"


def test_money_and_percent_cells_are_numbers_with_formats(data):
    wb, _ = semester_wb(data, 2025, 1)
    header, body = find_table(wb["Sintesi"], AREA_MONEY, "Area")
    a = by_first(body)["A"]
    for name in ("Budget", "Impegnato (cumulato)", "Liquidato (cumulato)"):
        assert isinstance(a[header.index(name)].value, (int, float)) and a[header.index(name)].data_type == "n"
        assert a[header.index(name)].number_format == EURO_FORMAT
    assert a[header.index("Liquidato / budget")].number_format == PERCENT_FORMAT
    grade = "Grado di raggiungimento (azioni realizzate × 100 / programmate)"
    cell = esiti_cells(wb["Tabella Esiti"], "A.1", grade)[0]
    assert (cell.value, cell.number_format) == (50, PERCENT_FORMAT)
    cell = esiti_cells(wb["Tabella Esiti"], "A.1", "Liquidato (cumulato fino al semestre)")[0]
    assert (cell.value, cell.number_format) == (10000 + 1500, EURO_FORMAT)
    _, rows = sheet_table(wb["Spesa"])
    assert all(r["Liquidato"].number_format == EURO_FORMAT and r["Impegnato"].data_type == "n" for r in rows)
    _, rows = sheet_table(wb["Indicatori"])
    meetings = next(r for r in rows if r["Indicatore"].value == "N. di incontri della cabina di regia")
    assert meetings["Raggiungimento %"].number_format == PERCENT_FORMAT


def test_every_sheet_is_printable(data):
    wb, _ = semester_wb(data, 2025, 1)
    for ws in [*wb, *annual_wb(data)]:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert int(ws.page_setup.paperSize) == 9  # A4
        # one page wide: fitToWidth absent is its default, 1 (XlsxWriter leaves it out); no limit in height
        assert (ws.page_setup.fitToWidth or 1) == 1 and ws.page_setup.fitToHeight == 0, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows, ws.title
    header_row = next(r[0].row for r in wb["Indicatori"].iter_rows() if r[0].value == "Area")
    assert wb["Indicatori"].print_title_rows == f"$1:${header_row}"  # the header repeats on every page
    assert wb["Tabella Esiti"].freeze_panes == "A3"


def test_user_text_is_written_as_text_never_as_a_formula(data):
    wb, raw = semester_wb(data, 2025, 1)
    grid = esiti(wb["Tabella Esiti"], "A.1")
    assert grid["Criticità e piano di miglioramento"] == [FORMULA_LIKE["critical_issues"]]
    assert grid["Valutazione degli utenti"] == [FORMULA_LIKE["users_assessment"]]
    cells = [
        esiti_cells(wb["Tabella Esiti"], "A.1", "Criticità e piano di miglioramento")[0],
        esiti_cells(wb["Tabella Esiti"], "A.1", "Valutazione degli utenti")[0],
    ]
    _, spend = sheet_table(wb["Spesa"])
    first = next(r for r in spend if r["Obiettivo"].value == "A.1" and r["Fonte"].value == "FNPS")
    cells += [first["Nota"], first["Documento"]]
    _, ind = sheet_table(wb["Indicatori"])
    cells.append(next(r["Nota"] for r in ind if r["Nota"].value))
    assert [c.value for c in cells[2:]] == [SPEND_NOTE, SPEND_DOC, "-nota: stimato"]
    assert all(c.data_type == "s" for c in cells)
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) == 4
        assert not any("<f>" in z.read(n).decode() for n in sheets)  # no formula anywhere in the workbook


def test_include_submitted_changes_what_is_counted(data):
    only, _ = semester_wb(data, 2025, 1, include_submitted=False)
    both, _ = semester_wb(data, 2025, 1, include_submitted=True)
    for wb, expected in ((only, 0), (both, 1)):  # B.1 was submitted, not yet approved
        header, body = find_table(wb["Sintesi"], SEM_TITLE, "Area")
        assert by_first(body)["B"][header.index("sufficiente")].value == expected
        assert (
            label_row(wb["Sintesi"], "Raggiungimento complessivo", "di cui inviati non ancora approvati")[2].value
            == expected
        )
    assert esiti(only["Tabella Esiti"], "B.1")["Stato del report"] == [
        "nessun report conteggiato (report in stato «inviata»)"
    ]
    assert "Grado di raggiungimento (azioni realizzate × 100 / programmate)" not in esiti(only["Tabella Esiti"], "B.1")
    assert esiti(both["Tabella Esiti"], "B.1")["Stato del report"][0].startswith("inviata: in attesa di approvazione")
    lines = {r[0].value: r[1].value for r in both["Sintesi"].iter_rows(min_row=2, max_row=7)}
    assert lines["Che cosa si conta"].startswith("Conteggiati i report approvati e quelli inviati")
    _, spend = sheet_table(both["Spesa"])
    assert "inviata (da approvare)" in [r["Report"].value for r in spend]


def test_tabella_esiti_grid_of_one_objective(data):
    wb, _ = semester_wb(data, 2025, 1)
    grid = esiti(wb["Tabella Esiti"], "A.1")
    assert grid["Stato del report"] == ["approvata"]
    assert grid["Azioni realizzate su programmate"] == ["2 su 4"]
    assert grid["Fascia di raggiungimento"] == ["sufficiente"]
    assert grid["Adeguatezza delle risorse umane e strumentali"] == ["Adeguato"]
    # A.1's own lines (the Fondo Povertà one has no amount), one sixth of them for the first semester
    assert grid["Budget dell'obiettivo"] == [pytest.approx(100000 / 6)]
    assert grid["Corrispondenza tra risorse preventivate e impegnate/liquidate (liquidato × 100 / budget)"] == [
        pytest.approx(11500 * 100 / (100000 / 6))
    ]
    assert grid["Classe di corrispondenza"] == ["non realizzato come programmato o sovrastimato"]
    assert grid["Ha risposto a un bisogno con un cambiamento positivo?"] == ["SI"]
    assert grid["… motivazione"] == [FORMULA_LIKE["need_reason"]]  # the first of the two "motivazione" rows
    assert grid["In continuità con la precedente programmazione?"] == ["SI"]  # card A's flag X.11
    assert grid["Sarà riproposto?"] == ["NO"]
    nullo = esiti(wb["Tabella Esiti"], "A.2")
    assert nullo["Fascia di raggiungimento"] == ["nullo"]
    assert nullo["Grado di raggiungimento (azioni realizzate × 100 / programmate)"] == [0]
    both, _ = semester_wb(data, 2025, 1, include_submitted=True)
    assert esiti(both["Tabella Esiti"], "B.1")["In continuità con la precedente programmazione?"] == ["—"]  # no flag
    second, _ = semester_wb(data, 2025, 2)
    assert esiti(second["Tabella Esiti"], "A.1")["Valutazione degli utenti"] == ["non pertinente"]
    assert esiti(second["Tabella Esiti"], "B.1")["Stato del report"] == [
        "nessun report conteggiato (report in stato «bozza»)"
    ]


def test_indicatori_values_targets_and_bands(data):
    wb, _ = semester_wb(data, 2025, 1)
    _, rows = sheet_table(wb["Indicatori"])
    a1 = [r for r in rows if r["Obiettivo"].value == "A.1"]
    assert [r["Tipo"].value for r in a1] == ["processo", "output", "output", "outcome", "outcome"]  # card order
    assert len(rows) == 7  # every live indicator of the small plan, with or without a value
    meetings = next(r for r in a1 if r["Indicatore"].value == "N. di incontri della cabina di regia")
    assert (meetings["Valore"].value, meetings["Target 2025"].value) == (4, 10)
    assert meetings["Raggiungimento %"].value == pytest.approx(4 * 100 / 10)
    assert meetings["Fascia"].value == "insufficiente" and hex_of(meetings["Fascia"].fill.fgColor) == "D55E00"
    waiting = next(r for r in a1 if r["Indicatore"].value == "Tempi di attesa (giorni)")
    assert waiting["Raggiungimento %"].value == pytest.approx(20 * 100 / 40)  # lower is better: target/value
    assert waiting["Fascia"].value == "sufficiente"
    empty = next(r for r in rows if r["Obiettivo"].value == "B.1")
    assert empty["Report"].value == "nessun valore conteggiato" and empty["Valore"].value is None
    second, _ = semester_wb(data, 2025, 2)
    _, rows = sheet_table(second["Indicatori"])
    meetings = next(r for r in rows if r["Indicatore"].value == "N. di incontri della cabina di regia")
    assert (meetings["Valore"].value, meetings["Fascia"].value) == (9, "buono")


@pytest.mark.parametrize("include_submitted", [False, True])
def test_spesa_rows_and_fund_totals(data, include_submitted):
    wb, _ = semester_wb(data, 2025, 2, include_submitted=include_submitted)
    _, rows = sheet_table(wb["Spesa"])
    expected = [
        (AREA_OF[code], code, src, c, p)
        for (code, y, h), spend in SPEND.items()
        if (y, h) == (2025, 2) and REPORTS[(code, y, h)][0] in states_for(include_submitted)
        for src, c, p in spend
    ]
    names = {"FNPS": "FNPS", "PNRR": "PNRR", "COMUNALE": "Comunale", "FONDO_POVERTA": "Fondo Povertà"}
    assert [
        (r["Area"].value, r["Obiettivo"].value, r["Fonte"].value, r["Impegnato"].value, r["Liquidato"].value)
        for r in rows
    ] == [(a, code, names[src], c, p) for a, code, src, c, p in expected]
    header, body = find_table(wb["Spesa"], "Spesa per fonte di finanziamento", "Fonte")
    funds = by_first(body)
    params = {"include_submitted": include_submitted}
    now = {s.code: s.money for s in call(data, dashboard.source_rows, semester_id=sid(data, 2025, 2), **params)}
    before = {s.code: s.money for s in call(data, dashboard.source_rows, semester_id=sid(data, 2025, 1), **params)}
    for code, name in names.items():
        committed, paid = expected_money((2025, 2), include_submitted, source=code, only_this=True)
        assert (
            funds[name][header.index("Liquidato nel semestre")].value
            == pytest.approx(paid)
            == pytest.approx(now[code].paid - before[code].paid)
        )
        assert funds[name][header.index("Impegnato nel semestre")].value == pytest.approx(committed)
        assert funds[name][header.index("Liquidato cumulato a fine semestre")].value == pytest.approx(
            expected_money((2025, 2), include_submitted, source=code)[1]
        )
    assert funds["Totale"][header.index("Liquidato nel semestre")].value == pytest.approx(sum(p for *_r, p in expected))


@pytest.mark.parametrize("role,allowed", [("referente", False), ("comitato", True), ("ufficio_di_piano", True)])
def test_only_office_and_comitato_read_reports(data, role, allowed):
    actor = Actor(user_id=1, username="x", role=role, areas=frozenset({"A"}))
    builders = [
        (report_export.semester_report_xlsx, sid(data, 2025, 1)),
        (report_export.annual_report_xlsx, 2025),
        (report_export.annual_report_html, 2025),
    ]
    for fn, arg in builders:
        if allowed:
            assert call(data, fn, arg, actor=actor)
        else:
            with pytest.raises(PermissionDenied):
                call(data, fn, arg, actor=actor)
    assert call(data, report_export.semester_report_xlsx, sid(data, 2025, 1), actor=None)  # the command line


def test_empty_semester(data):
    with session_scope(data) as s:
        s.add(Semester(year=2026, half=1))
    wb, _ = semester_wb(data, 2026, 1)
    header, body = find_table(wb["Sintesi"], SEM_TITLE, "Area")
    assert all(r[header.index(c)].value == 0 for r in body for c in CATEGORIES)
    assert by_first(body)["Totale"][header.index("Fascia")].value == "non calcolabile"
    for code in ("A.1", "A.2", "B.1"):
        assert esiti(wb["Tabella Esiti"], code) == {
            f"{code} – "
            + call(
                data, lambda session, c=code: session.exec(select(Objective.text).where(Objective.code == c)).one()
            ): [None],
            "Stato del report": ["nessun report (nessun dato inserito nel semestre)"],
        }
    assert sheet_table(wb["Spesa"])[1] == []
    header, body = find_table(wb["Sintesi"], AREA_MONEY, "Area")
    # no spend in the semester, cumulated spend unchanged: what was paid in 2025 still counts
    assert by_first(body)["Totale"][header.index("Liquidato (cumulato)")].value == pytest.approx(
        expected_money((2025, 2), False)[1]
    )
    html = call(data, report_export.annual_report_html, 2026, actor=None).decode("utf-8")
    assert "II semestre 2026: semestre non ancora aperto." in html


def test_plan_with_no_semester_data_at_all(small_plan):
    with session_scope(small_plan) as s:
        s.add(Semester(year=2025, half=1))
    wb, _ = semester_wb(small_plan, 2025, 1)
    assert wb.sheetnames == ["Sintesi", "Tabella Esiti", "Indicatori", "Spesa"]
    html = call(small_plan, report_export.annual_report_html, 2025, actor=None).decode("utf-8")
    assert html.count('class="plotly-graph-div"') == 4  # bands of the I semester, money by area and source, trend
    wb = annual_wb(small_plan, 2025)
    assert "semestre non ancora aperto" in str([c.value for r in wb["Sintesi"].iter_rows() for c in r])


# --- annual report ---------------------------------------------------------------------------------


def test_annual_xlsx_has_both_semesters_side_by_side(data):
    wb = annual_wb(data, 2025)
    assert wb.sheetnames == ["Sintesi", "Tabella Esiti", "Indicatori", "Spesa"]
    ws = wb["Sintesi"]
    header, body = find_table(ws, SEM_TITLE, "Area")
    group = [c.value for c in list(ws.iter_rows())[body[0][0].row - 3]]
    assert "I semestre 2025" in group and "II semestre 2025" in group
    starts = [i for i, h in enumerate(header) if h == "nullo"]
    assert len(starts) == 2
    for k, sem in enumerate(SEMESTERS):
        for row in body[:-1]:
            letter = row[0].value
            got = {c: row[starts[k] + i].value for i, c in enumerate(CATEGORIES)}
            assert got == expected_bands(sem, False, letter)
    header, body = find_table(ws, AREA_MONEY, "Area")
    paid_cols = [i for i, h in enumerate(header) if h == "Liquidato (cumulato)"]
    for row in body[:-1]:
        letter = row[0].value
        for k, sem in enumerate(SEMESTERS):
            assert row[paid_cols[k]].value == pytest.approx(expected_money(sem, False, area=letter)[1])
        own = sum(expected_money(sem, False, area=letter, only_this=True)[1] for sem in SEMESTERS)
        assert row[header.index("Liquidato nell'anno")].value == pytest.approx(own)
    grid = esiti(wb["Tabella Esiti"], "A.1")
    assert grid["Fascia di raggiungimento"] == ["sufficiente", "ottimo"]
    assert sheet_table(wb["Tabella Esiti"])[0][3:] == ["I semestre 2025", "II semestre 2025"]
    _, rows = sheet_table(wb["Indicatori"])
    meetings = next(r for r in rows if r["Indicatore"].value == "N. di incontri della cabina di regia")
    assert (meetings["Valore (I sem. 2025)"].value, meetings["Valore (II sem. 2025)"].value) == (4, 9)
    _, funds = sheet_table(wb["Spesa"], "Fonte")
    fnps = next(r for r in funds if r["Fonte"].value == "FNPS")
    assert fnps["Liquidato nel I sem. 2025"].value == 10000
    assert fnps["Liquidato nel II sem. 2025"].value == 25000
    assert fnps["Liquidato nell'anno"].value == 35000
    assert fnps["Liquidato cumulato a fine 2025"].value == 35000
    total = next(r for r in funds if r["Fonte"].value == "Totale")
    assert total["Liquidato nell'anno"].value == pytest.approx(
        sum(expected_money(sem, False, only_this=True)[1] for sem in SEMESTERS)
    )


def test_annual_with_only_the_first_semester(small_plan):
    populate(small_plan, semesters=[(2025, 1)])
    wb = annual_wb(small_plan, 2025)
    ws = wb["Sintesi"]
    text = [str(c.value) for r in ws.iter_rows() for c in r if c.value]
    assert "II semestre 2025 · semestre non ancora aperto" in text
    lines = {r[0].value: r[1].value for r in ws.iter_rows(min_row=2, max_row=7)}
    assert lines["Periodo"] == "I semestre 2025 (chiuso) · II semestre 2025 (semestre non ancora aperto)"
    assert esiti(wb["Tabella Esiti"], "A.1")["Stato del report"] == ["approvata", "semestre non ancora aperto"]
    header, body = find_table(ws, AREA_MONEY, "Area")
    own = sum(
        p for (_c, y, h), rows in SPEND.items() if (y, h) == (2025, 1) and _c in ("A.1", "A.2") for _s, _cm, p in rows
    )
    assert by_first(body)["A"][header.index("Liquidato nell'anno")].value == pytest.approx(own)


def test_unknown_year_and_semester(data):
    with pytest.raises(InputRefused, match="Nessun semestre del 2030"):
        call(data, report_export.annual_report_xlsx, 2030, actor=None)
    with pytest.raises(NotFound, match="Semestre non trovato"):
        call(data, report_export.semester_report_xlsx, 99999, actor=None)


def test_a_report_is_built_with_the_garbage_collector_paused(data, monkeypatch):
    """Paused while a report is built (its full rounds over a large report's cells cost seconds), on again
    afterwards, also after an error, and left off when it was off."""
    seen = []
    book, to_bytes = report_xlsx.ReportBook, report_xlsx.ReportBook.to_bytes
    monkeypatch.setattr(book, "to_bytes", lambda self: seen.append(gc.isenabled()) or to_bytes(self))
    assert gc.isenabled()
    semester_wb(data)
    annual_wb(data)
    assert seen == [False, False] and gc.isenabled()
    with pytest.raises(NotFound):
        call(data, report_export.semester_report_xlsx, 99999, actor=None)
    assert gc.isenabled()
    gc.disable()
    try:
        semester_wb(data)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_years_and_file_names(data):
    with session_scope(data) as s:
        s.add(Semester(year=2026, half=2))
    assert call(data, report_export.report_years) == [2026, 2025]
    assert call(data, report_export.semester_report_name, sid(data, 2026, 2)) == "report_semestrale_2026_II.xlsx"
    assert call(data, report_export.semester_report_name, sid(data, 2025, 1)) == "report_semestrale_2025_I.xlsx"
    assert report_export.annual_report_name(2025, "xlsx") == "report_annuale_2025.xlsx"
    assert report_export.annual_report_name(2025, ".html") == "report_annuale_2025.html"
    with pytest.raises(ValueError):
        report_export.annual_report_name(2025, "pdf")


# --- annual HTML ----------------------------------------------------------------------------------

PLOTLY_SIGNATURE = re.compile(r"\* plotly\.js v\d+\.\d+\.\d+")


def without_plotly_js(html: str) -> str:
    """The page minus the one inlined plotly.js bundle (which names map tile servers it never contacts)."""
    return re.sub(r"<script>/\*\*\s*\* plotly\.js v.*?</script>", "<script></script>", html, flags=re.S)


def test_annual_html_is_one_offline_file(data):
    page = call(data, report_export.annual_report_html, 2025, actor=None).decode("utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="it">' in page and '<meta charset="utf-8">' in page
    assert len(PLOTLY_SIGNATURE.findall(page)) == 1  # Plotly's JavaScript inlined exactly once
    assert page.count('class="plotly-graph-div"') == 5  # bands I and II, money by area and by source, trend
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)\s*=", page, re.I)  # nothing loaded
    rest = without_plotly_js(page).replace(html.escape(FORMULA_LIKE["critical_issues"]), "")  # a user's text
    assert len(rest) < len(page) / 10
    assert "cdn" not in rest.lower() and "http://" not in rest and "https://" not in rest
    assert "Report annuale 2025" in page and "Piano di Zona di prova" in page and "Generato il" in page
    assert "Conteggiati solo i report approvati" in page
    assert "@page{size:A4 landscape" in page and "@media print" in page


def test_annual_html_escapes_plan_and_user_text(data):
    page = call(data, report_export.annual_report_html, 2025, actor=None).decode("utf-8")
    assert HTML_ATTACK not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # the critical issue, shown as text
    assert html.escape(FORMULA_LIKE["critical_issues"]) in page


def test_annual_html_tables_equal_the_dashboard(data):
    page = call(data, report_export.annual_report_html, 2025, actor=None, include_submitted=True).decode("utf-8")
    summary = call(data, dashboard.semester_summary, semester_id=sid(data, 2025, 2), include_submitted=True)
    from models.formatting import euro_cents, percent

    assert euro_cents(summary.money.paid) in page and percent(summary.money.ratio) in page  # tables: cents
    assert "Conteggiati i report approvati e quelli inviati" in page
    for band in BANDS:
        assert f'style="background:{band.colour};color:{band.value.text_colour}">{band.label}</th>' in page


# --- the command line -------------------------------------------------------------------------------


@pytest.fixture
def cli_db(tmp_path):
    url = f"sqlite:///{tmp_path / 'report.sqlite3'}"
    prepare_database(get_engine(url), SMALL_PLAN)
    populate(get_engine(url))
    return url


def report_cli(url: str, *args: str, in_process: bool = False) -> subprocess.CompletedProcess:
    env = cli_env(PDZ_DATABASE_URL=url, PDZ_PLAN_DIR=str(SMALL_PLAN))
    return run_cli(env, "report", *args, in_process=in_process)


def test_cli_writes_a_semester_xlsx_and_an_annual_html(cli_db, tmp_path):
    out = tmp_path / "semestre.xlsx"
    done = report_cli(cli_db, "--year", "2025", "--semester", "1", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "Report semestrale del I semestre 2025 scritto in" in done.stdout
    wb = load_workbook(out)
    header, body = find_table(wb["Sintesi"], SEM_TITLE, "Area")
    assert by_first(body)["A"][header.index("sufficiente")].value == 1
    page = tmp_path / "anno.html"
    done = report_cli(cli_db, "--year", "2025", "--out", str(page), "--include-submitted")
    assert done.returncode == 0, done.stderr
    text = page.read_text(encoding="utf-8")
    assert "Conteggiati i report approvati e quelli inviati" in text and len(PLOTLY_SIGNATURE.findall(text)) == 1
    annual = tmp_path / "anno.xlsx"
    assert report_cli(cli_db, "--year", "2025", "--out", str(annual)).returncode == 0
    assert load_workbook(annual).sheetnames == ["Sintesi", "Tabella Esiti", "Indicatori", "Spesa"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".xlsx", ".html", ".tmp")) == [
        "anno.html",
        "anno.xlsx",
        "semestre.xlsx",
    ]  # no temporary file left behind


@pytest.mark.parametrize(
    "args,message",
    [
        (("--year", "2025", "--semester", "2", "--out", "x.xlsx"), None),  # exists: the control case
        (("--year", "2024", "--semester", "1", "--out", "x.xlsx"), "Semestre I 2024 non trovato"),
        (("--year", "2031", "--out", "x.html"), "Nessun semestre del 2031"),
        (("--year", "2025", "--out", ""), "Uso: make report"),
        (("--year", "", "--out", "x.xlsx"), "Uso: make report"),
        (("--year", "duemila", "--out", "x.xlsx"), "non è un anno"),
        (("--year", "2025", "--semester", "3", "--out", "x.xlsx"), "SEMESTER"),
        (("--year", "2025", "--semester", "1", "--out", "x.html"), "il report semestrale si scrive in .xlsx"),
        (("--year", "2025", "--out", "x.pdf"), "il report annuale si scrive in .xlsx o .html"),
    ],
)
def test_cli_errors_exit_2_and_write_nothing(cli_db, tmp_path, args, message):
    args = tuple(str(tmp_path / a) if a.startswith("x.") else a for a in args)
    done = report_cli(cli_db, *args, in_process=True)
    written = [p for p in tmp_path.iterdir() if p.name.startswith("x.") or p.name.startswith(".x.")]
    if message is None:
        assert done.returncode == 0, done.stderr
        assert [p.name for p in written] == ["x.xlsx"]
        return
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr
    assert written == []


# --- the real plan with demo data -------------------------------------------------------------------


def test_real_plan_with_demo_data(real_plan):
    from models.demo import generate

    with session_scope(real_plan) as s:
        generate(s, seed=7, semesters=[(2025, 1), (2025, 2), (2026, 1)])
    second = sid(real_plan, 2025, 2)
    wb = load_workbook(io.BytesIO(call(real_plan, report_export.semester_report_xlsx, second, actor=None)))
    header, body = find_table(wb["Sintesi"], SEM_TITLE, "Area")
    areas = call(real_plan, dashboard.area_rows, semester_id=second, include_submitted=False)
    assert [r[0].value for r in body] == [a.letter for a in areas] + ["Totale"]
    for row, area in zip(body, areas):
        assert [row[header.index(c)].value for c in CATEGORIES] == [area.tally.counts[c] for c in CATEGORIES]
    header, body = find_table(wb["Sintesi"], AREA_MONEY, "Area")
    for row, area in zip(body, areas):
        assert row[header.index("Liquidato (cumulato)")].value == pytest.approx(area.money.paid)
        assert row[header.index("Budget")].value == (
            pytest.approx(area.money.budget) if area.money.budget_set else BUDGET_TO_DEFINE
        )
    monitored = call(real_plan, dashboard.semester_summary, semester_id=second, include_submitted=False).objectives
    blocks = sum(1 for r in wb["Tabella Esiti"].iter_rows(min_row=3) if r[2].value == "Stato del report")
    assert blocks == monitored  # every monitored objective has its block
    page = call(real_plan, report_export.annual_report_html, 2026, actor=None).decode("utf-8")
    assert page.count('class="plotly-graph-div"') == 4 and "II semestre 2026: semestre non ancora aperto." in page


def test_the_exports_say_which_budget_the_spend_is_compared_with(data):
    wb, _ = semester_wb(data, 2025, 1)
    lines = {r[0].value: r[1].value for r in wb["Sintesi"].iter_rows(min_row=2, max_row=10)}
    assert lines["Budget di confronto"] == (
        "I semestre 2025: budget 2025 pro quota 1/2 dove fissato, altrimenti budget del triennio pro quota 1/6"
    )

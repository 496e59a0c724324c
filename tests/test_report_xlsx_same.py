"""The report writer (models/report_xlsx.py, XlsxWriter) writes the same workbook as the openpyxl writer it
replaced (tests/report_xlsx_reference.py), both read back with openpyxl: every sheet, cell, value, data type,
number format, font, fill, border, alignment, protection, quote prefix, merged range, column width, frozen pane,
filter, print setting, page header and footer, tab colour and file property.

The two libraries write some things differently that Excel draws alike (the alpha byte of colours, the default
font's name and size spelt out, grouped column widths): each such normalisation is said where it is made, and
nothing else is left out.

A fast path that dropped or changed one cell's style fails here, whatever the other tests look at.
"""

from __future__ import annotations

import io
from copy import copy
from datetime import datetime

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from models import report_export, report_model
from models.db import session_scope
from tests.report_xlsx_reference import annual_report_xlsx_reference, semester_report_xlsx_reference
from tests.test_report_export import add_indicator_values, populate, sid

FIXED_NOW = datetime(2026, 3, 4, 5, 6, tzinfo=report_model.TIMEZONE)  # "Generato il": equal in both files


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(report_model, "_now", lambda: FIXED_NOW)


def colour(c) -> str | None:
    """A colour as Excel draws it. Normalised: the alpha byte of an ARGB colour, which Excel does not draw
    (openpyxl writes 00, XlsxWriter FF); the theme's text colour with no tint (XlsxWriter's default font colour),
    which is the automatic black of a font without a colour (openpyxl's default)."""
    if c is None or (c.type == "theme" and c.theme == 1 and not c.tint):
        return None
    return c.rgb[-6:].upper() if c.type == "rgb" else repr((c.type, c.value, c.tint))


def font_facts(f) -> tuple:
    """Normalised: no name and no size are the workbook's default font, Calibri 11 (XlsxWriter names them in
    every font); family and scheme only say where Calibri comes from (XlsxWriter: family 2, the theme's minor
    font), so they are left out; an absent bold or italic is off (openpyxl writes val=0)."""
    return (
        f.name or "Calibri",
        f.sz or 11.0,
        bool(f.b),
        bool(f.i),
        f.u,
        bool(f.strike),
        f.vertAlign,
        (f.outline, f.shadow, f.condense, f.extend, f.charset),
        colour(f.color),
    )


def fill_facts(f) -> tuple:
    """Normalised: a solid fill is drawn in its fgColor only, so its bgColor (XlsxWriter: indexed 64, openpyxl:
    black) is left out."""
    return (f.patternType, colour(f.fgColor), None if f.patternType in (None, "solid") else colour(f.bgColor))


def border_facts(b) -> tuple:
    """Normalised: a side without a style draws nothing, whether written empty (XlsxWriter's <diagonal/>) or
    not at all (openpyxl)."""
    sides = (b.left, b.right, b.top, b.bottom, b.diagonal, b.vertical, b.horizontal)
    return (
        *[(s.style, colour(s.color)) if s is not None and s.style else None for s in sides],
        b.diagonalUp,
        b.diagonalDown,
        b.outline,
    )


def cell_facts(cell) -> tuple:
    """Value, type, number format and style; alignment and protection are copied out of their read-only
    proxies (two proxies never compare equal) and compared whole."""
    return (
        cell.value,
        cell.data_type,
        cell.number_format,
        font_facts(cell.font),
        fill_facts(cell.fill),
        border_facts(cell.border),
        copy(cell.alignment),
        copy(cell.protection),
        cell.quotePrefix,
    )


def pixels(width: float) -> int:
    """The pixels Excel draws a column in (Calibri 11, ECMA-376 18.3.1.13): the writers store widths that differ
    only below a pixel (XlsxWriter stores whole pixels)."""
    return int((256 * width + int(128 / 7)) / 256 * 7)


def widths(ws: Worksheet) -> dict[int, int]:
    """Normalised: a run of equal columns is one <col min max> in XlsxWriter's file, one per column in openpyxl's."""
    out = {}
    for d in ws.column_dimensions.values():
        if d.width:
            out |= dict.fromkeys(range(d.min, d.max + 1), pixels(d.width))
    return out


def header_facts(ws: Worksheet) -> list:
    """The page headers and footer Excel prints. Normalised: the even-page and first-page headers only count
    when the sheet asks for different ones (differentOddEven, differentFirst); openpyxl's demo mark writes them
    unasked, XlsxWriter writes only the odd header, which Excel then prints on every page."""
    hf = ws.HeaderFooter
    used = [ws.oddHeader, ws.oddFooter]
    used += [ws.evenHeader, ws.evenFooter] if hf.differentOddEven else []
    used += [ws.firstHeader, ws.firstFooter] if hf.differentFirst else []
    return [(part.text, part.color) for h in used for part in (h.left, h.center, h.right)]


def sheet_facts(ws: Worksheet) -> dict:
    return {
        "merged": sorted(str(r) for r in ws.merged_cells.ranges),
        "widths": widths(ws),
        "freeze": ws.freeze_panes,
        "filter": ws.auto_filter.ref,
        "print_titles": ws.print_title_rows,
        # Normalised: fitToWidth 1 is the attribute's default (ECMA-376 18.3.1.63), which XlsxWriter leaves out
        "page": (ws.page_setup.paperSize, ws.page_setup.orientation, ws.page_setup.fitToWidth or 1),
        "fit": (ws.page_setup.fitToHeight, ws.sheet_properties.pageSetUpPr.fitToPage),
        "headers": header_facts(ws),
        "different pages": (ws.HeaderFooter.differentOddEven, ws.HeaderFooter.differentFirst),
        "tab": colour(ws.sheet_properties.tabColor),
    }


def assert_same_workbook(new: bytes, old: bytes) -> int:
    """Returns the number of cells compared."""
    a, b = load_workbook(io.BytesIO(new)), load_workbook(io.BytesIO(old))
    assert a.sheetnames == b.sheetnames
    assert (a.properties.title, a.properties.creator, a.properties.subject, a.properties.keywords) == (
        b.properties.title,
        b.properties.creator,
        b.properties.subject,
        b.properties.keywords,
    )
    compared = 0
    for name in a.sheetnames:
        ws_a, ws_b = a[name], b[name]
        assert sheet_facts(ws_a) == sheet_facts(ws_b), name
        rows, cols = max(ws_a.max_row, ws_b.max_row), max(ws_a.max_column, ws_b.max_column)
        for r in range(1, rows + 1):
            for c in range(1, cols + 1):
                got, want = ws_a.cell(r, c), ws_b.cell(r, c)
                assert cell_facts(got) == cell_facts(want), f"{name}!{got.coordinate}"
                compared += 1
    return compared


@pytest.fixture
def data(small_plan):
    populate(small_plan)
    add_indicator_values(small_plan)
    return small_plan


def both(engine, fast, reference, key, include_submitted) -> tuple[bytes, bytes]:
    with session_scope(engine) as s:
        new = fast(key, actor=None, session=s, include_submitted=include_submitted)
    with session_scope(engine) as s:
        old = reference(key, session=s, include_submitted=include_submitted)
    return new, old


@pytest.mark.parametrize("include_submitted", [False, True])
def test_semester_report_equals_the_previous_writer(data, include_submitted):
    for year, half in ((2025, 1), (2025, 2)):
        new, old = both(
            data,
            report_export.semester_report_xlsx,
            semester_report_xlsx_reference,
            sid(data, year, half),
            include_submitted,
        )
        assert assert_same_workbook(new, old) > 500


def test_annual_report_equals_the_previous_writer(data):
    new, old = both(data, report_export.annual_report_xlsx, annual_report_xlsx_reference, 2025, True)
    assert assert_same_workbook(new, old) > 500


def test_demo_data_on_the_real_plan_equal_the_previous_writer(real_plan):
    """Generated data: the demo marks (title cells, headers, tab colour, properties) and many more cells."""
    from models.demo import generate

    with session_scope(real_plan) as s:
        generate(s, seed=7, semesters=[(2025, 1), (2025, 2), (2026, 1)])
    new, old = both(
        real_plan, report_export.semester_report_xlsx, semester_report_xlsx_reference, sid(real_plan, 2025, 2), True
    )
    assert assert_same_workbook(new, old) > 5000
    new, old = both(real_plan, report_export.annual_report_xlsx, annual_report_xlsx_reference, 2026, False)
    assert assert_same_workbook(new, old) > 5000


def test_texts_that_look_like_markup_or_header_codes_come_out_as_written():
    """XlsxWriter copies a text shaped "<r>...</r>" into the file unescaped (rich-text markup) and reads "&G" in
    a header as an image's place: a user's text must come out as typed and add nothing to the file."""
    from zipfile import ZipFile

    from models.formatting import INVALID_VALUE
    from models.report_model import Cell, Col, Context, Row, Table
    from models.report_xlsx import HEADER_LIMIT, ReportBook

    markup = '<r>x</r></is></c><c r="Z1"><f>HYPERLINK("http://x")</f></c><c t="inlineStr"><is><r>y</r>'
    ctx = Context("Report", "Ambito R&G " + "lungo " * 60, "A", "P", "C", "04/03/2026 05:06", False, demo=True)
    book = ReportBook(ctx)
    rows = [Row([Cell(markup), Cell("=1+1"), Cell(""), Cell(float("nan")), Cell(2.5)], "total")]
    book.table_sheet("Tabella Esiti", Table("T", [Col(str(i)) for i in range(5)], rows), "sub")
    raw = book.to_bytes()
    ws = load_workbook(io.BytesIO(raw))["Tabella Esiti"]
    cells = ws[3]
    assert [c.value for c in cells] == [markup, "=1+1", None, INVALID_VALUE, 2.5]
    assert [c.data_type for c in cells] == ["s", "s", "n", "s", "n"]
    assert all(c.font.b and c.border.left.style == "thin" for c in cells)  # the empty cell keeps its style
    assert cells[1].quotePrefix and not cells[0].quotePrefix
    with ZipFile(io.BytesIO(raw)) as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()
    header = ws.oddHeader
    assert header.center.text.startswith("Report · Ambito R&&G lungo") and header.center.text.endswith("…")
    assert len(str(header)) <= HEADER_LIMIT and header.left.text.startswith("DATI DIMOSTRATIVI")


def test_fast_cell_writer_writes_xlsxwriters_own_xml(real_plan, monkeypatch):
    """FastSheet's shortened cell and row writers write the very bytes of XlsxWriter's own (demo data: many
    cells)."""
    from zipfile import ZipFile

    from xlsxwriter.worksheet import Worksheet

    from models.demo import generate
    from models.report_xlsx import FastSheet

    with session_scope(real_plan) as s:
        generate(s, seed=3, semesters=[(2025, 1), (2025, 2)])
    with session_scope(real_plan) as s:
        fast = report_export.semester_report_xlsx(sid(real_plan, 2025, 2), actor=None, session=s)
    monkeypatch.setattr(FastSheet, "_write_cell", Worksheet._write_cell)
    monkeypatch.setattr(FastSheet, "write_body_row", lambda self, row, cells: False)
    with session_scope(real_plan) as s:
        own = report_export.semester_report_xlsx(sid(real_plan, 2025, 2), actor=None, session=s)
    with ZipFile(io.BytesIO(fast)) as a, ZipFile(io.BytesIO(own)) as b:
        sheets = [n for n in b.namelist() if n.startswith("xl/worksheets/")]
        assert len(sheets) == 4 and all(a.read(n) == b.read(n) for n in sheets)
        assert len(b.read("xl/worksheets/sheet2.xml")) > 100_000

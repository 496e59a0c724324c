"""The report writer as it was before the write-only one (normal openpyxl workbook, every cell kept until the
save): the reference tests/test_report_xlsx_same.py compares the fast writer with, cell by cell and style by style.
Kept as it was on purpose: a test's fixed point, not a second implementation to maintain.
"""

from __future__ import annotations

from collections.abc import Sequence
from copy import copy

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session

from models.dashboard_results import COUNTED_LABELS
from models.demo_mark import mark_workbook
from models.report_model import (
    EURO,
    PERCENT,
    Cell,
    Context,
    Slot,
    Table,
    build_context,
    cell_colours,
    continuity_flags,
    indicator_series,
    load_semester,
    semester_info,
)
from models.report_tables import annual_content, esiti_table, fund_table, indicator_table, spend_table, summary_tables
from models.xlsx import BOX, EURO_FORMAT, HEADER_FILL, PERCENT_FORMAT, printable, put, to_bytes

SHEETS = ("Sintesi", "Tabella Esiti", "Indicatori", "Spesa")
HEADING_FILL = "EDEDED"  # an objective's heading row in the Tabella Esiti
NUMBER_FORMATS = {EURO: EURO_FORMAT, PERCENT: PERCENT_FORMAT}


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


def summary_sheet(wb: Workbook, ctx: Context, tables: list[Table]) -> Worksheet:
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


def table_sheet(
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


def new_workbook(ctx: Context) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title = f"{ctx.title} · {ctx.plan}"
    wb.properties.creator = "Monitoraggio Piano di Zona"
    return wb


def semester_report_xlsx_reference(semester_id: int, *, session: Session, include_submitted: bool = False) -> bytes:
    """One semester: Sintesi, Tabella Esiti, Indicatori, Spesa (the figures of the Cruscotto)."""
    sem = semester_info(session, semester_id)
    data = load_semester(session, sem, include_submitted)
    slots = [Slot(sem.year, sem.half, data)]
    ctx = build_context(session, f"Report semestrale · {sem.label}", slots, include_submitted)
    wb = new_workbook(ctx)
    subtitle = f"{sem.label} · {COUNTED_LABELS[include_submitted]}"
    summary_sheet(wb, ctx, summary_tables(slots))
    table_sheet(wb, SHEETS[1], ctx, esiti_table(slots, continuity_flags(session)), subtitle)
    table_sheet(
        wb, SHEETS[2], ctx, indicator_table(slots, indicator_series(session, slots, include_submitted)), subtitle
    )
    table_sheet(wb, SHEETS[3], ctx, spend_table(session, data), f"righe di spesa del {subtitle}", [fund_table(slots)])
    mark_workbook(wb, session=session, title_sheets=wb.sheetnames)
    return to_bytes(wb)


def annual_report_xlsx_reference(year: int, *, session: Session, include_submitted: bool = False) -> bytes:
    """A year, both semesters side by side (a semester not yet opened is said to be so)."""
    content = annual_content(session, year, include_submitted)
    ctx, slots = content.ctx, content.slots
    wb = new_workbook(ctx)
    subtitle = f"anno {year} · {COUNTED_LABELS[include_submitted]}"
    summary_sheet(wb, ctx, content.tables)
    table_sheet(wb, SHEETS[1], ctx, content.esiti, subtitle)
    table_sheet(
        wb, SHEETS[2], ctx, indicator_table(slots, indicator_series(session, slots, include_submitted)), subtitle
    )
    table_sheet(wb, SHEETS[3], ctx, content.funds, subtitle)
    mark_workbook(wb, session=session, title_sheets=wb.sheetnames)
    return to_bytes(wb)

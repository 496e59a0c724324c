"""Writing workbooks safely and readably: shared by the plan export, the entry template and the reports.

Every text cell is written as text: a user's or the plan's text starting with = + - @ comes out as that literal
text, never as a formula (Excel would run it when the file is opened or the cell edited: formula injection).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from models.formatting import INVALID_VALUE

EURO_FORMAT = '#,##0.00 "€"'
PERCENT_FORMAT = '0.0" %"'  # the value is already a percentage (45.3 -> "45,3 %" in an Italian Excel)
FORMULA_STARTS = ("=", "+", "-", "@")  # what Excel reads as the start of a formula when a cell is edited
HEADER_FILL_COLOUR = "D9E2F3"
HEADER_FILL = PatternFill("solid", fgColor=HEADER_FILL_COLOUR)
TEXT_WIDTH = 80  # wide enough for a plan sentence on two or three wrapped lines
MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BORDER_COLOUR = "999999"  # every table cell's thin border
THIN = Side(style="thin", color=BORDER_COLOUR)
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    wrap: bool = False
    number_format: str | None = None


def clean_text(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters are not allowed in a workbook


def cell_value(value: Any) -> tuple[Any, bool, bool]:
    """How a value is stored: (value, written as text, quote prefix). Text always as text (never a formula),
    '' as an empty cell (None: filters show it as "(Vuote)"), infinity and NaN as words."""
    if value is None or value == "":
        return None, False, False
    if isinstance(value, str):
        # openpyxl would store "=..." as a formula; the quote prefix keeps it text when Excel edits the cell
        return clean_text(value), True, value.startswith(FORMULA_STARTS)
    if isinstance(value, float) and not math.isfinite(value):
        return INVALID_VALUE, True, False  # Excel has no infinity or NaN: a workbook holding one does not open
    return value, False, False


def put(cell: Cell, value: Any, number_format: str | None = None) -> Cell:
    """Write one value as cell_value says, numbers with their format."""
    cell.value, as_text, quoted = cell_value(value)
    if as_text:
        cell.data_type = "s"
    if quoted:
        cell.quotePrefix = True
    if number_format:
        cell.number_format = number_format
    return cell


def append_row(ws: Worksheet, values: Iterable[Any], columns: tuple[Column, ...]) -> int:
    """Append a row under the last one, formatted by its columns; returns the row number."""
    row = ws.max_row + 1
    for col, (value, spec) in enumerate(zip(values, columns), start=1):
        cell = put(ws.cell(row=row, column=col), value, spec.number_format)
        cell.alignment = Alignment(wrap_text=spec.wrap, vertical="top")
    return row


def header_row(ws: Worksheet, columns: tuple[Column, ...], row: int = 1) -> None:
    for col, spec in enumerate(columns, start=1):
        cell = ws.cell(row=row, column=col, value=spec.header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(col)].width = spec.width


def table_sheet(wb: Workbook, title: str, columns: tuple[Column, ...], rows: Iterable[Iterable[Any]]) -> Worksheet:
    """A sheet with a header row, frozen, filterable, one row per record."""
    ws = wb.create_sheet(title)
    header_row(ws, columns)
    for values in rows:
        append_row(ws, values, columns)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(ws.max_row, 1)}"
    return ws


def printable(ws: Worksheet, *, landscape: bool = True, title_rows: str | None = "1:1") -> None:
    """A4, fitted to the page width, header rows repeated on every printed page (a write-only sheet too: before
    its first row)."""
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4  # the class's: a write-only sheet has no such attribute
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows


def to_bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()

"""The workbook renderer of the report: writes models.report_model's tables into .xlsx sheets.

A write-only workbook (openpyxl's streaming mode): each row goes to the file when it is appended and is then
forgotten, where a normal workbook keeps every cell (420,000 in the size-100 semester report) until the save.
So a sheet is laid out before its first row (column widths, frozen header, print settings, the demo mark) and
its rows are written top to bottom. Each kind of cell's style is built once (Styles) and given to every cell
of that kind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from models.demo_mark import demo_title, mark_properties, mark_sheet
from models.report_model import EURO, PERCENT, Cell, Context, Table, cell_colours
from models.xlsx import BOX, EURO_FORMAT, HEADER_FILL, PERCENT_FORMAT, cell_value, printable, to_bytes

SHEETS = ("Sintesi", "Tabella Esiti", "Indicatori", "Spesa")
HEADING_FILL = "EDEDED"  # an objective's heading row in the Tabella Esiti
NUMBER_FORMATS = {EURO: EURO_FORMAT, PERCENT: PERCENT_FORMAT}

StyleAttrs = dict[str, Any]  # cell attribute -> openpyxl style object (font, fill, border, ...)


def _fill(hex_colour: str) -> PatternFill:
    return PatternFill("solid", fgColor=hex_colour.lstrip("#"))


def _body_style(number_format: str | None, colours: tuple[str, str] | None, row_style: str) -> StyleAttrs:
    attrs: StyleAttrs = {"alignment": Alignment(wrap_text=True, vertical="top"), "border": BOX}
    if number_format:
        attrs["number_format"] = number_format
    bold = row_style in ("heading", "total")
    if colours:
        attrs["fill"] = _fill(colours[0])
        attrs["font"] = Font(color=colours[1].lstrip("#"), bold=bold)
    else:
        attrs["font"] = Font(bold=bold)
        if row_style == "heading":
            attrs["fill"] = _fill(HEADING_FILL)
    return attrs


def _header_style(colours: tuple[str, str] | None) -> StyleAttrs:
    return {
        "fill": _fill(colours[0]) if colours else HEADER_FILL,
        "font": Font(bold=True, color=colours[1].lstrip("#") if colours else None),
        "alignment": Alignment(wrap_text=True, vertical="center"),
        "border": BOX,
    }


def _plain_style(kind: str) -> StyleAttrs:
    return {
        "none": dict,
        "bold": lambda: {"font": Font(bold=True)},
        "italic": lambda: {"font": Font(italic=True)},
        "title": lambda: {"font": Font(bold=True, size=12)},
        "report title": lambda: {"font": Font(bold=True, size=14)},
        "group": lambda: {"font": Font(bold=True), "fill": HEADER_FILL, "alignment": Alignment(horizontal="center")},
    }[kind]()


class Styles:
    """Each kind of cell's style, built once per workbook: openpyxl hashes a style object every time one is
    assigned to a cell (most of a large report's time, cell by cell), while a cell created with a built style
    (Cell's style_array) only copies nine numbers. A kind is (function building its style, its arguments)."""

    def __init__(self, ws: Worksheet) -> None:
        self._ws = ws  # the styles belong to the workbook: any of its sheets builds them
        self._arrays: dict[tuple, Any] = {}
        self._texts: dict[tuple[Cell, str], tuple[Any, bool, Any]] = {}

    def cell(self, value: Any, build: Callable[..., StyleAttrs], *args: Any) -> XlCell:
        """A cell holding `value` as models.xlsx.cell_value stores it, styled as build(*args) says."""
        stored, as_text, quoted = cell_value(value)
        return self._new(stored, as_text, self._array(quoted, build, *args))

    def _array(self, quoted: bool, build: Callable[..., StyleAttrs], *args: Any) -> Any:
        key = (build, quoted, *args)
        array = self._arrays.get(key)
        if array is None:
            template = XlCell(self._ws)
            for name, style in build(*args).items():
                setattr(template, name, style)
            template.quotePrefix = quoted  # Excel keeps a formula-looking text as text when the cell is edited
            array = self._arrays[key] = template._style  # the style array Cell takes as style_array
        return array

    def _new(self, stored: Any, as_text: bool, array: Any) -> XlCell:
        out = XlCell(self._ws, row=1, column=1, value=stored, style_array=array)  # placed by append
        if as_text:
            out.data_type = "s"  # openpyxl would store "=..." as a formula
        return out

    def plain(self, value: Any, kind: str = "none") -> XlCell:
        return self.cell(value, _plain_style, kind)

    def body(self, cell: Cell, row_style: str) -> XlCell:
        """A table's cell. A text (or empty) cell's stored value and style are worked out once per distinct
        cell and row style: the Tabella Esiti repeats the same few texts hundreds of thousands of times (numbers
        are not cached: 1 and 1.0 are equal keys but are stored differently)."""
        if cell.value is not None and type(cell.value) is not str:
            return self.cell(cell.value, _body_style, NUMBER_FORMATS.get(cell.kind), cell_colours(cell), row_style)
        key = (cell, row_style)
        known = self._texts.get(key)
        if known is None:
            stored, as_text, quoted = cell_value(cell.value)
            array = self._array(quoted, _body_style, NUMBER_FORMATS.get(cell.kind), cell_colours(cell), row_style)
            known = self._texts[key] = (stored, as_text, array)
        return self._new(*known)


class ReportBook:
    """A report workbook written sheet by sheet, each sheet's rows in order."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.wb = Workbook(write_only=True)
        self.wb.properties.title = f"{ctx.title} · {ctx.plan}"
        self.wb.properties.creator = "Monitoraggio Piano di Zona"
        self.sheetnames: list[str] = []

    def _sheet(self, name: str, tables: Sequence[Table], title_rows: str) -> tuple[Worksheet, Styles]:
        """A new sheet laid out for `tables`: each column as wide as the widest of them asks, printable (A4
        landscape, fit to width, header rows repeated) with the report's name on every page."""
        ws = self.wb.create_sheet(name)
        self.sheetnames.append(name)
        widths: dict[int, float] = {}
        for table in tables:
            for i, spec in enumerate(table.columns, start=1):
                widths[i] = max(widths.get(i, spec.width), spec.width)
        for i, width in widths.items():
            ws.column_dimensions[get_column_letter(i)].width = width
        printable(ws, title_rows=title_rows)
        ws.oddHeader.center.text = f"{self.ctx.title} · {self.ctx.plan}".replace("&", "&&")  # & starts a code
        ws.oddFooter.right.text = "Pagina &P di &N"
        ws.oddFooter.left.text = f"Generato il {self.ctx.generated}"
        if self.ctx.demo:
            mark_sheet(ws)
        return ws, Styles(ws)

    def _title(self, text: str) -> str:
        return demo_title(text) if self.ctx.demo else text

    def summary_sheet(self, tables: list[Table]) -> None:
        ws, styles = self._sheet(SHEETS[0], tables, "1:1")
        rows: list[list] = [[styles.plain(self._title(self.ctx.title), "report title")]]
        rows += [[styles.plain(label, "bold"), styles.plain(value)] for label, value in self.ctx.lines()]
        for row in rows:
            ws.append(row)
        at = len(rows)
        for table in tables:
            ws.append([])
            _header, at = _write_table(ws, styles, table, at + 2)
            at -= 1

    def table_sheet(self, name: str, table: Table, subtitle: str, extra: Sequence[Table] = ()) -> None:
        """One table per sheet under a title row: header frozen, filterable and repeated on every printed page."""
        header = 2 + (1 if table.note else 0) + (1 if table.groups else 0)
        ws, styles = self._sheet(name, [table, *extra], f"1:{header}")
        ws.freeze_panes = f"A{header + 1}"
        ws.append([styles.plain(self._title(f"{table.title} · {subtitle}"), "title")])
        if table.note:
            ws.append([styles.plain(table.note, "italic")])
        body = Table("", table.columns, table.rows, table.groups)
        _header, end = _write_table(ws, styles, body, 2 + (1 if table.note else 0))
        ws.auto_filter.ref = f"A{header}:{get_column_letter(len(table.columns))}{max(end - 1, header)}"
        for more in extra:
            ws.append([])
            _h, end = _write_table(ws, styles, more, end + 1)

    def to_bytes(self) -> bytes:
        if self.ctx.demo:
            mark_properties(self.wb)
        return to_bytes(self.wb)


def _write_table(ws: Worksheet, styles: Styles, table: Table, row: int) -> tuple[int, int]:
    """Append `table` (its first row is `row`); returns (header row, next free row)."""
    if table.title:
        ws.append([styles.plain(table.title, "title")])
        row += 1
    if table.note:
        ws.append([styles.plain(table.note, "italic")])
        row += 1
    if table.groups:
        cells: list = []
        for label, span in table.groups:
            if span > 1:
                first = len(cells) + 1
                ws.merged_cells.add(f"{get_column_letter(first)}{row}:{get_column_letter(first + span - 1)}{row}")
            cells += [styles.plain(label, "group"), *[None] * (span - 1)]
        ws.append(cells)
        row += 1
    ws.append(
        [styles.cell(spec.header, _header_style, cell_colours(Cell(spec.header, spec.kind))) for spec in table.columns]
    )
    header = row
    for r in table.rows:
        ws.append([styles.body(cell, r.style) for cell in r.cells])
    return header, header + len(table.rows) + 1

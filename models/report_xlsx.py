"""The workbook renderer of the report: writes models.report_model's tables into .xlsx sheets.

XlsxWriter in constant_memory mode: a row goes to the file as soon as the next one starts and is then
forgotten (the size-100 semester report has 420,000 cells), and a cell costs a third of openpyxl's write-only
mode's time. So a sheet is laid out before its first row (column widths, frozen header, print settings, the demo
mark) and its rows are written top to bottom. Each kind of cell's Format is built once per workbook (Styles)
and given to every cell of that kind. Values are stored as models.xlsx.cell_value says (text always as text,
never a formula). openpyxl still reads every workbook and writes the other ones (models/xlsx.py).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from math import isfinite
from typing import Any

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.utility import _preserve_whitespace, xl_col_to_name
from xlsxwriter.worksheet import CellBlankTuple, CellNumberTuple, CellStringTuple, Worksheet

from models.demo_mark import DEMO_TAB_COLOUR, demo_header_left, demo_properties, demo_title
from models.report_model import EURO, PERCENT, Cell, Context, Table, cell_colours
from models.xlsx import BORDER_COLOUR, EURO_FORMAT, HEADER_FILL_COLOUR, PERCENT_FORMAT, cell_value

SHEETS = ("Sintesi", "Tabella Esiti", "Indicatori", "Spesa")
HEADING_FILL = "EDEDED"  # an objective's heading row in the Tabella Esiti
NUMBER_FORMATS = {EURO: EURO_FORMAT, PERCENT: PERCENT_FORMAT}
A4 = 9  # Excel's paper size code
HEADER_LIMIT = 255  # Excel's longest page header or footer, in UTF-16 units (XlsxWriter drops a longer one)
BOX = {"border": 1, "border_color": f"#{BORDER_COLOUR}"}  # thin, grey

Props = dict[str, Any]  # XlsxWriter format properties


def _fill(hex_colour: str) -> Props:
    return {"pattern": 1, "bg_color": f"#{hex_colour.lstrip('#')}"}  # solid: XlsxWriter's bg_color is the fill


def _body_style(number_format: str | None, colours: tuple[str, str] | None, row_style: str) -> Props:
    props: Props = {"text_wrap": True, "valign": "top", **BOX, "bold": row_style in ("heading", "total")}
    if number_format:
        props["num_format"] = number_format
    if colours:
        props |= _fill(colours[0]) | {"font_color": f"#{colours[1].lstrip('#')}"}
    elif row_style == "heading":
        props |= _fill(HEADING_FILL)
    return props


def _header_style(colours: tuple[str, str] | None) -> Props:
    props: Props = {"bold": True, "text_wrap": True, "valign": "vcenter", **BOX}
    if colours:
        return props | _fill(colours[0]) | {"font_color": f"#{colours[1].lstrip('#')}"}
    return props | _fill(HEADER_FILL_COLOUR)


def _plain_style(kind: str) -> Props:
    styles: dict[str, Props] = {
        "none": {},
        "bold": {"bold": True},
        "italic": {"italic": True},
        "title": {"bold": True, "font_size": 12},
        "report title": {"bold": True, "font_size": 14},
        "group": {"bold": True, "align": "center"} | _fill(HEADER_FILL_COLOUR),
    }
    return styles[kind]


class Styles:
    """Each kind of cell's Format, built once per workbook (XlsxWriter gives each Format object its own entry
    in the file's style table). A kind is (function building its properties, its arguments)."""

    def __init__(self, wb: Workbook) -> None:
        self._wb = wb
        self._formats: dict[tuple, Format | None] = {}
        self._texts: dict[tuple[Cell, str], tuple[Any, bool, Format | None]] = {}
        self._default: Format | None = None

    def format(self, quoted: bool, build: Callable[..., Props], *args: Any) -> Format | None:
        key = (build, quoted, *args)
        if key not in self._formats:
            props = build(*args) | ({"quote_prefix": True} if quoted else {})  # Excel keeps "=..." text when edited
            self._formats[key] = self._wb.add_format(props) if props else None
        return self._formats[key]

    def run_font(self, fmt: Format | None) -> Format:
        """A Format for a rich text's runs: the cell's own (only its font is used), or the default font."""
        if fmt is not None:
            return fmt
        if self._default is None:
            self._default = self._wb.add_format()
        return self._default

    def body(self, cell: Cell, row_style: str) -> tuple[Any, bool, Format | None]:
        """A table cell's (stored value, as text, Format). A text (or empty) cell's are worked out once per
        distinct cell and row style: the Tabella Esiti repeats the same few texts hundreds of thousands of
        times (numbers are not cached: 1 and 1.0 are equal keys but are stored differently)."""
        value = cell.value
        if value is not None and type(value) is not str:
            stored, as_text, quoted = cell_value(value)
            fmt = self.format(quoted, _body_style, NUMBER_FORMATS.get(cell.kind), cell_colours(cell), row_style)
            return stored, as_text, fmt
        key = (cell, row_style)
        known = self._texts.get(key)
        if known is None:
            stored, as_text, quoted = cell_value(value)
            fmt = self.format(quoted, _body_style, NUMBER_FORMATS.get(cell.kind), cell_colours(cell), row_style)
            known = self._texts[key] = (stored, as_text, fmt)
        return known


class FastSheet(Worksheet):
    """XlsxWriter's worksheet with its cell writer, the inner loop of constant_memory mode, shortened for the
    report's cells (a styled text, number or blank; any other cell goes to XlsxWriter's own), and a writer of a
    whole table row in one go (write_body_row): a text's XML is escaped once per distinct text (the Tabella Esiti
    repeats a few texts 300,000 times) and the cell references come from a table of column letters. The XML is
    XlsxWriter's, except that a text shaped "<r>...</r>" is escaped too (XlsxWriter would copy it as markup;
    _Sheet.put writes one as rich text anyway).
    tests/test_report_xlsx_same.py reads every cell back."""

    previous_row: int  # XlsxWriter's: the row its cells are gathered for (mypy cannot infer it there)

    def __init__(self) -> None:
        super().__init__()
        self._text_xml: dict[str, str] = {}
        self._letters: list[str] = []
        self._tails: dict[tuple[Any, bool, Format | None], str] = {}  # a text or blank cell's XML after its reference

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        kind, fmt = cell.__class__, cell.format
        if fmt is None or kind not in FAST_CELLS or not self.constant_memory:
            super()._write_cell(row, col, cell)
            return
        while len(self._letters) <= col:
            self._letters.append(xl_col_to_name(len(self._letters)))
        head = f'<c r="{self._letters[col]}{row + 1}" s="{fmt._get_xf_index()}"'
        if kind is CellStringTuple:
            body = self._text_xml.get(cell.string)
            if body is None:
                body = self._text_xml[cell.string] = self._inline_text(cell.string)
            self.fh.write(head + body)
        elif kind is CellNumberTuple:
            self.fh.write(f"{head}><v>{cell.number:.16G}</v></c>")  # as XlsxWriter writes a number
        else:
            self.fh.write(head + "/>")

    def write_body_row(self, row: int, cells: Sequence[tuple[Any, bool, Format | None]]) -> bool:
        """A whole row of Styles.body cells written straight to the file as _write_cell would write them, cell
        by cell (no cell tuples, one write): False, with none of the row written, for a row XlsxWriter's own
        writers must write (a rich, long or unstyled text, a boolean, a row with settings or already begun)."""
        last = len(cells) - 1
        if last < 0 or last >= self.xls_colmax or row >= self.xls_rowmax or row in self.row_info:
            return False
        if self.default_row_height != self.original_row_height or not self.constant_memory:
            return False  # <row> has attributes
        if row > self.previous_row:
            self._write_single_row(row)  # XlsxWriter's flush of the row before
        if row != self.previous_row or self.table.get(row) or row in self.comments:
            return False
        while len(self._letters) <= last:
            self._letters.append(xl_col_to_name(len(self._letters)))
        letters, tails, ref = self._letters, self._tails, str(row + 1)
        parts = []
        for col, cell in enumerate(cells):
            tail = tails.get(cell)
            if tail is None:
                stored, as_text, fmt = cell
                if fmt is None:
                    return False
                style = f' s="{fmt._get_xf_index()}"'
                if as_text:
                    if len(stored) > self.xls_strmax // 2 or (stored.startswith("<r>") and stored.endswith("</r>")):
                        return False
                    tail = tails[cell] = style + self._inline_text(stored)
                elif stored is None:
                    tail = tails[cell] = style + "/>"
                elif type(stored) in (int, float) and isfinite(stored):
                    tail = f"{style}><v>{stored:.16G}</v></c>"  # as XlsxWriter writes a number (not kept: 0 == -0.0)
                else:
                    return False
            parts.append(f'<c r="{letters[col]}{ref}"{tail}')
        self._check_dimensions(row, 0)
        self._check_dimensions(row, last)
        self.fh.write(f'<row r="{ref}">{"".join(parts)}</row>')
        self.previous_row = row + 1  # this row is written: a later cell for it is refused, as for a flushed row
        return True

    def _inline_text(self, string: str) -> str:
        """The rest of an inline text cell, as XlsxWriter's _write_cell writes it (escapes, kept spaces)."""
        string = self._escape_control_characters(string)
        space = ' xml:space="preserve"' if _preserve_whitespace(string) else ""
        return f' t="inlineStr"><is><t{space}>{self._escape_data(string)}</t></is></c>'


FAST_CELLS = (CellStringTuple, CellNumberTuple, CellBlankTuple)


class _Sheet:
    """One sheet being written: its rows in order, `row` the next one (0-based, as XlsxWriter counts)."""

    def __init__(self, ws: Worksheet, styles: Styles) -> None:
        self.ws, self.styles, self.row = ws, styles, 0

    def put(self, col: int, stored: Any, as_text: bool, fmt: Format | None) -> None:
        """One cell of the current row, stored as models.xlsx.cell_value said."""
        ws, row = self.ws, self.row
        if as_text:
            if stored.startswith("<r>") and stored.endswith("</r>"):
                # XlsxWriter copies such a text into the file unescaped, as rich-text markup: as two runs in the
                # cell's own font it is escaped and reads the same
                run = self.styles.run_font(fmt)
                ws.write_rich_string(row, col, run, stored[:1], run, stored[1:], fmt)
            else:
                ws.write_string(row, col, stored, fmt)  # never write(): it would store "=..." as a formula
        elif stored is None:
            ws.write_blank(row, col, None, fmt)  # a styled empty cell (an unstyled one is not written)
        elif type(stored) is bool:
            ws.write_boolean(row, col, stored, fmt)
        else:
            ws.write_number(row, col, stored, fmt)

    def plain(self, col: int, value: Any, kind: str = "none") -> None:
        stored, as_text, quoted = cell_value(value)
        self.put(col, stored, as_text, self.styles.format(quoted, _plain_style, kind))

    def line(self, value: Any, kind: str) -> None:
        """A row of one plain cell."""
        self.plain(0, value, kind)
        self.row += 1


class ReportBook:
    """A report workbook written sheet by sheet, each sheet's rows in order."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._buffer = io.BytesIO()
        self.wb = Workbook(self._buffer, {"constant_memory": True})
        title = f"{ctx.title} · {ctx.plan}"
        props = {"title": title, "author": "Monitoraggio Piano di Zona"}  # author: the file's creator
        self.wb.set_properties(props | demo_properties(title) if ctx.demo else props)
        self.styles = Styles(self.wb)
        self.sheetnames: list[str] = []

    def _sheet(self, name: str, tables: Sequence[Table], title_rows: int) -> _Sheet:
        """A new sheet laid out for `tables`: each column as wide as the widest of them asks, printable (A4
        landscape, fit to width, the first `title_rows` rows repeated) with the report's name on every page."""
        ws = self.wb.add_worksheet(name, worksheet_class=FastSheet)
        self.sheetnames.append(name)
        widths: dict[int, float] = {}
        for table in tables:
            for i, spec in enumerate(table.columns):
                widths[i] = max(widths.get(i, spec.width), spec.width)
        for i, width in widths.items():
            ws.set_column_pixels(i, i, excel_pixels(width))
        ws.set_paper(A4)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(0, title_rows - 1)
        left = demo_header_left() if self.ctx.demo else ""
        _page_texts(
            ws,
            left + "&C" + header_text(f"{self.ctx.title} · {self.ctx.plan}", HEADER_LIMIT - len(left) - 2),
            f"&LGenerato il {header_text(self.ctx.generated, 100)}&RPagina &P di &N",
        )
        if self.ctx.demo:
            ws.set_tab_color(f"#{DEMO_TAB_COLOUR}")
        return _Sheet(ws, self.styles)

    def _title(self, text: str) -> str:
        return demo_title(text) if self.ctx.demo else text

    def summary_sheet(self, tables: list[Table]) -> None:
        sheet = self._sheet(SHEETS[0], tables, 1)
        sheet.line(self._title(self.ctx.title), "report title")
        for label, value in self.ctx.lines():
            sheet.plain(0, label, "bold")
            sheet.plain(1, value)
            sheet.row += 1
        for table in tables:
            sheet.row += 1  # an empty row before each table
            _write_table(sheet, table)

    def table_sheet(self, name: str, table: Table, subtitle: str, extra: Sequence[Table] = ()) -> None:
        """One table per sheet under a title row: header frozen, filterable and repeated on every printed page."""
        header = 2 + (1 if table.note else 0) + (1 if table.groups else 0)  # its row, counted from 1
        sheet = self._sheet(name, [table, *extra], header)
        sheet.ws.freeze_panes(header, 0)
        sheet.line(self._title(f"{table.title} · {subtitle}"), "title")
        if table.note:
            sheet.line(table.note, "italic")
        _write_table(sheet, Table("", table.columns, table.rows, table.groups))
        sheet.ws.autofilter(header - 1, 0, max(sheet.row, header) - 1, len(table.columns) - 1)
        for more in extra:
            sheet.row += 1
            _write_table(sheet, more)

    def to_bytes(self) -> bytes:
        self.wb.close()
        return self._buffer.getvalue()


def _write_table(sheet: _Sheet, table: Table) -> None:
    """Write `table` from the sheet's next row on."""
    if table.title:
        sheet.line(table.title, "title")
    if table.note:
        sheet.line(table.note, "italic")
    if table.groups:
        col = 0
        for label, span in table.groups:
            if span > 1:  # the others get the group's style (Excel draws a merged range as its first cell)
                sheet.ws.merge_range(
                    sheet.row, col, sheet.row, col + span - 1, None, sheet.styles.format(False, _plain_style, "group")
                )
            sheet.plain(col, label, "group")
            col += span
        sheet.row += 1
    for i, spec in enumerate(table.columns):
        stored, as_text, quoted = cell_value(spec.header)
        sheet.put(
            i, stored, as_text, sheet.styles.format(quoted, _header_style, cell_colours(Cell(spec.header, spec.kind)))
        )
    sheet.row += 1
    # the body's cells (all of them styled): a row at a time, unless it has a cell only XlsxWriter may write
    body, put, ws = sheet.styles.body, sheet.put, sheet.ws
    fast = ws.write_body_row if isinstance(ws, FastSheet) else None
    for r in table.rows:
        style = r.style
        cells = [body(cell, style) for cell in r.cells]
        if fast is None or not fast(sheet.row, cells):
            for i, (stored, as_text, fmt) in enumerate(cells):
                put(i, stored, as_text, fmt)
        sheet.row += 1


def excel_pixels(width: float) -> int:
    """The pixels Excel draws a column `width` characters wide in (Calibri 11: 7 pixels a digit; ECMA-376
    18.3.1.13). Given as pixels, XlsxWriter stores this very width (given as characters it adds the padding)."""
    return int((256 * width + int(128 / 7)) / 256 * 7)


def header_text(text: str, room: int) -> str:
    """`text` for a page header or footer: & doubled (a single one starts a code), shortened with … to `room`
    UTF-16 units (Excel's limit is for the whole header)."""
    escaped = text.replace("&", "&&")
    while len(escaped.encode("utf-16-le")) // 2 > room and text:
        text = text[:-1]
        escaped = text.replace("&", "&&") + "…"
    return escaped


def _page_texts(ws: Worksheet, header: str, footer: str) -> None:
    """The page header and footer as given: set_header reads "&G" (in "R&&G", a title's "R&G") as an image's
    place and drops a header whose places are not all given an image."""
    ws.set_header("")  # the margins and the flag that writes them
    ws.set_footer("")
    ws.header, ws.footer = header, footer

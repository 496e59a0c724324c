"""Files exported from generated data say so: the sheet headers, the HTML banner and the file name.

The exporters learn it from the database, not from a setting: models/demo.py writes a DemoMarker row when it
generates data, so a demo database copied elsewhere, backed up and restored, or exported from the command line
without PDZ_DEMO=1 still marks every file (a setting would be lost on the way).
"""

from __future__ import annotations

from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session

from models.tables import DemoMarker

DEMO_PREFIX = "DIMOSTRATIVO_"  # file names: the first thing anyone sees in a folder or an e-mail
DEMO_NOTICE = "DATI DIMOSTRATIVI generati automaticamente (make demo): non sono dati reali dell'Ambito"
DEMO_TAB_COLOUR = "C00000"


def is_demo(*, session: Session) -> bool:
    return session.get(DemoMarker, 1) is not None


def mark_database(*, session: Session, seed: int) -> None:
    """Called by the demo generator, in its transaction."""
    if session.get(DemoMarker, 1) is None:
        session.add(DemoMarker(id=1, seed=seed))


def demo_file_name(name: str, *, session: Session) -> str:
    """'report_2025.xlsx' -> 'DIMOSTRATIVO_report_2025.xlsx' for a demo database."""
    return f"{DEMO_PREFIX}{name}" if is_demo(session=session) and not name.startswith(DEMO_PREFIX) else name


def mark_workbook(wb: Workbook, *, session: Session, title_sheets: Iterable[str] = ()) -> None:
    """Every sheet's printed header, its tab colour and the file's properties; the title cell (A1) of the
    sheets named in title_sheets, which hold a title rather than a table header (a table's header row is
    left alone: the Excel import reads it)."""
    if not is_demo(session=session):
        return
    titled = set(title_sheets)
    for ws in wb.worksheets:
        mark_sheet(ws)
        cell = ws.cell(row=1, column=1)
        if ws.title in titled and isinstance(cell.value, str):
            cell.value = demo_title(cell.value)
    mark_properties(wb)


def mark_sheet(ws: Worksheet) -> None:
    """A sheet's printed headers and tab colour (a write-only sheet: before its first row)."""
    for header in (ws.oddHeader, ws.evenHeader, ws.firstHeader):
        header.left.text = DEMO_NOTICE
        header.left.color = DEMO_TAB_COLOUR
    ws.sheet_properties.tabColor = DEMO_TAB_COLOUR


def demo_title(title: str) -> str:
    """A sheet's title cell, saying the data are generated (once)."""
    return title if title.startswith(DEMO_NOTICE) else f"{DEMO_NOTICE} · {title}"


def mark_properties(wb: Workbook) -> None:
    props = wb.properties
    for name, value in demo_properties(props.title).items():
        setattr(props, name, value)


def demo_properties(title: str | None) -> dict[str, str]:
    """A workbook's title, subject and keywords (file properties) for generated data; an XlsxWriter workbook
    (the reports) takes them as they are in set_properties."""
    return {
        "title": f"DIMOSTRATIVO · {title or ''}".rstrip(" ·"),
        "subject": DEMO_NOTICE,
        "keywords": "dimostrativo",
    }


def demo_header_left() -> str:
    """The demo notice as the left part of a page header in Excel's codes (&L, &K colour), as mark_sheet sets it:
    an XlsxWriter sheet (the reports) has one header string (its odd header, which Excel prints on every page
    while no different first or even pages are asked for)."""
    return f"&L&K{DEMO_TAB_COLOUR}{DEMO_NOTICE}"


def html_banner(demo: bool) -> str:
    """A banner for the top of an HTML export (empty for real data); static text, no user input."""
    if not demo:
        return ""
    return (
        f'<div class="demo" role="note" style="background:#{DEMO_TAB_COLOUR};color:#ffffff;padding:8px 12px;'
        f'font-weight:bold;font-size:1.1em">{DEMO_NOTICE}</div>\n'
    )

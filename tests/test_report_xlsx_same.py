"""The write-only report writer (models/report_xlsx.py) writes the same workbook as the writer it replaced
(tests/report_xlsx_reference.py): every sheet, cell, value, data type, number format, font, fill, border,
alignment, quote prefix, merged range, column width, frozen pane, filter, print setting and page header.

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


def cell_facts(cell) -> tuple:
    """The style objects copied out of their read-only proxies (two proxies never compare equal)."""
    return (
        cell.value,
        cell.data_type,
        cell.number_format,
        *(copy(style) for style in (cell.font, cell.fill, cell.border, cell.alignment, cell.protection)),
        cell.quotePrefix,
    )


def sheet_facts(ws: Worksheet) -> dict:
    return {
        "merged": sorted(str(r) for r in ws.merged_cells.ranges),
        "widths": {k: d.width for k, d in ws.column_dimensions.items() if d.width},
        "freeze": ws.freeze_panes,
        "filter": ws.auto_filter.ref,
        "print_titles": ws.print_title_rows,
        "page": (ws.page_setup.paperSize, ws.page_setup.orientation, ws.page_setup.fitToWidth),
        "fit": (ws.page_setup.fitToHeight, ws.sheet_properties.pageSetUpPr.fitToPage),
        "headers": [
            (part.text, part.color)
            for hf in (ws.oddHeader, ws.evenHeader, ws.firstHeader, ws.oddFooter)
            for part in (hf.left, hf.center, hf.right)
        ],
        "tab": ws.sheet_properties.tabColor,
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

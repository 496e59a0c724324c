"""The annual HTML writes each distinct text cell once per table (models/report_html.py): the cached cells are
the ones _td writes, and equal-but-different numbers (1 and 1.0, True and 1) are never served from the cache."""

from __future__ import annotations

from models.report_html import cell_html, table_html
from models.report_model import BAND, COUNT, EURO, NUMBER, PERCENT, SPEND_CLASS, Cell, Col, Row, Table

CELLS = [
    Cell(1, COUNT),
    Cell(1.0, COUNT),
    Cell(True, COUNT),
    Cell(1.5, EURO),
    Cell(1.5, PERCENT),
    Cell(1.5, NUMBER),
    Cell("ottimo", BAND),
    Cell("<b>", SPEND_CLASS),
    Cell("da definire", EURO),
    Cell(None, EURO),
    Cell(),
    Cell("—"),
]


def test_every_cell_is_written_as_td_writes_it_however_often_it_repeats():
    rows = [Row(CELLS), Row(list(reversed(CELLS)), "total"), Row(CELLS, "heading")]
    page = table_html(Table("T", [Col("c")] * len(CELLS), rows))
    for row in rows:
        style = f' class="{row.style}"' if row.style else ""
        assert f"<tr{style}>" + "".join(cell_html(c) for c in row.cells) + "</tr>" in page
    assert "<td class=\"n\">1</td><td class=\"n\">1.0</td><td class=\"n\">True</td>" in page

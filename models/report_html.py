"""The annual report as ONE self-contained HTML file: opens offline, from a USB stick or an e-mail attachment.

Plotly's JavaScript is inlined once (the first figure), the others reuse it; no CDN, no font, no request of any
kind. Every text from the plan or a user goes through html.escape (tables) or charts.safe (figures): a critical
issue written as an HTML tag shows as that text and never runs. Print CSS: A4 landscape, one section per page.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable, Iterable, Iterator

import plotly.graph_objects as go

from models import charts
from models.dashboard_results import COUNTED_LABELS, TrendPoint
from models.demo_mark import html_banner
from models.formatting import euro_cents, number, percent
from models.report_model import (
    COUNT,
    EURO,
    NOT_OPENED,
    NUMBER,
    PERCENT,
    AnnualContent,
    Cell,
    Row,
    Table,
    cell_colours,
)

CHART_CONFIG = {"displayModeBar": False, "displaylogo": False}  # read, not explored
# The page is as wide as an A4 landscape sheet's printable area (273 mm ~ 1030 CSS px): charts are drawn at
# the width they print at, and no table needs a horizontal scroll on paper.
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#000;background:#fff;
 margin:1.5rem auto;max-width:1000px;padding:0 1rem;line-height:1.4}
h1{font-size:1.8rem;margin:0 0 .3rem}
h2{font-size:1.35rem;border-bottom:2px solid #1B3A5C;margin:2rem 0 .5rem}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:.5rem 0 1rem}
dl.meta dt{font-weight:600}
dl.meta dd{margin:0}
.table-wrap{overflow-x:auto}
.table-wrap:focus{outline:3px solid #1B3A5C;outline-offset:2px}
table{border-collapse:collapse;margin:.8rem 0 .3rem;font-size:.9rem}
caption{text-align:left;font-weight:700;font-size:1.05rem;padding:.3rem 0}
th,td{border:1px solid #999;padding:.2rem .4rem;vertical-align:top;text-align:left}
th{background:#D9E2F3}
td.n{text-align:right;white-space:nowrap}
td.c,th.c{-webkit-print-color-adjust:exact;print-color-adjust:exact}
tr.heading td{background:#EDEDED;font-weight:700}
tr.total td{font-weight:700;border-top:2px solid #000}
p.note{font-style:italic;font-size:.85rem;margin:0 0 1rem}
p.missing{font-weight:600}
figure.chart{margin:1rem 0;break-inside:avoid}
@page{size:A4 landscape;margin:12mm}
@media print{
 body{margin:0;max-width:none;font-size:9pt}
 section+section{break-before:page}
 table{font-size:8pt}
 tr,figure{break-inside:avoid}
 thead{display:table-header-group}
 .table-wrap{overflow:visible}
}
"""
e = html.escape


def cell_text(cell: Cell) -> str:
    """A cell as the Cruscotto writes it (Italian numbers; n.c. for a ratio that cannot be computed)."""
    value = cell.value
    if isinstance(value, str):  # words (e.g. "da definire") are shown as they are, whatever the column
        return value
    if cell.kind == EURO:
        return euro_cents(value) if value is not None else ""  # tables compare amounts: cents
    if cell.kind == PERCENT:
        return percent(value)
    if cell.kind == NUMBER:
        return number(value, 2)
    return "" if value is None else str(value)


def cell_html(cell: Cell, tag: str = "td") -> str:
    classes, style = [], ""
    if cell.kind in (EURO, PERCENT, NUMBER, COUNT):
        classes.append("n")
    colours = cell_colours(cell)
    if colours:
        classes.append("c")
        style = f' style="background:{e(colours[0])};color:{e(colours[1])}"'
    cls = f' class="{" ".join(classes)}"' if classes else ""
    return f"<{tag}{cls}{style}>{e(cell_text(cell))}</{tag}>"


def _cached_td() -> Callable[[Cell], str]:
    """cell_html, computed once per distinct text cell of a table: the Tabella Esiti repeats the same few texts
    (labels, area letters, "—", SI / NO) hundreds of thousands of times. Numbers are not cached: 1 and 1.0
    are equal keys but are written differently."""
    done: dict[Cell, str] = {}

    def td(cell: Cell) -> str:
        if cell.value is not None and type(cell.value) is not str:
            return cell_html(cell)
        out = done.get(cell)
        if out is None:
            out = done[cell] = cell_html(cell)
        return out

    return td


def _row_class(style: str) -> str:
    return f' class="{e(style)}"' if style else ""


def by_group(table: Table) -> list[Table]:
    """A table with semesters side by side as one table per semester (and per year), each with the leading
    columns: the annual tables are too wide for a sheet of paper otherwise."""
    if not table.groups or table.groups[0][0]:
        return [table]
    lead = table.groups[0][1]
    out, start = [], lead
    for label, span in table.groups[1:]:
        cols = slice(start, start + span)
        out.append(
            Table(
                f"{table.title} · {label}",
                table.columns[:lead] + table.columns[cols],
                [Row(r.cells[:lead] + r.cells[cols], r.style) for r in table.rows],
            )
        )
        start += span
    out[-1].note = table.note
    return out


def tables_html(table: Table) -> str:
    return "".join(table_html(t) for t in by_group(table))


def table_html(table: Table) -> str:
    return "".join(table_parts(table))


def table_parts(table: Table) -> Iterator[str]:
    """The table as pieces of HTML, one per body row, made as they are written (the Tabella Esiti of a large
    plan is tens of megabytes: neither its rows nor the page are ever held twice as text)."""
    head = ""
    if table.groups:
        head += "<tr>" + "".join(f'<th colspan="{span}">{e(label)}</th>' for label, span in table.groups) + "</tr>"
    head += "<tr>" + "".join(cell_html(Cell(c.header, c.kind), "th") for c in table.columns) + "</tr>"
    td = _cached_td()
    note = f'<p class="note">{e(table.note)}</p>' if table.note else ""
    # A region that may scroll sideways must be reachable by keyboard (WCAG 2.1.1): focusable and named.
    yield (
        f'<div class="table-wrap" tabindex="0" role="region" aria-label="{e(table.title)}">'
        f"<table><caption>{e(table.title)}</caption><thead>{head}</thead><tbody>"
    )
    for r in table.rows:
        yield f"<tr{_row_class(r.style)}>" + "".join(map(td, r.cells)) + "</tr>"
    yield f"</tbody></table></div>{note}"


class Figures:
    """Figures as HTML: the first one carries Plotly's JavaScript, the others reuse it."""

    def __init__(self) -> None:
        self.count = 0

    def html(self, fig: go.Figure) -> str:
        self.count += 1
        div = fig.to_html(
            full_html=False, include_plotlyjs=self.count == 1, config=CHART_CONFIG, div_id=f"grafico-{self.count}"
        )
        return f'<figure class="chart">{div}{chart_table(fig)}</figure>'


def prepare() -> None:
    """What the first figure of a process costs before any data: Plotly imports the validators of each trace and
    layout type on first use (~0.25 s, +13 MB). Done by a file worker while it waits for a job (models.file_worker),
    not after the click. Without the JavaScript: reading it later takes 0.02 s, holding it here 17 MB more."""
    traces = [go.Bar(x=["a"], y=[1], orientation="v"), go.Scatter(x=["a"], y=[1], mode="lines+markers")]
    go.Figure(traces).to_html(full_html=False, include_plotlyjs=False, config=CHART_CONFIG)


def chart_table(fig: go.Figure) -> str:
    """The figure's text alternative (the same as on the Cruscotto), folded under it."""
    alt = charts.text_alternative(fig)
    head = "".join(f'<th scope="col">{e(h)}</th>' for h in alt.header)
    body = "".join(
        f'<tr><th scope="row">{e(row[0])}</th>' + "".join(f"<td>{e(c)}</td>" for c in row[1:]) + "</tr>"
        for row in alt.rows
    )
    return (
        f'<details class="chart-data"><summary>Dati del grafico in tabella</summary>'
        f'<div class="table-wrap" tabindex="0" role="region" aria-label="Dati: {e(alt.title)}">'
        f"<table><caption>{e(alt.title)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        f"</div></details>"
    )


def _section(title: str, parts: Iterable[str]) -> str:
    return "".join(_section_parts(title, parts))


def _section_parts(title: str, parts: Iterable[str]) -> Iterator[str]:
    yield f"<section><h2>{e(title)}</h2>"
    yield from parts
    yield "</section>"


def _sentence(text: str, cls: str = "missing") -> str:
    return f'<p class="{cls}">{e(text)}</p>'


def _counted(content: AnnualContent) -> str:
    return COUNTED_LABELS[content.ctx.include_submitted]


def _bands(content: AnnualContent, figures: Figures) -> str:
    counted = _counted(content)
    parts = [
        figures.html(charts.bands_by_area(s.data.areas, s.label, counted))
        if s.data
        else _sentence(f"{s.label}: {NOT_OPENED}.")
        for s in content.slots
    ]
    return _section(
        "Obiettivi per fascia di raggiungimento",
        [*parts, tables_html(content.tables[0]), table_html(content.tables[1])],
    )


def _money(content: AnnualContent, figures: Figures) -> str:
    last = [s.data for s in content.slots if s.data][-1]
    share = last.summary.expected_share
    note = f"{_counted(content)} · linea nera: liquidato atteso a fine semestre ({percent(share)} del budget)"
    areas = [(f"{a.letter} · {a.title}", a.money) for a in last.areas if a.money.budget or a.money.paid]
    sources = [(s.label, s.money) for s in last.sources if s.money.budget or s.money.paid]
    parts = []
    for rows, what in ((areas, "area"), (sources, "fonte di finanziamento")):
        if rows:
            parts.append(
                figures.html(
                    charts.money_bars(rows, f"Budget, impegnato e liquidato per {what} · {last.label}", note, share)
                )
            )
        else:
            parts.append(
                _sentence(
                    f"Budget e spesa per {what}: nessun dato (nessun budget con importo e nessuna spesa registrata)."
                )
            )
    return _section(
        "Budget e spesa", [*parts, *(tables_html(t) for t in content.tables[2:]), table_html(content.funds)]
    )


def _trend(content: AnnualContent, trend: list[TrendPoint], figures: Figures) -> str:
    last = [s.data for s in content.slots if s.data][-1]
    points = [p for p in trend if p.area == ""]
    return _section(
        "Andamento nei semestri",
        [figures.html(charts.trend_chart(points, "Tutto il piano", last.label, _counted(content)))],
    )


def annual_document(content: AnnualContent, trend: list[TrendPoint]) -> bytes:
    """The page, encoded piece by piece as UTF-8 (a large plan's page is tens of megabytes: as one Python
    string it would take twice its size in memory, beside the pieces it is joined from)."""
    out = io.BytesIO()
    for piece in _document_parts(content, trend):
        out.write(piece.encode("utf-8"))
    return out.getvalue()


def _document_parts(content: AnnualContent, trend: list[TrendPoint]) -> Iterator[str]:
    ctx = content.ctx
    figures = Figures()
    meta = "".join(f"<dt>{e(label)}</dt><dd>{e(value)}</dd>" for label, value in ctx.lines())
    yield (
        "<!DOCTYPE html>\n"
        '<html lang="it">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{'DIMOSTRATIVO · ' if ctx.demo else ''}{e(ctx.title)} · {e(ctx.plan)}</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n{html_banner(ctx.demo)}"
        f"<header><h1>{e(ctx.title)}</h1>"
        f'<dl class="meta">{meta}</dl></header>\n'
    )
    yield _bands(content, figures)
    yield _money(content, figures)
    yield _trend(content, trend, figures)
    yield from _section_parts("Tabella Esiti per obiettivo", table_parts(content.esiti))
    yield "\n"
    yield f'<footer><p class="note">Monitoraggio Piano di Zona · {e(ctx.generated)}</p></footer>\n'
    yield "</body>\n</html>\n"

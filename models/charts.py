"""Plotly figures of the Cruscotto and of the annual report. Pure functions: data in, figure out (no Streamlit),
so the pages, the HTML export and the tests share them.

Rules for every figure: an Italian title naming what it shows and the semester; band colours and labels only
from models.scoring; numbers in Italian format on the bars (colour is never the only carrier of meaning);
plan and user text escaped, because Plotly renders some HTML tags in labels and hover text.

Over 400 lines: one function per figure; they share the title, colour and number rules above.
"""

from __future__ import annotations

import html
import math
import re
import textwrap
from dataclasses import dataclass

import plotly.graph_objects as go

from models import scoring
from models.dashboard_results import (
    CATEGORY_LABELS,
    AreaRow,
    IndicatorSeries,
    Money,
    ObjectiveRow,
    SplitRow,
    TrendPoint,
)
from models.formatting import budget_euro, euro, number, percent
from models.plan_browser import AreaBands
from models.rules import semester_of_ordinal
from models.vocab import ReportState, Unit, semester_short_label

MONEY_SERIES = (
    ("Budget", "#C6D4E1", "#000000"),
    ("Impegnato", "#5B8DB8", "#000000"),
    ("Liquidato", "#1B3A5C", "#FFFFFF"),
)
EXPECTED_COLOUR = "#000000"
TREND_COLOURS = {"achievement": "#0072B2", "ratio": "#CC79A7", "expected": "#000000"}
FONT_NORMAL, FONT_PROJECTOR = 14, 18  # px; `projector` scales the latter (1 = 1280x720, 1.5 = 1920x1080)
LABEL_CHARS = 42  # axis labels longer than this are cut: the full text is in the hover and in the tables
# Projector: at most this many objectives per slide; 7 one-line labels of 18 px fit the 390 px chart of a
# 1280x720 screen with room between them (area J's 14 objectives on one slide: half the labels were dropped).
PROJECTOR_OBJECTIVES_PER_SLIDE = 7
BAR_TEXT_MIN_PX = 14  # text on and beside bars never shrinks below this (Plotly shrinks it to fit a thin bar)


def slide_ranges(n: int, per_slide: int = PROJECTOR_OBJECTIVES_PER_SLIDE) -> list[tuple[int, int]]:
    """An area's n objectives as balanced slides of at most per_slide: 14 -> 7+7, 9 -> 5+4, 3 -> 3."""
    if n <= per_slide:
        return [(0, n)]
    size = math.ceil(n / math.ceil(n / per_slide))
    return [(start, min(start + size, n)) for start in range(0, n, size)]


def short_semester(ordinal: int) -> str:
    """'I sem. 2025' from a semester ordinal (year x 2 + half): fits under a narrow chart without rotating."""
    year, half = semester_of_ordinal(ordinal)
    return semester_short_label(year, half)


def missing_lines(n: int) -> str:
    return f"{n} voce di budget senza importo" if n == 1 else f"{n} voci di budget senza importo"


def category_colour(label: str) -> tuple[str, str]:
    """(fill, text) colours of a band label or of 'non calcolabile', from the scoring core."""
    for band in scoring.BANDS:
        if band.label == label:
            return band.colour, band.value.text_colour
    return scoring.NOT_COMPUTABLE_COLOUR, "#000000"


def cut(text: str, limit: int | None = None) -> str:
    """One line, at most `limit` characters (an ellipsis marks the cut)."""
    text = " ".join(str(text).split())
    if limit and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def wrap(text: str, width: int, lines: int = 2) -> list[str]:
    """A long text as at most `lines` lines of about `width` characters (the last one cut)."""
    parts = textwrap.wrap(" ".join(str(text).split()), width) or [""]
    if len(parts) > lines:
        parts = parts[: lines - 1] + [cut(" ".join(parts[lines - 1 :]), width)]
    return parts


def safe(text: str, limit: int | None = None) -> str:
    """Plan or user text made inert for Plotly (which renders <b>, <a>, <br> ...), optionally cut."""
    return html.escape(cut(text, limit), quote=False)


def _style(
    fig: go.Figure,
    title: str | list[str],
    subtitle: str | list[str],
    *,
    projector: float,
    height: int,
    legend: bool = True,
) -> go.Figure:
    """Common look: black on white, Italian separators, title and subtitle on top, legend at the bottom
    (a legend on top collides with a two-line title in narrow columns)."""
    size = round(FONT_PROJECTOR * projector) if projector else FONT_NORMAL
    heads = [title] if isinstance(title, str) else list(title)
    lines = [subtitle] if isinstance(subtitle, str) else list(subtitle)
    lines = [line for line in lines if line]
    top = round((size + 4) * 1.35 * len(heads) + len(lines) * size * 1.3 + 20)  # room for title and subtitle
    fig.update_layout(
        title={
            "text": "<br>".join(f"<b>{safe(h)}</b>" for h in heads),
            "x": 0,
            "xanchor": "left",
            "xref": "container",
            # Plotly anchors a multi-line title by its first line: move it down by the extra lines.
            "y": 1 - (6 + (size + 4) * 1.3 * (len(heads) - 1)) / height,
            "yref": "container",
            "yanchor": "top",
            "font": {"size": size + 4, "color": "#000000"},
            "subtitle": {"text": "<br>".join(safe(line) for line in lines), "font": {"size": size, "color": "#000000"}},
        },
        font={"size": size, "color": "#000000"},
        separators=",.",
        height=height,
        margin={"l": 10, "r": 20, "t": top, "b": size * 3 + 10 if legend else 10},
        paper_bgcolor="#FFFFFF",
        plot_bgcolor="#FFFFFF",
        showlegend=legend,
        legend={
            "orientation": "h",
            "yref": "container",
            "y": 0.01,
            "yanchor": "bottom",
            "x": 0,
            "font": {"size": size},
        },
        hoverlabel={"font": {"size": size}},
    )
    axis = {
        "gridcolor": "#D9D9D9",
        "automargin": True,
        "tickfont": {"size": size, "color": "#000000"},
        "title_font": {"size": size, "color": "#000000"},
    }
    fig.update_xaxes(zerolinecolor="#808080", **axis)
    fig.update_yaxes(**axis)
    return fig


def area_label(row: AreaRow, limit: int = 30) -> str:
    return f"{row.letter} · {safe(row.title, limit)}"


def bands_by_area(
    rows: list[AreaRow], semester: str, counted: str, *, projector: float = 0, height: int | None = None
) -> go.Figure:
    """Stacked horizontal bars: objectives per band in each macro-area (catalogue order, counts on bars)."""
    labels = [area_label(r) for r in rows]
    fig = go.Figure()
    for category in CATEGORY_LABELS:
        fill, ink = category_colour(category)
        counts = [r.tally.counts[category] for r in rows]
        fig.add_bar(
            y=labels,
            x=counts,
            orientation="h",
            name=category,
            marker_color=fill,
            marker_line={"color": "#FFFFFF", "width": 1},
            text=[str(c) if c else "" for c in counts],
            textposition="inside",
            insidetextanchor="middle",
            textangle=0,
            textfont={"color": ink},
            hovertemplate=f"%{{y}}<br>{category}: %{{x}}<extra></extra>",
        )
    totals = [r.tally.reported for r in rows]
    fig.add_scatter(
        y=labels,
        x=totals,
        mode="text",
        showlegend=False,
        hoverinfo="skip",
        text=[f"  {t} di {r.objectives}" if r.objectives else "  nessun obiettivo" for t, r in zip(totals, rows)],
        textposition="middle right",
    )
    minsize = round(FONT_PROJECTOR * projector) if projector else BAR_TEXT_MIN_PX
    fig.update_layout(
        barmode="stack",
        bargap=0.25,
        uniformtext={"mode": "show", "minsize": minsize},  # counts never shrink to illegible
        legend_traceorder="normal",
    )  # grid order, worst to best (stacked bars default to reversed)
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(
        dtick=1 if max(totals, default=0) <= 12 else None, range=[0, max(max(totals, default=0), 1) * 1.25]
    )
    return _style(
        fig,
        f"Obiettivi per fascia di raggiungimento e macro-area · {semester}",
        f"{counted} · a destra: obiettivi con report conteggiato sul totale dell'area",
        projector=projector,
        height=height or max(300, 130 + 40 * len(rows)),
    )


def objectives_achievement(
    rows: list[ObjectiveRow],
    area: AreaRow,
    semester: str,
    counted: str,
    *,
    projector: float = 0,
    height: int | None = None,
    slide: str = "",
) -> go.Figure:
    """One area (or one slide of it, named by `slide`, e.g. "1 di 2"): each objective's achievement bar,
    coloured and labelled with its band. Every objective's label is drawn (never skipped for lack of room)."""
    labels = [f"{safe(r.code)} {safe(r.text, LABEL_CHARS - len(r.code))}" for r in rows]
    values, fills, inks, texts = [], [], [], []
    for r in rows:
        fill, ink = category_colour(r.band)
        values.append(r.achievement or 0)
        fills.append(fill if r.counted else "#FFFFFF")
        inks.append(ink)
        if not r.counted:
            texts.append(f"non conteggiato (report: {r.state})")
        elif r.achievement is None:
            texts.append(scoring.NOT_COMPUTABLE)
        else:
            flag = " · inviato" if r.state == ReportState.INVIATA else ""
            texts.append(f"{percent(r.achievement)} · {r.band}{flag}")
    fig = go.Figure(
        go.Bar(
            y=labels,
            x=values,
            orientation="h",
            marker_color=fills,
            marker_line={"color": "#404040", "width": 1},
            text=texts,
            textposition="outside",
            cliponaxis=False,
            textfont={"color": "#000000"},
            customdata=[safe(r.text) for r in rows],
            hovertemplate="%{customdata}<br>%{text}<extra></extra>",
        )
    )
    for threshold in (50, 80, 100):
        fig.add_vline(x=threshold, line_dash="dot", line_color="#808080")
    # tickmode array: Plotly otherwise skips category labels when it judges them crowded
    fig.update_yaxes(autorange="reversed", type="category", tickmode="array", tickvals=labels, ticktext=labels)
    fig.update_xaxes(range=[0, 165], tickangle=0, tickvals=[0, 50, 80, 100], ticktext=["0 %", "50 %", "80 %", "100 %"])
    size = round(FONT_PROJECTOR * projector) if projector else FONT_NORMAL
    fig.update_layout(uniformtext={"mode": "show", "minsize": max(BAR_TEXT_MIN_PX, size - 2)})
    summary = " · ".join(f"{n} {c}" for c, n in area.tally.counts.items() if n) or "nessun report conteggiato"
    part = f" ({slide})" if slide else ""
    return _style(
        fig,
        f"Raggiungimento degli obiettivi · area {area.letter}{part} · {semester}",
        [cut(area.title, 60), f"{summary} · azioni realizzate su programmate"],
        projector=projector,
        legend=False,
        height=height or max(280, 130 + 44 * len(rows)),
    )


def money_bars(
    rows: list[tuple[str, Money]],
    title: str,
    subtitle: str,
    expected_share: float | None,
    *,
    projector: float = 0,
    height: int | None = None,
) -> go.Figure:
    """Budget, committed and paid per row (area or source), the paid/budget ratio in the label, and the
    expected pace (budget x expected share) marked on each row."""
    labels = [f"{safe(name, 34)} · {percent(m.ratio)}" for name, m in rows]
    fig = go.Figure()
    for (name, fill, _ink), field in zip(MONEY_SERIES, ("budget", "committed", "paid")):
        amounts = [getattr(m, field) for _, m in rows]
        texts = [
            budget_euro(m.planned, cents=False) if field == "budget" else euro(getattr(m, field)) for _, m in rows
        ]  # a budget not in the plan reads "da definire", not 0 €
        # Amounts outside the bars: always full size and black, whatever the bar's length.
        fig.add_bar(
            y=labels,
            x=amounts,
            orientation="h",
            name=name,
            marker_color=fill,
            marker_line={"color": "#404040", "width": 1},
            text=texts,
            textposition="outside",
            cliponaxis=False,
            textfont={"color": "#000000"},
            hovertemplate=f"%{{y}}<br>{name}: %{{text}}<extra></extra>",
        )
    if expected_share is not None:
        expected = [m.budget * expected_share / 100 for _, m in rows]
        fig.add_scatter(
            y=labels,
            x=expected,
            mode="markers",
            name=f"Liquidato atteso ({percent(expected_share)} del budget)",
            marker={
                "symbol": "line-ns-open",
                "size": 30,
                "color": EXPECTED_COLOUR,
                "line": {"width": 4, "color": EXPECTED_COLOUR},
            },
            text=[euro(x) for x in expected],
            hovertemplate="%{y}<br>Liquidato atteso: %{text}<extra></extra>",
        )
    fig.update_layout(barmode="group", bargap=0.2, bargroupgap=0.05, legend_traceorder="normal")
    fig.update_yaxes(autorange="reversed", type="category")
    top = max([max(m.budget, m.committed, m.paid) for _, m in rows] + [1])
    fig.update_xaxes(tickformat=",.0f", range=[0, top * 1.22], nticks=6, tickangle=0)
    return _style(fig, title, subtitle, projector=projector, height=height or max(300, 120 + 75 * len(rows)))


def money_single(
    money: Money, title: str, expected_share: float | None, *, projector: float = 0, height: int = 300
) -> go.Figure:
    """One area's budget, committed and paid as three labelled bars, expected paid marked on the paid bar."""
    names = [name for name, _, _ in MONEY_SERIES]
    amounts = [money.budget, money.committed, money.paid]
    fig = go.Figure(
        go.Bar(
            y=names,
            x=amounts,
            orientation="h",
            marker_color=[f for _, f, _ in MONEY_SERIES],
            marker_line={"color": "#404040", "width": 1},
            text=[budget_euro(money.planned, cents=False), euro(money.committed), euro(money.paid)],
            textposition="auto",
            insidetextanchor="end",
            textfont={"color": [ink for _, _, ink in MONEY_SERIES]},
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    subtitle = [f"liquidato {percent(money.ratio)} del budget", money.spend_class]
    if expected_share is not None and money.budget:
        expected = money.budget * expected_share / 100
        fig.add_scatter(
            y=["Liquidato"],
            x=[expected],
            mode="markers+text",
            showlegend=False,
            marker={
                "symbol": "line-ns-open",
                "size": 44,
                "color": EXPECTED_COLOUR,
                "line": {"width": 5, "color": EXPECTED_COLOUR},
            },
            text=[f"atteso {euro(expected)}"],
            textposition="top center",
            hovertemplate="Liquidato atteso: %{text}<extra></extra>",
        )
        subtitle[0] += f" · atteso {percent(expected_share)}"
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(range=[0, max(amounts + [1]) * 1.12], tickformat=",.0f", nticks=4, tickangle=0)
    if money.budget_missing:
        subtitle.append(missing_lines(money.budget_missing))
    return _style(fig, title, subtitle, projector=projector, height=height, legend=False)


def trend_chart(
    points: list[TrendPoint], name: str, semester: str, counted: str, *, projector: float = 0, height: int = 380
) -> go.Figure:
    """One area (or the whole plan): achievement and cumulative spend ratio per semester, expected pace dashed."""
    x = [short_semester(p.ordinal) for p in points]
    fig = go.Figure()
    expected_end = next((p.expected_share for p in reversed(points) if p.expected_share is not None), None)
    expected_name = "Liquidato atteso" + (
        f" ({percent(expected_end)} a fine periodo)" if expected_end is not None else ""
    )
    # Labels never overlap: in each semester the higher of the two values is labelled above its point, the
    # lower below; the expected pace (a reference line) carries its value in the legend, not on the line.
    above = [(p.achievement or 0) >= (p.ratio or 0) for p in points]
    for key, label, values in (
        ("achievement", "Raggiungimento", [p.achievement for p in points]),
        ("ratio", "Liquidato / budget", [p.ratio for p in points]),
        ("expected", expected_name, [p.expected_share for p in points]),
    ):
        if key == "expected":
            text, positions = None, None
        else:
            text = [percent(v) if v is not None else "" for v in values]
            positions = ["top center" if (a if key == "achievement" else not a) else "bottom center" for a in above]
        fig.add_scatter(
            x=x,
            y=values,
            name=label,
            text=text,
            cliponaxis=False,
            mode="lines" if key == "expected" else "lines+markers+text",
            textposition=positions,
            line={
                "color": TREND_COLOURS[key],
                "width": 4 if key != "expected" else 2,
                "dash": "dash" if key == "expected" else "solid",
            },
            marker={
                "size": 10,
                "symbol": {"achievement": "circle", "ratio": "square", "expected": "diamond-open"}[key],
            },
            customdata=[percent(v) for v in values],
            connectgaps=False,
            hovertemplate=f"{label}: %{{customdata}}<extra>%{{x}}</extra>",
        )
    top = max([v for p in points for v in (p.achievement, p.ratio, p.expected_share) if v is not None] + [100])
    fig.update_yaxes(range=[-8, top * 1.15], ticksuffix=" %")
    fig.update_xaxes(type="category")
    return _style(
        fig, f"Andamento nei semestri fino al {semester} · {name}", counted, projector=projector, height=height
    )


def indicator_chart(series: IndicatorSeries, semester: str, *, projector: float = 0) -> go.Figure:
    """One indicator's values over the semesters, with its yearly target drawn as a dashed line."""
    x = [short_semester(p.ordinal) for p in series.points]
    values = [p.value_num for p in series.points]
    yes_no = series.unit == Unit.SI_NO
    pct = series.unit == Unit.PERCENTUALE

    def show(v: float | None) -> str:
        if v is None:
            return ""
        if yes_no:
            return "sì" if v else "no"
        return percent(v) if pct else number(v, 2)

    fig = go.Figure(
        go.Scatter(
            x=x,
            y=values,
            name="Valore",
            mode="lines+markers+text",
            text=[
                show(v) + (" (inviato)" if p.state == ReportState.INVIATA else "")
                for v, p in zip(values, series.points)
            ],
            cliponaxis=False,
            textposition="top center",
            line={"color": "#0072B2", "width": 3},
            marker={"size": 10},
            customdata=[safe(p.note) for p in series.points],
            hovertemplate="%{x}: %{text}<br>%{customdata}<extra></extra>",
        )
    )
    targets = [p.target for p in series.points]
    if any(t is not None for t in targets):
        fig.add_scatter(
            x=x,
            y=targets,
            name="Target dell'anno",
            mode="lines+markers",
            line={"color": "#000000", "dash": "dash", "width": 2, "shape": "hv"},
            marker={"symbol": "diamond-open", "size": 9},
            text=[show(t) for t in targets],
            customdata=[safe(series.target_origins.get(p.year, "")) for p in series.points],
            hovertemplate="Target: %{text}<br>%{customdata}<extra>%{x}</extra>",
        )  # its origin
    if yes_no:
        fig.update_yaxes(tickvals=[0, 1], ticktext=["no", "sì"], range=[-0.2, 1.3])
    elif pct:
        fig.update_yaxes(range=[0, 110], ticksuffix=" %")
    else:
        top = max([v for v in values + targets if v is not None] + [1])
        fig.update_yaxes(range=[0, top * 1.2])
    fig.update_xaxes(type="category")
    direction = "" if series.higher_is_better else " · valori più bassi sono migliori"
    return _style(
        fig,
        wrap(series.text, 46),
        f"Indicatore di {series.battery}{direction} · fino al {semester}",
        projector=projector,
        height=320,
    )


def split_chart(rows: list[SplitRow], codes: list[str], semester: str, *, projector: float = 0) -> go.Figure:
    """One indicator's value in each sub-area AT1..AT7 (all sub-areas shown, 0 where none was given)."""
    by_code = {r.sub_area: r.value for r in rows}
    values = [by_code.get(c, 0.0) for c in codes]
    first = rows[0]
    fig = go.Figure(
        go.Bar(
            x=codes,
            y=values,
            marker_color="#0072B2",
            text=[number(v, 2) for v in values],
            textposition="outside",
            cliponaxis=False,
        )
    )
    fig.update_yaxes(range=[0, max(values + [1]) * 1.2], title_text="valore")
    fig.update_xaxes(type="category", title_text="sotto-ambito")
    return _style(
        fig,
        wrap(f"{first.objective} – {first.indicator}", 80),
        f"Ripartizione per sotto-ambito · {semester}" + (" · report inviato" if first.submitted else ""),
        projector=projector,
        height=340,
        legend=False,
    )


# --- text alternative -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartText:
    """A figure's content as a table (WCAG 1.1.1: a screen reader user gets the figures a sighted user sees)."""

    title: str
    header: list[str]
    rows: list[list[str]]


HISTORY_TITLE_CHARS = 34  # area titles on the history chart's axis are cut here; the table below has them in full


def history_bands_by_area(rows: list[AreaBands], totals: dict[str, int], years: str) -> go.Figure:
    """A closed plan's cards per band in each area (Piano 2021-2023): stacked bars in band colours, counts
    written on the bars and each band's total in the legend."""
    labels = [f"{r.letter} · {safe(r.title, HISTORY_TITLE_CHARS)}" if r.letter else "area non indicata" for r in rows]
    fig = go.Figure()
    for band in scoring.BANDS:
        values = [r.counts[band.label] for r in rows]
        fig.add_bar(
            y=labels,
            x=values,
            orientation="h",
            name=f"{band.label} · {totals[band.label]}",
            marker_color=band.colour,
            marker_line={"color": "#FFFFFF", "width": 1},
            text=[str(v) if v else "" for v in values],
            textposition="inside",
            insidetextanchor="middle",
            textangle=0,
            textfont={"color": band.value.text_colour, "size": 15},
            hovertemplate=f"%{{y}}<br>{band.label}: %{{x}}<extra></extra>",
        )
    fig.update_layout(
        barmode="stack",
        height=110 + 48 * len(rows),
        separators=",.",
        title={"text": f"<b>Obiettivi {html.escape(years)} per fascia di raggiungimento e macro-area</b>", "x": 0},
        legend={
            "orientation": "h",
            "y": -0.15,
            "x": 0,
            "title": {"text": "Fascia · obiettivi"},
            "traceorder": "normal",
        },
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        font={"size": 14, "color": "#000000"},
        paper_bgcolor="#FFFFFF",
        plot_bgcolor="#FFFFFF",
        uniformtext={"mode": "show", "minsize": 13},
    )
    fig.update_yaxes(autorange="reversed", type="category", tickfont={"color": "#000000"})
    fig.update_xaxes(dtick=1, title="obiettivi", gridcolor="#D9D9D9", tickfont={"color": "#000000"})
    return fig


def _plain(text: object) -> str:
    """Plotly label text back to plain text (titles are bold and <br>-joined; plan text was escaped)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", str(text)).replace("  ", " ")).strip()


def text_alternative(fig: go.Figure) -> ChartText:
    """Rows: the categories of the figure (areas, objectives, semesters, sub-areas); columns: its series.
    Each cell is the label written on the chart where there is one (so the same formatting: euro, %, band),
    else the plotted value formatted as the axis shows it."""
    layout = fig.layout
    title = _plain(layout.title.text or "")
    if layout.title.subtitle and layout.title.subtitle.text:
        title += " · " + _plain(layout.title.subtitle.text).replace("\n", " ")
    columns: list[str] = []
    cells: dict[str, dict[str, str]] = {}
    order: list[str] = []
    horizontal = layout.yaxis.type == "category"  # every figure here has one category axis
    for n, trace in enumerate(fig.data):
        cats, vals = (trace.y, trace.x) if horizontal else (trace.x, trace.y)
        axis = layout.xaxis if horizontal else layout.yaxis
        fmt = percent if (axis.ticksuffix or "").strip() == "%" else (lambda v: number(v, 2))
        name = _plain(trace.name) if trace.name else ("Nota" if n else "Valore")
        columns.append(name)
        texts = list(trace.text) if isinstance(trace.text, (list, tuple)) else [None] * len(cats or ())
        for cat, val, txt in zip(cats or (), vals or (), texts):
            key = _plain(cat)
            if key not in cells:
                cells[key] = {}
                order.append(key)
            shown = _plain(txt) if txt not in (None, "") else ("" if val is None else fmt(val))
            cells[key][name] = shown
    return ChartText(title, ["", *columns], [[cat, *(cells[cat].get(c, "") for c in columns)] for cat in order])

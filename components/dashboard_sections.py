"""The Cruscotto's sections: tiles, charts and tables of one choice (what components.dashboard_controls chose).

Over 400 lines: one function per tab of the Cruscotto, plus the tiles they share.
"""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from components.chart_view import chart
from components.dashboard_cache import fetch, figure
from components.dashboard_controls import K_AREA, Choice, current_area, focus_areas, set_default
from components.safe import md_escape, plain_table
from models import charts, dashboard, scoring
from models.dashboard_results import AreaRow, Money, Summary
from models.formatting import budget_euro, euro, euro_cents, number, percent
from models.vocab import REPORT_STATE_COUNT_LABELS, Unit

PROJECTOR_CHART_HEIGHT = 390  # with the header and the tiles, fits a 1280x720 screen without scrolling
K_OBJECTIVE = "cr_objective"  # session key: the objective chosen in the drill-down


# --- tiles ------------------------------------------------------------------------------------

TILES_CSS = """<style>
.pdz-row{display:flex;flex-wrap:wrap;gap:.45rem;margin:0}
.pdz-band{flex:1 1 6.5rem;min-width:0;display:flex;flex-direction:column;border:1px solid #8c8c8c;
 border-left:.7rem solid #8c8c8c;border-radius:.3rem;padding:.1rem .5rem;background:#fff;color:#000;
 white-space:nowrap;overflow:hidden}
.pdz-band .v{font-size:1.6rem;font-weight:700;line-height:1.2}
.pdz-band .t{display:flex;flex-direction:column;line-height:1.15}
.pdz-band .l{font-size:1rem;font-weight:600}
.pdz-band .r{font-size:.85rem;color:#222}
.pdz-tile{flex:1 1 8.5rem;min-width:0;border:1px solid #8c8c8c;border-top:.5rem solid #8c8c8c;border-radius:.3rem;
 padding:.1rem .55rem .2rem .55rem;background:#fff;color:#000}
.pdz-tile.wide{flex-grow:1.5}
.pdz-tile .l{font-size:.95rem;font-weight:600;line-height:1.25;white-space:nowrap;overflow:hidden;
 text-overflow:ellipsis}
.pdz-tile .v{font-size:1.45rem;font-weight:700;line-height:1.2;white-space:nowrap}
.pdz-tile .n{font-size:.95rem;line-height:1.2;color:#222}
.pdz-compact .pdz-band{flex-direction:row;align-items:center;gap:.5rem}
.pdz-compact .pdz-band .r{display:none}
.pdz-compact .pdz-tile{flex:1 1 0}
.pdz-compact .pdz-tile.wide{flex-grow:2}
</style>"""


def _band(label: str, value: int, note: str, colour: str) -> str:
    e = html.escape
    return (
        f'<div class="pdz-band" style="border-left-color:{e(colour)}"><span class="v">{value}</span>'
        f'<span class="t"><span class="l">{e(label)}</span><span class="r">{e(note)}</span></span></div>'
    )


def _tile(label: str, value: str, note: str, colour: str, wide: bool = False) -> str:
    e = html.escape
    return (
        f'<div class="pdz-tile{" wide" if wide else ""}" style="border-top-color:{e(colour)}">'
        f'<div class="l">{e(label)}</div><div class="v">{e(value)}</div><div class="n">{e(note)}</div></div>'
    )


def band_tiles_html(summary: Summary, *, compact: bool = False) -> str:
    """The five bands always, with counts (0 included), then non calcolabile. Built from numbers and the
    scoring core's labels only, escaped anyway."""
    tiles = [_band(b.label, summary.tally.counts[b.label], b.range_label, b.colour) for b in scoring.BANDS]
    tiles.append(
        _band(scoring.NOT_COMPUTABLE, summary.tally.counts[scoring.NOT_COMPUTABLE], "", scoring.NOT_COMPUTABLE_COLOUR)
    )
    return f'<div class="pdz-row{" pdz-compact" if compact else ""}">{"".join(tiles)}</div>'


def money_tiles_html(summary: Summary, *, compact: bool = False) -> str:
    m, t = summary.money, summary.tally
    missing = charts.missing_lines(m.budget_missing) if m.budget_missing else "tutte le voci con importo"
    if summary.period is not None:  # which budget: "budget 2025", "budget del triennio pro quota 2/6"
        # the projector's tile has room for two short lines: the period in a few words, nothing else
        missing = summary.period.short_label if compact else f"{summary.period.label} · {missing}"
    expected = f"atteso {percent(summary.expected_share)} · " if summary.expected_share is not None else ""
    cls = scoring.spend_class(m.ratio)
    tiles = [
        _tile("Raggiungimento", percent(t.achievement), t.band, charts.category_colour(t.band)[0]),
        _tile("Budget", budget_euro(m.planned, cents=False), missing, charts.MONEY_SERIES[0][1]),
        _tile("Impegnato", euro(m.committed), "fino al semestre", charts.MONEY_SERIES[1][1]),
        _tile("Liquidato", euro(m.paid), "fino al semestre", charts.MONEY_SERIES[2][1]),
        _tile(
            "Liquidato / budget",
            percent(m.ratio),
            f"{expected}{m.spend_class}",
            cls.colour if cls else scoring.NOT_COMPUTABLE_COLOUR,
            wide=True,
        ),
    ]
    return f'<div class="pdz-row{" pdz-compact" if compact else ""}">{"".join(tiles)}</div>'


def tiles(summary: Summary, *, compact: bool = False) -> None:
    st.html(TILES_CSS)
    st.html(band_tiles_html(summary, compact=compact))
    st.html(money_tiles_html(summary, compact=compact))


def report_states_line(summary: Summary) -> str:
    parts = [f"{n} {REPORT_STATE_COUNT_LABELS.get(s, str(s))}" for s, n in summary.report_states.items() if n]
    counted = summary.tally.reported
    flagged = f", di cui {summary.tally.submitted} inviati non ancora approvati" if summary.tally.submitted else ""
    return (
        f"{summary.objectives} obiettivi monitorati · report del semestre: {', '.join(parts) or 'nessuno'} · "
        f"conteggiati {counted}{flagged} · azioni realizzate {summary.tally.done} su {summary.tally.planned}"
    )


# --- sections ---------------------------------------------------------------------------------


def money_table(rows: list[tuple[str, Money]], first: str) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                first: name,
                "Budget": budget_euro(m.planned),
                "Impegnato": euro_cents(m.committed),
                "Liquidato": euro_cents(m.paid),
                "Liquidato / budget": percent(m.ratio),
                "Classe (griglia regionale)": m.spend_class,
                "Voci senza importo": m.budget_missing,
            }
            for name, m in rows
        ]
    )


def area_focus(choice: Choice, area: AreaRow, *, projector: float, slide: int = 0) -> None:
    """One area (one slide of it): its objectives' achievement beside its budget, committed and paid."""
    objectives = fetch(dashboard.area_objectives, **choice.params, area_letter=area.letter)
    summary = fetch(dashboard.semester_summary, **choice.params)
    parts = charts.slide_ranges(len(objectives))
    slide = min(slide, len(parts) - 1)
    start, end = parts[slide]
    # the objectives chart gets the room its labels need; three money bars need little
    left, right = st.columns([2, 1] if projector else [3, 2])
    height = chart_height(projector)
    with left:
        if objectives:
            chart(
                figure(
                    charts.objectives_achievement,
                    objectives[start:end],
                    area,
                    choice.semester.label,
                    choice.counted,
                    projector=projector,
                    height=height,
                    slide=f"{slide + 1} di {len(parts)}" if len(parts) > 1 else "",
                ),
                "cr_focus",  # one key for every area: a step redraws the chart in place, not a second one below
            )
        else:
            st.info(f"L'area {area.letter} non ha obiettivi specifici nel piano.")
    with right:
        if area.money.budget or area.money.committed or area.money.paid:
            chart(
                figure(
                    charts.money_single,
                    area.money,
                    f"Budget e spesa · area {area.letter} · {choice.semester.label}",
                    summary.expected_share,
                    projector=projector,
                    height=height or 300,
                ),
                "cr_focus_money",
            )
        else:
            st.markdown(f"**Budget e spesa · area {area.letter}**")
            st.info(no_money_sentence(area, choice.semester.label), icon="💶")


def no_money_sentence(area: AreaRow, semester: str) -> str:
    """What an area without any amount shows instead of an empty chart."""
    missing = f" ({charts.missing_lines(area.money.budget_missing)})" if area.money.budget_missing else ""
    return (
        f"L'area {area.letter} non ha budget con importo nel piano{missing} e nessuna spesa registrata "
        f"fino al {semester}."
    )


def bands_section(choice: Choice, areas: list[AreaRow], *, projector: float) -> None:
    chart(
        figure(
            charts.bands_by_area,
            areas,
            choice.semester.label,
            choice.counted,
            projector=projector,
            height=chart_height(projector),
        ),
        "cr_bands",
    )


def money_section(choice: Choice, areas: list[AreaRow], summary: Summary, *, projector: float) -> None:
    with_money = [(f"{a.letter} · {a.title}", a.money) for a in areas if a.money.budget or a.money.paid]
    all_sources = [(s.label, s.money) for s in fetch(dashboard.source_rows, **choice.params)]
    sources = [(name, m) for name, m in all_sources if m.budget or m.paid]
    share = summary.expected_share
    period = f" · {summary.period.label}" if summary.period is not None else ""
    note = f"{choice.counted}{period} · linea nera: liquidato atteso a fine semestre ({percent(share)} del budget)"
    if not with_money:
        st.info("Nessun budget con importo e nessuna spesa registrata.")
        return
    chart(
        figure(
            charts.money_bars,
            with_money,
            f"Budget, impegnato e liquidato per area · {choice.semester.label}",
            note,
            share,
            projector=projector,
            height=chart_height(projector),
        ),
        "cr_money_areas",
    )
    if projector:
        return
    # the table lists every area with objectives: one without a budget says "da definire", it does not vanish
    table_rows = [(f"{a.letter} · {a.title}", a.money) for a in areas if a.objectives or a.money.budget or a.money.paid]
    plain_table(money_table(table_rows, "Area"), hide_index=True)  # a few rows: a real table, no scrolling grid
    if sources:
        chart(
            figure(
                charts.money_bars,
                sources,
                f"Budget, impegnato e liquidato per fonte di finanziamento · {choice.semester.label}",
                note,
                share,
            ),
            "cr_money_sources",
        )
    plain_table(money_table(all_sources, "Fonte"), hide_index=True)


def trend_section(choice: Choice, areas: list[AreaRow], *, projector: float, area: AreaRow | None = None) -> None:
    points = fetch(dashboard.trend, **choice.params)
    names = {"": "Tutto il piano", **{a.letter: f"Area {a.letter} – {charts.cut(a.title, 32)}" for a in areas}}
    if area is None:
        set_default("cr_trend_area", "", list(names))
        st.selectbox("Andamento di", list(names), key="cr_trend_area", format_func=names.__getitem__)
        letter = st.session_state["cr_trend_area"]
    else:
        letter = area.letter
    chart(
        figure(
            charts.trend_chart,
            [p for p in points if p.area == letter],
            names[letter],
            choice.semester.label,
            choice.counted,
            projector=projector,
            height=chart_height(projector) or 380,
        ),
        f"cr_trend_{letter}",
    )
    if projector:
        return
    sems = list(dict.fromkeys(p.semester for p in points))
    for title, field, fmt in (
        ("Raggiungimento per area", "achievement", percent),
        ("Liquidato / budget per area (cumulato)", "ratio", percent),
    ):
        st.markdown(f"**{title}**")
        table = {names[k]: {p.semester: fmt(getattr(p, field)) for p in points if p.area == k} for k in names}
        st.dataframe(pd.DataFrame.from_dict(table, orient="index")[sems], width="stretch", height="content")


def drilldown_section(choice: Choice, areas: list[AreaRow]) -> None:
    """Area -> its objectives (band, achievement, spend) -> one objective's indicators over the semesters."""
    usable = focus_areas(areas)
    labels = {a.letter: f"{a.letter} – {a.title}" for a in usable}
    area = current_area(usable)
    st.selectbox("Area", list(labels), key=K_AREA, format_func=labels.__getitem__, persist_state="session")
    area = next(a for a in usable if a.letter == st.session_state[K_AREA])
    objectives = fetch(dashboard.area_objectives, **choice.params, area_letter=area.letter)
    if not objectives:
        st.info("Nessun obiettivo specifico in quest'area.")
        return
    chart(
        figure(charts.objectives_achievement, objectives, area, choice.semester.label, choice.counted),
        f"cr_drill_{area.letter}",
    )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Codice": o.code,
                    "Obiettivo": o.text,
                    "Report": o.state,
                    "Fascia": o.band,
                    "Raggiungimento": percent(o.achievement) if o.counted else "—",
                    "Azioni realizzate": o.actions.text if o.counted else "—",
                    "Budget": budget_euro(o.money.planned),
                    "Liquidato": euro_cents(o.money.paid),
                    "Liquidato / budget": percent(o.money.ratio),
                    "Classe di spesa": o.money.spend_class,
                }
                for o in objectives
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    by_id = {o.id: o for o in objectives}
    set_default(K_OBJECTIVE, objectives[0].id, list(by_id))
    st.selectbox(
        "Indicatori dell'obiettivo",
        list(by_id),
        key=K_OBJECTIVE,
        format_func=lambda i: f"{by_id[i].code} – {charts.cut(by_id[i].text, 90)}",
    )
    carried_over_trend(choice, st.session_state[K_OBJECTIVE])
    indicators_view(choice, st.session_state[K_OBJECTIVE])


def carried_over_trend(choice: Choice, objective_id: int) -> None:
    """An objective carried over from the previous plan: its achievement there too, semester by semester."""
    points = fetch(dashboard.objective_trend, objective_id=objective_id, **choice.params)
    if all(p.own for p in points):
        return
    st.markdown("**Andamento dell'obiettivo, anche nel piano precedente**")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Semestre": p.semester,
                    "Obiettivo": p.code + ("" if p.own else " (piano precedente)"),
                    "Raggiungimento": percent(p.achievement),
                    "Fascia": p.band,
                }
                for p in points
            ]
        ),
        hide_index=True,
        width="stretch",
    )


def indicators_view(choice: Choice, objective_id: int) -> None:
    series = fetch(dashboard.objective_indicators, objective_id=objective_id, **choice.params)
    if not series:
        st.info("Questo obiettivo non ha indicatori.")
        return
    plotted = [s for s in series if s.unit != Unit.TESTO]
    columns = st.columns(2)
    for i, s in enumerate(plotted):
        with columns[i % 2]:
            if s.has_values:
                chart(figure(charts.indicator_chart, s, choice.semester.label), f"cr_ind_{s.id}")
            else:
                st.markdown(f"**{md_escape(charts.cut(s.text, 80))}**")
                st.caption("Nessun valore conteggiato fino a questo semestre.")
    texts = [(s, p) for s in series if s.unit == Unit.TESTO for p in s.points if p.state]
    if texts:
        st.markdown("**Indicatori descrittivi**")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Indicatore": s.text,
                        "Semestre": p.semester,
                        "Valore": p.value_text,
                        "Nota": p.note,
                        "Report": p.state,
                    }
                    for s, p in texts
                ]
            ),
            hide_index=True,
            width="stretch",
        )


def sub_area_section(choice: Choice) -> None:
    """Indicator values split by sub-area: one column per AT1..AT7, and one indicator as a bar chart."""
    rows = fetch(dashboard.sub_area_splits, **choice.params)
    codes = fetch(dashboard.sub_area_codes)
    if not rows:
        st.info(f"Nessun indicatore ripartito per sotto-ambito nel {choice.semester.label} ({choice.counted.lower()}).")
        return
    by_indicator: dict[int, list] = {}
    for r in rows:
        by_indicator.setdefault(r.indicator_id, []).append(r)
    table = pd.DataFrame(
        [
            {
                "Obiettivo": group[0].objective,
                "Indicatore": group[0].indicator,
                **{c: number(next((r.value for r in group if r.sub_area == c), None), 2) for c in codes},
                "Totale": number(sum(r.value for r in group), 2),
            }
            for group in by_indicator.values()
        ]
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={"Indicatore": st.column_config.TextColumn(width="medium")},
    )
    set_default("cr_split", next(iter(by_indicator)), list(by_indicator))
    st.selectbox(
        "Indicatore nel grafico",
        list(by_indicator),
        key="cr_split",
        format_func=lambda i: f"{by_indicator[i][0].objective} – {charts.cut(by_indicator[i][0].indicator, 90)}",
    )
    chart(
        figure(charts.split_chart, by_indicator[st.session_state["cr_split"]], codes, choice.semester.label),
        "cr_split_chart",
    )


def chart_height(projector: float) -> int | None:
    """Chart height on the projector's main screen (None: the chart's own height)."""
    return round(PROJECTOR_CHART_HEIGHT * projector) if projector else None

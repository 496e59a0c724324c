"""The Cruscotto's pieces: cached figures, selections kept in st.session_state, tiles, sections, auto-refresh.

Caching: both caches are shared by every user of the server, so only what is the same for every role is cached:
the dashboard's query results (st.cache_data, keyed by the database, every parameter and the data-change counter
that every save bumps: a save by anyone makes the next read fresh) and the figures built from them
(st.cache_resource, keyed by every input of the figure).
"""

from __future__ import annotations

import hashlib
import html
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from components.data import call
from components.layout import projector_mode
from components.safe import md_escape
from models import charts, dashboard, scoring
from models.config import database_url
from models.dashboard import AreaRow, Money, Summary
from models.db import data_change_counter
from models.formatting import budget_euro, euro, euro_cents, number, percent
from models.vocab import REPORT_STATE_COUNT_LABELS, Role, Unit

T = TypeVar("T")

REFRESH_SECONDS = 30  # how often an open Cruscotto checks for new data (one tiny query)
SLIDESHOW_SECONDS = 20  # default pause between areas in the projector's slideshow
CHART_CONFIG = {"displayModeBar": False, "displaylogo": False}  # mayors read, they do not zoom
PROJECTOR_CHART_HEIGHT = 390  # with the header and the tiles, fits a 1280x720 screen without scrolling
SCREENS = {"1280 × 720": 1.0, "1920 × 1080": 1.45}  # projector sizes: everything scales with the screen

# Session keys: the current view survives auto-refresh, slideshow steps and page switches.
K_SEMESTER, K_SUBMITTED, K_AREA, K_OBJECTIVE = "cr_semester", "cr_submitted", "cr_area", "cr_objective"
K_VIEW, K_SLIDESHOW, K_INTERVAL, K_PROJECTOR = "cr_view", "cr_slideshow", "cr_interval", "cr_projector"
K_SEEN, K_LAST_STEP, K_SCREEN = "cr_seen_counter", "cr_last_step", "cr_screen"
K_SLIDE = "cr_slide"  # which slide of the current area (areas with many objectives span several)
SCREEN_PARAM = "schermo"  # ?proiettore=1&schermo=1920 in the bookmark: the projector's size from the start
SCREEN_BY_PARAM = {"1280": "1280 × 720", "1920": "1920 × 1080"}
K_TAB = "cr_tab"
TABS = ("Fasce per area", "Budget e spesa", "Andamento", "Obiettivi e indicatori", "Sotto-ambiti")

COUNT_OPTIONS = dashboard.COUNT_OPTIONS
PROJECTOR_VIEWS = ("Area per area", "Tutte le aree", "Budget e spesa", "Andamento")


# --- cached reads -----------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=500)
def _cached(name: str, db_url: str, counter: int, params: tuple[tuple[str, Any], ...]) -> Any:
    """One dashboard query. The key holds the database, the counter and every parameter; no user data."""
    return call(getattr(dashboard, name), **dict(params))


def data_version() -> int:
    """The data-change counter now; remembered so that the auto-refresh notices the next change."""
    counter = call(data_change_counter)
    st.session_state[K_SEEN] = counter
    return counter


def fetch(fn: Callable[..., T], **params: Any) -> T:
    return _cached(fn.__name__, database_url(), st.session_state.get(K_SEEN, 0), tuple(sorted(params.items())))


# A cache_resource, not cache_data: a Figure copied through pickle is validated again by Plotly, which costs as
# much as building it. Safe to share: the figures hold the same plan figures for every role, and nothing
# mutates them afterwards (st.plotly_chart only reads them). The key is a digest of the builder and of all its
# arguments, pickled: Streamlit's own hashing of the dataclasses costs more than building a small chart.
@st.cache_resource(show_spinner=False, max_entries=300)
def _figure(key: str, _builder: Callable[..., Any], _args: tuple, _kwargs: dict[str, Any]):
    return _builder(*_args, **_kwargs)


def figure(builder: Callable[..., Any], *args: Any, **kwargs: Any):
    """builder(*args, **kwargs) from models.charts, built once for the same inputs (Plotly's validation is slow)."""
    key = hashlib.sha256(
        pickle.dumps(
            (builder.__module__, builder.__name__, args, sorted(kwargs.items())), protocol=pickle.HIGHEST_PROTOCOL
        )
    ).hexdigest()
    return _figure(key, builder, args, kwargs)


@st.fragment(run_every=REFRESH_SECONDS)
def auto_refresh() -> None:
    """Read-only and cheap (one counter): on a change, rerun the whole app, which re-checks the login."""
    if call(data_change_counter) != st.session_state.get(K_SEEN):
        st.rerun(scope="app")


# --- selections -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    semester: dashboard.SemesterInfo
    include_submitted: bool

    @property
    def counted(self) -> str:
        return dashboard.COUNTED_LABELS[self.include_submitted]

    @property
    def params(self) -> dict[str, Any]:
        return {"semester_id": self.semester.id, "include_submitted": self.include_submitted}


def _default(key: str, value: Any, allowed: list | None = None) -> None:
    """Set a widget's starting value once (or when the stored one is no longer offered)."""
    if key not in st.session_state or (allowed is not None and st.session_state[key] not in allowed):
        st.session_state[key] = value


def choose(semesters: list[dashboard.SemesterInfo], role: str, *, compact: bool = False) -> Choice:
    """Semester (latest by default) and what counts (only approved by default for the Comitato)."""
    by_id = {s.id: s for s in semesters}
    _default(K_SEMESTER, semesters[-1].id, list(by_id))
    _default(K_SUBMITTED, role != Role.COMITATO)
    left, right = st.columns([1, 2]) if not compact else (st.container(), st.container())
    left.selectbox(
        "Semestre", list(by_id), key=K_SEMESTER, format_func=lambda i: by_id[i].label, persist_state="session"
    )
    right.radio(
        "Che cosa si conta",
        list(COUNT_OPTIONS),
        key=K_SUBMITTED,
        format_func=COUNT_OPTIONS.get,
        horizontal=True,
        persist_state="session",
    )
    return Choice(by_id[st.session_state[K_SEMESTER]], bool(st.session_state[K_SUBMITTED]))


def _set_projector() -> None:
    if st.session_state.get(K_PROJECTOR):
        st.query_params["proiettore"] = "1"
    else:
        st.query_params.pop("proiettore", None)


def projector_toggle(active: bool) -> None:
    """Mirrors the URL parameter ?proiettore=1 (bookmarkable); the callback runs before the frame is drawn."""
    st.session_state[K_PROJECTOR] = active
    st.toggle(
        "Modalità proiettore",
        key=K_PROJECTOR,
        on_change=_set_projector,
        help="Schermo intero per la sala riunioni: caratteri grandi, niente menu (anche con ?proiettore=1).",
    )


def focus_areas(rows: list[AreaRow]) -> list[AreaRow]:
    """Areas worth a screen of their own: with objectives or money (D has a catalogue but no card)."""
    return [r for r in rows if r.objectives or r.money.budget or r.money.paid] or rows


def current_area(rows: list[AreaRow]) -> AreaRow:
    letters = [r.letter for r in rows]
    _default(K_AREA, letters[0], letters)
    return rows[letters.index(st.session_state[K_AREA])]


def slides(rows: list[AreaRow]) -> list[tuple[str, int]]:
    """The projector's slides in order: (area letter, slide of that area); an area of 14 objectives has two."""
    return [(r.letter, i) for r in rows for i in range(len(charts.slide_ranges(r.objectives)))]


def current_slide(area: AreaRow) -> int:
    count = len(charts.slide_ranges(area.objectives))
    _default(K_SLIDE, 0, list(range(count)))
    return st.session_state[K_SLIDE]


def _step(order: list[tuple[str, int]], delta: int) -> None:
    current = (st.session_state.get(K_AREA), st.session_state.get(K_SLIDE, 0))
    if current not in order:  # e.g. an area whose objectives changed: its first slide
        current = next((x for x in order if x[0] == current[0]), order[0])
    st.session_state[K_AREA], st.session_state[K_SLIDE] = order[(order.index(current) + delta) % len(order)]
    st.session_state[K_LAST_STEP] = time.monotonic()  # the slideshow restarts its pause after a click


def area_stepper(rows: list[AreaRow]) -> None:
    order = slides(rows)
    current = (st.session_state.get(K_AREA), st.session_state.get(K_SLIDE, 0))
    following = order[(order.index(current) + 1) % len(order)] if current in order else None
    # the same button goes on to the rest of a long area: its label says so
    label = f"Area {following[0]}, seguito" if following and following[0] == current[0] else "Area successiva"
    back, forward = st.columns(2)
    back.button("Precedente", icon="⬅️", on_click=_step, args=(order, -1), key="cr_prev", width="stretch")
    forward.button(label, icon="➡️", on_click=_step, args=(order, 1), key="cr_next", type="primary", width="stretch")


def slideshow_controls() -> int | None:
    """The optional slideshow: seconds between areas, or None when off."""
    _default(K_SLIDESHOW, False)
    _default(K_INTERVAL, SLIDESHOW_SECONDS)
    st.toggle(
        "Presentazione automatica", key=K_SLIDESHOW, persist_state="session", help="Passa da sola all'area successiva."
    )
    st.number_input("Secondi per area", min_value=5, max_value=300, step=5, key=K_INTERVAL, persist_state="session")
    return int(st.session_state[K_INTERVAL]) if st.session_state[K_SLIDESHOW] else None


def run_slideshow(rows: list[AreaRow], seconds: int) -> None:
    """Every `seconds`, step to the next slide and rerun the app (the login is checked again)."""
    letters = slides(rows)

    def tick() -> None:
        now = time.monotonic()
        last = st.session_state.setdefault(K_LAST_STEP, now)
        if now - last >= seconds * 0.9:  # a full rerun also runs this: step only when the pause is over
            _step(letters, 1)
            st.rerun(scope="app")

    st.fragment(tick, run_every=seconds)()


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


def show(fig, key: str) -> None:
    st.plotly_chart(fig, key=key, config=CHART_CONFIG, width="stretch")
    if not projector_mode():  # the projector's screen must fit 1280x720: its tables are on the normal page
        chart_as_table(fig)


def chart_as_table(fig) -> None:
    """The chart's figures as a real table (row and column headers) under it, folded: what a screen reader
    reads instead of the picture, and what anyone can copy."""
    alt = charts.text_alternative(fig)
    with st.expander(f"Dati del grafico in tabella: {md_escape(alt.title)}"):
        st.table(
            pd.DataFrame([row[1:] for row in alt.rows], index=[row[0] for row in alt.rows], columns=alt.header[1:])
        )


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
            show(
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
                f"cr_focus_{area.letter}",
            )
        else:
            st.info(f"L'area {area.letter} non ha obiettivi specifici nel piano.")
    with right:
        if area.money.budget or area.money.committed or area.money.paid:
            show(
                figure(
                    charts.money_single,
                    area.money,
                    f"Budget e spesa · area {area.letter} · {choice.semester.label}",
                    summary.expected_share,
                    projector=projector,
                    height=height or 300,
                ),
                f"cr_focus_money_{area.letter}",
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
    show(
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
    show(
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
    st.dataframe(money_table(table_rows, "Area"), hide_index=True, width="stretch")
    if sources:
        show(
            figure(
                charts.money_bars,
                sources,
                f"Budget, impegnato e liquidato per fonte di finanziamento · {choice.semester.label}",
                note,
                share,
            ),
            "cr_money_sources",
        )
    st.dataframe(money_table(all_sources, "Fonte"), hide_index=True, width="stretch")


def trend_section(choice: Choice, areas: list[AreaRow], *, projector: float, area: AreaRow | None = None) -> None:
    points = fetch(dashboard.trend, **choice.params)
    names = {"": "Tutto il piano", **{a.letter: f"Area {a.letter} – {charts.cut(a.title, 32)}" for a in areas}}
    if area is None:
        _default("cr_trend_area", "", list(names))
        st.selectbox("Andamento di", list(names), key="cr_trend_area", format_func=names.__getitem__)
        letter = st.session_state["cr_trend_area"]
    else:
        letter = area.letter
    show(
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
    show(
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
    _default(K_OBJECTIVE, objectives[0].id, list(by_id))
    st.selectbox(
        "Indicatori dell'obiettivo",
        list(by_id),
        key=K_OBJECTIVE,
        format_func=lambda i: f"{by_id[i].code} – {charts.cut(by_id[i].text, 90)}",
    )
    indicators_view(choice, st.session_state[K_OBJECTIVE])


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
                show(figure(charts.indicator_chart, s, choice.semester.label), f"cr_ind_{s.id}")
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
    _default("cr_split", next(iter(by_indicator)), list(by_indicator))
    st.selectbox(
        "Indicatore nel grafico",
        list(by_indicator),
        key="cr_split",
        format_func=lambda i: f"{by_indicator[i][0].objective} – {charts.cut(by_indicator[i][0].indicator, 90)}",
    )
    show(
        figure(charts.split_chart, by_indicator[st.session_state["cr_split"]], codes, choice.semester.label),
        "cr_split_chart",
    )


def chart_height(projector: float) -> int | None:
    """Chart height on the projector's main screen (None: the chart's own height)."""
    return round(PROJECTOR_CHART_HEIGHT * projector) if projector else None


def _screen_to_url() -> None:
    wanted = {label: param for param, label in SCREEN_BY_PARAM.items()}[st.session_state[K_SCREEN]]
    st.query_params[SCREEN_PARAM] = wanted


def screen_from_url() -> float:
    """The scale named by the bookmark (?schermo=1920), before any widget is drawn: the first run after the
    page opens is already sized for the screen, and the choice in Opzioni follows."""
    wanted = SCREEN_BY_PARAM.get(st.query_params.get(SCREEN_PARAM, ""))
    if wanted:
        st.session_state[K_SCREEN] = wanted
    _default(K_SCREEN, next(iter(SCREENS)), list(SCREENS))
    return SCREENS[st.session_state[K_SCREEN]]


def screen_scale() -> float:
    """The projector's resolution: 1 at 1280x720, 1.45 at 1920x1080; the choice is written in the address
    (&schermo=1920), so that a bookmark opens at the right size."""
    screen_from_url()
    st.radio("Schermo", list(SCREENS), key=K_SCREEN, horizontal=True, persist_state="session", on_change=_screen_to_url)
    return SCREENS[st.session_state[K_SCREEN]]


def projector_view_choice() -> str:
    _default(K_VIEW, PROJECTOR_VIEWS[0], list(PROJECTOR_VIEWS))
    st.radio("Vista", PROJECTOR_VIEWS, key=K_VIEW, persist_state="session")
    return st.session_state[K_VIEW]

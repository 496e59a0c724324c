"""The Cruscotto's controls: selections kept in st.session_state, the projector, its slides and screen size."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import streamlit as st

from models import charts, dashboard_results
from models.dashboard_results import AreaRow
from models.vocab import Role

SLIDESHOW_SECONDS = 20  # default pause between areas in the projector's slideshow
SCREENS = {"1280 × 720": 1.0, "1920 × 1080": 1.45}  # projector sizes: everything scales with the screen

# Session keys: the current view survives auto-refresh, slideshow steps and page switches.
K_SEMESTER, K_SUBMITTED, K_AREA = "cr_semester", "cr_submitted", "cr_area"
K_VIEW, K_SLIDESHOW, K_INTERVAL, K_PROJECTOR = "cr_view", "cr_slideshow", "cr_interval", "cr_projector"
K_LAST_STEP, K_SCREEN = "cr_last_step", "cr_screen"
K_SLIDE = "cr_slide"  # which slide of the current area (areas with many objectives span several)
SCREEN_PARAM = "schermo"  # ?proiettore=1&schermo=1920 in the bookmark: the projector's size from the start
SCREEN_BY_PARAM = {"1280": "1280 × 720", "1920": "1920 × 1080"}
K_TAB = "cr_tab"
TABS = ("Fasce per area", "Budget e spesa", "Andamento", "Obiettivi e indicatori", "Sotto-ambiti")

COUNT_OPTIONS = dashboard_results.COUNT_OPTIONS
PROJECTOR_VIEWS = ("Area per area", "Tutte le aree", "Budget e spesa", "Andamento")


# --- selections -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    semester: dashboard_results.SemesterInfo
    include_submitted: bool

    @property
    def counted(self) -> str:
        return dashboard_results.COUNTED_LABELS[self.include_submitted]

    @property
    def params(self) -> dict[str, Any]:
        return {"semester_id": self.semester.id, "include_submitted": self.include_submitted}


def set_default(key: str, value: Any, allowed: list | None = None) -> None:
    """Set a widget's starting value once (or when the stored one is no longer offered)."""
    if key not in st.session_state or (allowed is not None and st.session_state[key] not in allowed):
        st.session_state[key] = value


def choose(semesters: list[dashboard_results.SemesterInfo], role: str, *, compact: bool = False) -> Choice:
    """Semester (latest by default) and what counts (only approved by default for the Comitato)."""
    by_id = {s.id: s for s in semesters}
    set_default(K_SEMESTER, semesters[-1].id, list(by_id))
    set_default(K_SUBMITTED, role != Role.COMITATO)
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
    set_default(K_AREA, letters[0], letters)
    return rows[letters.index(st.session_state[K_AREA])]


def slides(rows: list[AreaRow]) -> list[tuple[str, int]]:
    """The projector's slides in order: (area letter, slide of that area); an area of 14 objectives has two."""
    return [(r.letter, i) for r in rows for i in range(len(charts.slide_ranges(r.objectives)))]


def current_slide(area: AreaRow) -> int:
    count = len(charts.slide_ranges(area.objectives))
    set_default(K_SLIDE, 0, list(range(count)))
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
    set_default(K_SLIDESHOW, False)
    set_default(K_INTERVAL, SLIDESHOW_SECONDS)
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


def _screen_to_url() -> None:
    wanted = {label: param for param, label in SCREEN_BY_PARAM.items()}[st.session_state[K_SCREEN]]
    st.query_params[SCREEN_PARAM] = wanted


def screen_from_url() -> float:
    """The scale named by the bookmark (?schermo=1920), before any widget is drawn: the first run after the
    page opens is already sized for the screen, and the choice in Opzioni follows."""
    wanted = SCREEN_BY_PARAM.get(st.query_params.get(SCREEN_PARAM, ""))
    if wanted:
        st.session_state[K_SCREEN] = wanted
    set_default(K_SCREEN, next(iter(SCREENS)), list(SCREENS))
    return SCREENS[st.session_state[K_SCREEN]]


def screen_scale() -> float:
    """The projector's resolution: 1 at 1280x720, 1.45 at 1920x1080; the choice is written in the address
    (&schermo=1920), so that a bookmark opens at the right size."""
    screen_from_url()
    st.radio("Schermo", list(SCREENS), key=K_SCREEN, horizontal=True, persist_state="session", on_change=_screen_to_url)
    return SCREENS[st.session_state[K_SCREEN]]


def projector_view_choice() -> str:
    set_default(K_VIEW, PROJECTOR_VIEWS[0], list(PROJECTOR_VIEWS))
    st.radio("Vista", PROJECTOR_VIEWS, key=K_VIEW, persist_state="session")
    return st.session_state[K_VIEW]

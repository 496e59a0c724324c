"""Selectors whose option labels follow the data, and links that choose an option from elsewhere on the page.

A Streamlit selectbox keeps showing the label its option had when it was chosen: after *Salva bozza* the
objective selector still showed the state from before the save. The widget's key therefore includes a checksum
of the labels: when a label changes, the widget is drawn anew with the same chosen value (under the plain `key`).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from models.vocab import plural


def _widget_prefix(key: str) -> str:
    return f"{key}:labels-"


def fresh_selectbox(
    label: str, options: Sequence[Any], *, key: str, default: Any, format_func: Callable[[Any], str], **kwargs: Any
) -> Any:
    """A selectbox over `options` showing current labels; returns the chosen option (kept in st.session_state[key])."""
    options = list(options)
    chosen = st.session_state.get(key, default)
    if chosen not in options:
        chosen = default if default in options else options[0]
    labels = {o: format_func(o) for o in options}  # each label once (5,000 objectives at a hundred times the plan)
    checksum = zlib.crc32("\x1f".join(labels.values()).encode())
    widget_key = f"{_widget_prefix(key)}{checksum:08x}"
    if st.session_state.get(widget_key) not in labels:
        # A new widget (labels changed, or `choose` dropped it): set its value through the Session State API, so
        # the browser shows it too (a default index applies only to a widget the browser has not drawn yet).
        st.session_state[widget_key] = chosen
    value = st.selectbox(label, options, format_func=labels.__getitem__, key=widget_key, **kwargs)
    st.session_state[key] = value
    return value


BY_AREA_OVER = 150  # objectives in one selector at most; more (a hundred times the plan) are chosen by area first


def objective_by_area(
    label: str,
    options: Sequence[Any],
    *,
    key: str,
    default: Any,
    format_func: Callable[[Any], str],
    area_of: Callable[[Any], str | None],
    first_in: Callable[[list[Any]], Any] = lambda ids: ids[0],
    area_label: str = "Area",
) -> Any:
    """fresh_selectbox over `options`; past BY_AREA_OVER options (5,000 objectives, half a megabyte of labels
    sent at every run) an *Area* selector comes first and the objective selector lists that area's. The area
    follows an objective chosen elsewhere (a link, a button: `choose(key, …)`); choosing another area opens
    `first_in` of its options. An option of no area (`area_of` None, e.g. "none") heads every area's list."""
    options = list(options)
    if len(options) <= BY_AREA_OVER:
        return fresh_selectbox(label, options, key=key, default=default, format_func=format_func)
    chosen = st.session_state.get(key, default)
    if chosen not in options:
        chosen = default if default in options else options[0]
    areas: dict[str, list[Any]] = {}
    pinned: list[Any] = []
    for option in options:
        letter = area_of(option)
        if letter is None:
            pinned.append(option)
        else:
            areas.setdefault(letter, []).append(option)
    area_key, shown_key = f"{key}:area", f"{key}:shown"
    home = area_of(chosen)
    if home is None:  # an option of no area: the area already shown, else the first
        shown = st.session_state.get(area_key)
        home = shown if shown in areas else min(areas)
    if st.session_state.get(shown_key) != chosen:  # chosen elsewhere, or the first run: show its area
        choose(area_key, home)
    area = fresh_selectbox(
        area_label,
        sorted(areas),
        key=area_key,
        default=home,
        format_func=lambda a: f"Area {a} · {plural(len(areas[a]), 'obiettivo', 'obiettivi')}",
    )
    in_area = [*pinned, *areas[area]]
    value = fresh_selectbox(
        label,
        in_area,
        key=key,
        default=chosen if chosen in in_area else first_in(in_area),
        format_func=format_func,
    )
    st.session_state[shown_key] = value
    return value


def choose(key: str, value: Any) -> None:
    """Callback for a link or button: select `value` in the fresh_selectbox named `key` on the next run."""
    st.session_state[key] = value
    for name in [k for k in st.session_state if str(k).startswith(_widget_prefix(key))]:
        del st.session_state[name]


ENTRY_SEMESTER = "entry_semester"  # the Inserimento page's semester selectbox


def entry_objective_key(semester_id: int) -> str:
    """The Inserimento page's objective selector, one per semester."""
    return f"entry_objective_{semester_id}"


def apply_entry_link(semesters: Sequence[Any]) -> None:
    """A notice's link (/inserimento?semestre=..&obiettivo=..) opens that semester and objective once; the
    parameters are then dropped so that the selectors stay free. An objective not among the user's own is
    ignored (the selector only offers theirs)."""
    params = st.query_params
    if "semestre" not in params:
        return
    sem = next((s for s in semesters if str(s.id) == params.get("semestre")), None)
    if sem is not None:
        st.session_state[ENTRY_SEMESTER] = sem
        objective = params.get("obiettivo", "")
        if objective.isdigit():
            choose(entry_objective_key(sem.id), int(objective))
    for name in ("semestre", "obiettivo"):
        params.pop(name, None)

"""The sidebar's plan selector: shown only when the database holds more than one plan (models/plans.py).

The choice is kept in st.session_state and read by the pages that show one plan (Il Piano, Cruscotto, Report ed
Excel, the history page); data entry and review always work on the current plan, whatever is chosen here.
"""

from __future__ import annotations

import streamlit as st

from components.data import call
from models import plan_browser, plans

K_PLAN = "plan_choice"  # session key: the chosen plan's id (not the widget's: see show)
K_WIDGET = "plan_choice_widget"


def show() -> None:
    """The selectbox "Piano" in the sidebar (call inside `with st.sidebar`); nothing with a single plan.

    The choice is copied to its own key: Streamlit drops a widget's state on a run that does not draw it (the
    projector mode has no sidebar), and the choice must survive that."""
    listed = call(plans.list_plans)
    if len(listed) < 2:
        return
    by_id = {p.id: p for p in listed}
    if st.session_state.get(K_PLAN) not in by_id:
        current = call(plans.current_plan)
        st.session_state[K_PLAN] = current.id if current else listed[-1].id
    if st.session_state.get(K_WIDGET) not in by_id:
        st.session_state[K_WIDGET] = st.session_state[K_PLAN]
    st.session_state[K_PLAN] = st.selectbox(
        "Piano",
        list(by_id),
        key=K_WIDGET,
        format_func=lambda i: by_id[i].label,
        help="Il piano che mostrano Il Piano, il Cruscotto, i report e la pagina storica. Inserimento e revisione "
        "riguardano sempre il piano in corso.",
    )


def history_label(default: str) -> str:
    """The history page's menu entry: "Piano 2025-2027" when the chosen plan follows another one."""
    chosen = selected()
    return default if chosen is None else call(plan_browser.history_page, plan_id=chosen).title


def selected() -> int | None:
    """The chosen plan's id; None (the current plan) when there is one plan or nothing was chosen."""
    value = st.session_state.get(K_PLAN)
    return value if isinstance(value, int) else None

"""A button for an action that cannot be undone in one click: the first click asks, a second one confirms."""

from __future__ import annotations

from typing import Any

import streamlit as st


def confirmed(label: str, *, key: str, question: str, where: Any = None, **button_kwargs: Any) -> bool:
    """True on the run where the user confirmed. The question stays (with *Annulla*) until answered.

    A second button rather than st.dialog: the action then runs in the page's own run, where its Italian
    error message is shown beside the other controls, and AppTest can drive it.
    """
    asking = f"{key}:asking"
    if (where or st).button(label, key=key, **button_kwargs):
        st.session_state[asking] = True
    if not st.session_state.get(asking):
        return False
    with st.container(border=True):
        st.warning(question, icon="⚠️")
        yes, no, _ = st.columns([2, 1, 2])
        if yes.button(f"Sì, {label[0].lower()}{label[1:]}", key=f"{key}:yes", type="primary", width="stretch"):
            st.session_state.pop(asking, None)
            return True
        if no.button("Annulla", key=f"{key}:no", width="stretch"):
            st.session_state.pop(asking, None)
            st.rerun()
    return False

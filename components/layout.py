"""The frame around every page: sidebar menu, user, logout, demo banner, projector mode."""
from __future__ import annotations

import streamlit as st

from components import auth_gate
from models.config import demo_mode
from models.sessions import SessionUser
from models.vocab import ROLE_LABELS

PROJECTOR_PARAM = "proiettore"


def projector_mode() -> bool:
    return st.query_params.get(PROJECTOR_PARAM) == "1"


def demo_banner() -> None:
    if demo_mode():
        st.warning("Dati dimostrativi: questa installazione contiene dati generati per prova, non dati reali.",
                   icon=":material/science:")


def sidebar(user: SessionUser | None, pages: dict[str, st.Page]) -> None:
    if user is None or projector_mode():
        return
    with st.sidebar:
        st.markdown("**Monitoraggio Piano di Zona**")
        st.caption("Ambito Sociale Cremonese")
        for page in pages.values():
            st.page_link(page)
        st.divider()
        st.caption(f"{user.actor.name} · {ROLE_LABELS.get(user.actor.role, user.actor.role)}")
        if user.actor.areas:
            st.caption("Aree: " + ", ".join(sorted(user.actor.areas)))
        auth_gate.logout_button(user)

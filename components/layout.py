"""The frame around every page: sidebar menu, user, logout, demo banner, projector mode."""
from __future__ import annotations

import streamlit as st

from components import auth_gate
from components.safe import md_escape
from models.config import demo_mode
from models.sessions import SessionUser
from models.vocab import ROLE_LABELS

PROJECTOR_PARAM = "proiettore"


def projector_mode() -> bool:
    return st.query_params.get(PROJECTOR_PARAM) == "1"


# Static CSS only (never user text). Projector mode: no header, toolbar or sidebar; large type (the root size
# scales Streamlit's rem-based fonts: body 21 px, small captions about 18 px at 1280x720); black on white;
# tight page margins so that the main screen fits 1280x720 without scrolling.
PROJECTOR_CSS = """<style>
html { font-size: 21px !important; }
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stStatusWidget"] {
  display: none !important; }
[data-testid="stAppViewContainer"], [data-testid="stMain"] {
  background: #FFFFFF !important; color: #000000 !important; }
[data-testid="stMainBlockContainer"] { padding: 0.4rem 1rem 0.2rem 1rem !important; max-width: 100% !important; }
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] { gap: 0.35rem !important; }
[data-testid="stMarkdownContainer"] h3 { padding: 0 !important; margin: 0 !important; }
[data-testid="stAlert"] > div { padding: 0.2rem 0.8rem !important; }
p, li, label, button { color: #000000; }
</style>"""


# 1920x1080 projectors: everything about one and a half times larger (the charts scale the same way).
PROJECTOR_LARGE_CSS = """<style>html { font-size: 30px !important; }</style>"""


def projector_style(*, large: bool = False) -> None:
    st.html(PROJECTOR_CSS)
    if large:
        st.html(PROJECTOR_LARGE_CSS)


def demo_banner() -> None:
    if demo_mode() and projector_mode():
        st.markdown(":material/science: Dati dimostrativi, non reali.")  # one short line: the screen is full
    elif demo_mode():
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
        st.caption(f"{md_escape(user.actor.name)} · {ROLE_LABELS.get(user.actor.role, user.actor.role)}")
        if user.actor.areas:
            st.caption("Aree: " + ", ".join(sorted(user.actor.areas)))
        auth_gate.logout_button(user)

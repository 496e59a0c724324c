"""The app's frame on every run: page settings, login gate, per-role navigation, sidebar, banners; then the page."""

import streamlit as st

from components import auth_gate, layout, navigation, notices


def run_app(landing: str = "home") -> None:
    """One run of the app. `landing`: the page served at the root (app.py: the Panoramica; the benchmark,
    tests/bench/page_app.py, makes each page the landing page in turn to open it in a fresh session)."""
    st.set_page_config(
        page_title="Monitoraggio Piano di Zona", page_icon="📊", layout="wide", initial_sidebar_state="auto"
    )
    layout.accessibility()
    user = auth_gate.current_user()
    page, allowed = navigation.build(user, landing)
    layout.sidebar(user, allowed)
    layout.demo_banner()
    if not layout.projector_mode():
        notices.lead_waiting(user)
    page.run()

"""Entrypoint: login gate, per-role navigation, frame; then the chosen page."""

import streamlit as st

from components import auth_gate, layout, navigation, notices
from models.config import configure_logging

configure_logging()  # idempotent: once per process

st.set_page_config(page_title="Monitoraggio Piano di Zona", page_icon="📊", layout="wide", initial_sidebar_state="auto")
layout.accessibility()
user = auth_gate.current_user()
page, allowed = navigation.build(user)
layout.sidebar(user, allowed)
layout.demo_banner()
if not layout.projector_mode():
    notices.lead_waiting(user)
page.run()

"""Benchmark entrypoint: the real Cruscotto page for a comitato user, without the login round trip."""

import streamlit as st

from models.permissions import Actor
from models.sessions import SessionUser

st.set_page_config(page_title="Cruscotto (benchmark)", layout="wide")
st.session_state["pdz_resolved_user"] = SessionUser(Actor(0, "bench", "comitato"), False)
st.navigation([st.Page("../../pages/cruscotto.py", url_path="cruscotto")], position="hidden").run()

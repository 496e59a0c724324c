"""Il mio account: who I am (role, areas), changing my own password, my API tokens."""

import streamlit as st

from components import auth_gate
from components.account import api_tokens_section, change_password_form
from models.vocab import ROLE_LABELS

user = auth_gate.require_page("account")
change_password_form()
st.divider()
st.markdown("#### Il mio profilo")
# st.text: the name is typed by the office and shown as plain text, never as markdown.
st.text(
    f"Nome utente: {user.actor.username}\nNome: {user.actor.name}\n"
    f"Ruolo: {ROLE_LABELS.get(user.actor.role, user.actor.role)}"
)
if user.actor.areas:
    st.text("Aree assegnate: " + ", ".join(sorted(user.actor.areas)))
st.divider()
api_tokens_section(user.actor)

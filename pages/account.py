"""Il mio account: who I am (role, areas) and changing my own password."""

import streamlit as st

from components import auth_gate
from components.account import change_password_form
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

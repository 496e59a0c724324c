"""Il mio account: who I am (role, areas), changing my own password, my e-mail address and notices, my API
tokens."""

import streamlit as st

from components import auth_gate
from components.account import api_tokens_section, change_password_form
from components.notice_settings import email_and_notices_form
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
st.markdown("#### Avvisi per e-mail")
st.caption(
    "L'app manda promemoria e notizie sui propri report (apertura del semestre, scadenza vicina o superata, "
    "report rimandato o approvato) all'indirizzo indicato qui; l'indirizzo lo vedono solo l'interessato e "
    "l'Ufficio di Piano."
)
email_and_notices_form(user.actor, user.actor.user_id, key="account")
st.divider()
api_tokens_section(user.actor)

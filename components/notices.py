"""Messages shown on every page for the logged-in user."""

import streamlit as st

from components.data import call
from models.entry_view import waiting_for_lead
from models.sessions import SessionUser


def lead_waiting(user: SessionUser | None) -> None:
    """A lead sees, on arrival and on every page, how many reports wait for them."""
    if user is None or not user.actor.is_lead or user.must_change_password:
        return
    counts = call(waiting_for_lead, actor=user.actor)
    parts = []
    if counts["returned"]:
        n = counts["returned"]
        parts.append(f"{n} report {'rimandato' if n == 1 else 'rimandati'} dall'Ufficio di Piano")
    if counts["not_started"]:
        n = counts["not_started"]
        parts.append(f"{n} {'obiettivo' if n == 1 else 'obiettivi'} ancora senza dati")
    if parts:
        st.info("Da fare: " + " · ".join(parts) + " (pagina Inserimento dati).", icon="📋")

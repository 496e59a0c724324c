"""A report's review conversation (every message with author and time) and what changed since it was sent
back; shown on the Revisione page and on the lead's entry page."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.actions import attempt
from components.data import call
from components.safe import md_escape
from models import review
from models.formatting import local_time
from models.permissions import Actor
from models.vocab import ROLE_LABELS


def thread(objective_id: int, semester_id: int, *, actor: Actor, can_write: bool, key: str) -> None:
    """The messages, oldest first, and (when allowed) a box to add a comment or reply."""
    messages = call(review.conversation, objective_id, semester_id)
    st.markdown("**Conversazione sul report**")
    if not messages:
        st.caption("Nessun messaggio.")
    for m in messages:
        with st.container(border=True):
            st.markdown(
                f"**{md_escape(m.author)}** · {ROLE_LABELS.get(m.role, m.role)} · {local_time(m.at)} · *{m.kind_label}*"
            )
            if m.text:
                st.markdown(md_escape(m.text))
    if not can_write:
        return
    # A new key after each message: popping a widget's value does not empty the box already in the browser.
    generation = st.session_state.setdefault(f"{key}:generation", 0)
    box = f"{key}:text:{generation}"
    st.text_area("Nuovo commento o risposta", key=box, max_chars=review.COMMENT_LIMIT, height=80)
    if st.button("Aggiungi alla conversazione", key=f"{key}:send", icon="💬"):
        if attempt(
            review.add_comment,
            objective_id,
            semester_id,
            st.session_state.get(box, ""),
            actor=actor,
            success="Commento aggiunto.",
        ):
            st.session_state.pop(box, None)
            st.session_state[f"{key}:generation"] = generation + 1
            st.rerun()


def since_send_back(objective_id: int, semester_id: int) -> None:
    """Fields changed after the last send-back, as sent back and now, side by side."""
    changes = call(review.changes_since_send_back, objective_id, semester_id)
    if not changes:
        return
    st.markdown(f"**Modifiche dopo l'ultimo rinvio al referente ({len(changes)})**")
    st.dataframe(
        pd.DataFrame(
            [
                {"Campo": f, "Al rinvio": o if o is not None else "—", "Ora": n if n is not None else "—"}
                for f, o, n in changes
            ]
        ),
        hide_index=True,
        width="stretch",
    )

"""E-mail notices on the pages: a user's address and the notices they want (Il mio account, Utenti), and what
the Ufficio di Piano sees of the sending (Utenti). Nothing here sends: only `make remind` does."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.actions import attempt
from components.data import call
from components.safe import md_escape
from models import notice_prefs, reminders
from models.formatting import local_time
from models.permissions import Actor
from models.vocab import CHOOSE_MANY, NOTICE_KIND_LABELS, NoticeKind, NoticeStatus


def email_and_notices_form(actor: Actor, user_id: int, *, key: str) -> None:
    """Address and notices of `user_id` (the actor's own, or anyone's for the Ufficio di Piano)."""
    prefs = call(notice_prefs.notice_preferences, actor=actor, user_id=user_id)
    with st.form(f"notices_{key}_{user_id}"):
        email = st.text_input(
            "Indirizzo e-mail",
            value=prefs.email,
            placeholder="es. nome.cognome@comune.it (vuoto: nessun avviso)",
            autocomplete="email",
        )
        enabled: list[NoticeKind] = list(prefs.enabled)
        if prefs.available:
            enabled = st.multiselect(
                "Avvisi da ricevere (nessuno: nessun avviso)",
                list(prefs.available),
                default=list(prefs.enabled),
                format_func=lambda k: NOTICE_KIND_LABELS[k],
                placeholder=CHOOSE_MANY,
            )
        else:
            st.caption("Per questo ruolo non sono previsti avvisi per e-mail.")
        if st.form_submit_button("Salva indirizzo e avvisi"):
            if attempt(
                notice_prefs.save_email_and_notices,
                actor=actor,
                user_id=user_id,
                email=email,
                enabled=list(enabled),
                success="Indirizzo e avvisi salvati.",
            ):
                st.rerun()


_STATUS_ICONS = {NoticeStatus.INVIATO: "✅ inviato", NoticeStatus.NON_INVIATO: "⚠️ non inviato"}


def notice_log_section(actor: Actor) -> None:
    """Ufficio di Piano: whether sending is configured, the notices sent and not sent, who has no address."""
    configured, words = reminders.smtp_status()
    counts = call(reminders.notice_counts, actor=actor)
    failed = counts.get(NoticeStatus.NON_INVIATO, 0)
    title = f"Avvisi per e-mail ({counts.get(NoticeStatus.INVIATO, 0)} inviati, {failed} non inviati)"
    with st.expander(title, icon="✉️", expanded=bool(failed)):
        (st.info if configured else st.warning)(words)
        st.caption(
            f"Da cron, `make remind` invia ciò che è dovuto (ogni avviso una sola volta); un avviso non inviato "
            f"viene ritentato a ogni esecuzione e segnalato dopo {reminders.REPORT_AFTER} tentativi falliti."
        )
        missing = call(reminders.users_without_address, actor=actor)
        if missing:
            st.caption("Senza indirizzo e-mail (non ricevono avvisi): " + md_escape(", ".join(missing)))
        rows = call(reminders.notice_log, actor=actor)
        if not rows:
            st.write("Nessun avviso registrato.")
            return
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Registrato": local_time(r.at),
                        "Avviso": r.kind,
                        "Destinatario": r.username,
                        "Oggetto": r.subject,
                        "Esito": _STATUS_ICONS.get(NoticeStatus(r.status), r.status),
                        "Tentativi": r.attempts,
                        "Inviato": local_time(r.sent_at) if r.sent_at else "—",
                        "Ultimo errore": r.last_error or "—",
                    }
                    for r in rows
                ]
            ),
            hide_index=True,
            width="stretch",
        )

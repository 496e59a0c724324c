"""Report ed Excel, open data: the approved results of a closed semester as CSV / JSON with their dictionary,
and (Ufficio di Piano) whether they are published at a public URL."""

from __future__ import annotations

import streamlit as st

from components import auth_gate
from components.actions import attempt
from components.data import call
from models import open_data
from models.permissions import Actor

MIMES = {"csv": "text/csv", "json": "application/json"}
_PUBLISH = "pdz_open_data_publish"


def _toggle(actor: Actor) -> None:
    attempt(
        open_data.set_publishing,
        runner=auth_gate.in_callback,
        actor=actor,
        enabled=bool(st.session_state.get(_PUBLISH)),
    )


def show(actor: Actor) -> None:
    st.markdown("### Dati aperti")
    st.caption(
        "I risultati approvati di un semestre chiuso, per la sezione Amministrazione trasparente o la Regione: "
        "CSV (UTF-8, separatore «;», virgola decimale, si apre con Excel) e JSON, con il dizionario dei dati. "
        "Solo report approvati; nessun nome di utente, nessuna nota o testo libero."
    )
    published = call(open_data.publishing_enabled)
    if actor.is_office:
        st.session_state[_PUBLISH] = published
        st.toggle(
            "Pubblica i dati aperti a un indirizzo pubblico (senza accesso)",
            key=_PUBLISH,
            on_change=_toggle,
            args=(actor,),
            help="Indirizzo: /api/v1/opendata (elenco dei semestri chiusi e dei loro file).",
        )
    if published:
        st.caption(
            "Pubblicati all'indirizzo /api/v1/opendata di questo server "
            "(per esempio /api/v1/opendata/2025-1/risultati.csv)."
        )
    semesters = call(open_data.closed_semesters)
    if not semesters:
        st.info("Nessun semestre chiuso: i dati aperti riguardano solo semestri chiusi.")
        return
    semester = st.selectbox(
        "Semestre chiuso", semesters, index=len(semesters) - 1, key="od_semester", format_func=lambda s: s.label
    )
    key = open_data.semester_key(semester)
    columns = st.columns(4)
    for where, name in zip(columns, ("risultati.csv", "indicatori.csv", "dati.json", "dizionario.csv"), strict=True):
        where.download_button(
            name,
            key=f"od_{name}",
            mime=MIMES[name.rsplit(".", 1)[-1]],
            on_click="ignore",
            icon="📥",
            width="stretch",
            file_name=f"pdz-{key}-{name}" if name != "dizionario.csv" else f"pdz-{name}",
            data=auth_gate.download_data(open_data.open_data_file, key, name),
        )

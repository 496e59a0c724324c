"""Report ed Excel: offline entry templates and their import (leads, office); semester and annual reports
(office, Comitato Ristretto); open data of closed semesters (everyone; publishing: office)."""

import streamlit as st

from components import auth_gate, excel_import, open_data, plan_selector, report_downloads
from components.data import call
from models import entry_view
from models.permissions import can_read_reports
from models.vocab import CHOOSE_MANY, PAGE_TITLES, SemesterState, semester_label

user = auth_gate.require_page("report")
actor = user.actor
st.title(PAGE_TITLES["report"])

semesters = call(entry_view.open_semesters)
if not semesters:
    st.info("Nessun semestre: l'Ufficio di Piano deve aprirne uno (Impostazione piano).")
    st.stop()


def label(s) -> str:
    return f"{semester_label(s.year, s.half)} ({s.state})"


objectives = call(entry_view.editable_objectives, actor=actor)
if objectives:
    st.markdown("### Inserimento offline con Excel")
    st.caption(
        "Scaricare il modello, compilarlo anche senza collegamento (celle gialle), ricaricarlo qui: "
        "ogni cella è controllata con le stesse regole del modulo di inserimento e nulla viene salvato "
        "finché il file non è tutto corretto e l'importazione confermata."
    )
    open_semesters = [s for s in semesters if s.state == SemesterState.APERTO] or semesters
    areas = list(dict.fromkeys(o["area"] for o in objectives))
    left, right = st.columns([1, 2])
    semester = left.selectbox("Semestre del modello", open_semesters, key="tpl_semester", format_func=label)
    chosen = right.multiselect(
        "Macro-aree", areas, default=areas if actor.is_lead else areas[:1], key="tpl_areas", placeholder=CHOOSE_MANY
    )
    excel_import.template_download(actor, semester, chosen, key="tpl_download")
    excel_import.upload_and_import(actor, semester)

if can_read_reports(actor):
    chosen_plan = plan_selector.selected()
    shown = semesters if chosen_plan is None else call(entry_view.open_semesters, plan_id=chosen_plan)
    if shown:
        report_downloads.show(actor, shown, label, plan_id=chosen_plan)
    else:
        st.info("Nessun semestre in questo piano.")
elif not objectives:
    st.info("Nessuna area assegnata: chiedere all'Ufficio di Piano di assegnarle un'area.")
open_data.show(actor)  # approved results of closed semesters only: every role may take them

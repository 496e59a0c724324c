"""Report ed Excel: offline entry templates and their import (leads, office); semester and annual reports
(office, Comitato Ristretto)."""
import functools

import streamlit as st

from components import auth_gate, excel_import
from components.data import call
from models import report_export, reports
from models.permissions import can_read_reports
from models.vocab import semester_label
from models.xlsx import MIME

user = auth_gate.require_page("report")
actor = user.actor
st.title("Report ed Excel")

semesters = call(reports.open_semesters)
if not semesters:
    st.info("Nessun semestre: l'Ufficio di Piano deve aprirne uno (Impostazione piano).")
    st.stop()


def label(s) -> str:
    return f"{semester_label(s.year, s.half)} ({s.state})"


objectives = call(reports.editable_objectives, actor=actor)
if objectives:
    st.markdown("### Inserimento offline con Excel")
    st.caption("Scaricare il modello, compilarlo anche senza collegamento (celle gialle), ricaricarlo qui: "
               "ogni cella è controllata con le stesse regole del modulo di inserimento e nulla viene salvato "
               "finché il file non è tutto corretto e l'importazione confermata.")
    open_semesters = [s for s in semesters if s.state == "aperto"] or semesters
    areas = list(dict.fromkeys(o["area"] for o in objectives))
    left, right = st.columns([1, 2])
    semester = left.selectbox("Semestre del modello", open_semesters, key="tpl_semester", format_func=label)
    chosen = right.multiselect("Macro-aree", areas, default=areas if actor.is_lead else areas[:1], key="tpl_areas")
    excel_import.template_download(actor, semester, chosen, key="tpl_download")
    excel_import.upload_and_import(actor, semester)

if can_read_reports(actor):
    st.markdown("### Report semestrale e annuale")
    submitted = st.radio("Che cosa si conta", [False, True], horizontal=True, key="rep_submitted",
                         format_func=lambda x: "Anche report inviati (da approvare)" if x
                         else "Solo report approvati")
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    semester = left.selectbox("Semestre", semesters, key="rep_semester", format_func=label)
    right.download_button(
        "Report semestrale .xlsx", key="rep_semester_xlsx", mime=MIME, on_click="ignore",
        icon=":material/download:",
        data=functools.partial(call, report_export.semester_report_xlsx, semester.id, actor=actor,
                               include_submitted=submitted),
        file_name=call(report_export.semester_report_name, semester.id), width="stretch")
    st.caption("Sintesi per area e per fonte, Tabella Esiti della griglia regionale per ogni obiettivo, indicatori "
               "con target e raggiungimento, spesa per fonte. Pronto per la stampa.")

    years = call(report_export.report_years)
    left, mid, right = st.columns([2, 1, 1], vertical_alignment="bottom")
    year = left.selectbox("Anno", years, key="rep_year")
    mid.download_button(
        "Report annuale .xlsx", key="rep_year_xlsx", mime=MIME, on_click="ignore", icon=":material/download:",
        data=functools.partial(call, report_export.annual_report_xlsx, year, actor=actor,
                               include_submitted=submitted),
        file_name=report_export.annual_report_name(year, "xlsx"), width="stretch")
    right.download_button(
        "Report annuale .html", key="rep_year_html", mime="text/html", on_click="ignore", icon=":material/download:",
        data=functools.partial(call, report_export.annual_report_html, year, actor=actor,
                               include_submitted=submitted),
        file_name=report_export.annual_report_name(year, "html"), width="stretch")
    st.caption("I due semestri dell'anno insieme, per l'Assemblea dei Sindaci (Report Annuale, entro aprile). "
               "La pagina .html contiene i grafici del cruscotto e si apre senza collegamento a Internet.")
elif not objectives:
    st.info("Nessuna area assegnata: chiedere all'Ufficio di Piano di assegnarle un'area.")

"""Revisione semestrale: every objective's state; open one report, approve or send back; close the semester."""
from datetime import datetime, time

import pandas as pd
import streamlit as st

from components import auth_gate
from components.actions import attempt
from components.data import call
from components.report_form import show_changes
from components.safe import md_escape
from models import audit, reports, review, semesters
from models.dashboard import COUNTED_LABELS
from models.formatting import euro, percent
from models.vocab import CHOOSE_MANY, NO_REPORT, ReportState, SemesterState, semester_label

actor = auth_gate.signed_in().actor
st.title("Revisione semestrale")

sems = call(reports.open_semesters)
if not sems:
    st.info("Nessun semestre: aprirne uno da Impostazione piano.")
    st.stop()
sem = st.selectbox("Semestre", sems, key="rev_sem", format_func=lambda s: f"{semester_label(s.year, s.half)} ({s.state})")
rows = call(review.review_table, sem.id)

f1, f2 = st.columns(2)
areas = f1.multiselect("Aree", sorted({r["area"] for r in rows}), key="rev_areas", placeholder=CHOOSE_MANY)
states = f2.multiselect("Stato", [NO_REPORT, *[s.value for s in ReportState]], key="rev_states",
                        placeholder=CHOOSE_MANY)
shown = [r for r in rows if (not areas or r["area"] in areas) and (not states or r["state"] in states)]
done = sum(r["state"] == ReportState.APPROVATA for r in rows)
st.caption((f"{done} report approvati su {len(rows)} obiettivi · scadenza {sem.deadline:%d/%m/%Y}"
            if sem.deadline else f"{done} approvati su {len(rows)}")
           + f" · cifre come nel Cruscotto: {COUNTED_LABELS[review.REVIEW_COUNTS_SUBMITTED].lower()}")
st.dataframe(pd.DataFrame([{
    "Area": r["area"], "Obiettivo": r["code"], "Referente": r["lead"], "Stato": r["state"],
    "In ritardo": "sì" if r["overdue"] else "", "Azioni realizzate": r["actions"],
    "Raggiungimento": percent(r["achievement"]) if r["counted"] else "—", "Fascia": r["band"],
    "Budget": euro(r["budget"], 2),
    "Impegnato": euro(r["committed"], 2), "Liquidato": euro(r["paid"], 2), "Liquidato / budget": percent(r["ratio"]),
    "Classe di spesa": r["ratio_class"],
    "Ultima modifica": r["updated_at"].strftime("%d/%m/%Y %H:%M") if r["updated_at"] else "—"} for r in shown]),
    hide_index=True, width="stretch")

st.markdown("### Report di un obiettivo")
by_id = {r["objective_id"]: r for r in rows}
objective_id = st.selectbox("Obiettivo", list(by_id), key="rev_obj",
                            format_func=lambda i: f"{by_id[i]['code']} — {by_id[i]['state']} — {by_id[i]['text'][:80]}")
detail = call(review.report_with_previous, objective_id, sem.id)
if detail["state"] is None:
    st.info("Nessun dato inserito per questo obiettivo nel semestre.")
else:
    st.markdown(f"Stato: **{detail['state']}**" + (f" · confronto con il {detail['previous_label']}"
                                                    if detail["previous_label"] else ""))
    if detail["comment"]:
        st.caption("Ultimo commento del revisore: " + md_escape(detail["comment"]))
    st.dataframe(pd.DataFrame(detail["rows"]), hide_index=True, width="stretch", height=320)
    show_changes(call(reports.changes_since_approval, objective_id, sem.id),
                 "Modifiche rispetto alla versione approvata")
    comment = st.text_area("Commento per il referente (obbligatorio per rimandare)", key=f"rev_comment_{objective_id}")
    a, b, _ = st.columns([1, 1, 2])
    if a.button("Approva", type="primary", key="approve", disabled="approve" not in detail["actions_allowed"]):
        if attempt(reports.review_report, objective_id, sem.id, "approve", actor=actor,
                   expected_version=detail["version"], comment=comment, success="Report approvato."):
            st.rerun()
    if b.button("Rimanda al referente", key="send_back",
                disabled="send_back" not in detail["actions_allowed"]):
        if attempt(reports.review_report, objective_id, sem.id, "send_back", actor=actor,
                   expected_version=detail["version"], comment=comment, success="Report rimandato al referente."):
            st.rerun()

with st.expander("Storico delle modifiche (audit trail) di questo obiettivo"):
    c1, c2, c3 = st.columns(3)
    who = c1.selectbox("Utente", ["tutti", *call(audit.audit_usernames)], key="aud_user")
    field = c2.text_input("Campo contiene", key="aud_field")
    since = c3.date_input("Dal", value=None, key="aud_since", format="DD/MM/YYYY")
    entries = call(audit.audit_trail, objective_id=objective_id, username=None if who == "tutti" else who,
                   field_contains=field or None, since=datetime.combine(since, time()) if since else None)
    st.dataframe(pd.DataFrame([{"Quando": e.at.strftime("%d/%m/%Y %H:%M"), "Chi": e.username, "Campo": e.field,
                                "Prima": e.old or "—", "Dopo": e.new or "—", "Motivo": e.reason}
                               for e in entries]), hide_index=True, width="stretch")

st.markdown("### Chiusura del semestre")
if sem.state == SemesterState.CHIUSO:
    st.info(f"Semestre chiuso. {('Motivo: ' + md_escape(sem.closed_reason)) if sem.closed_reason else ''}")
    why = st.text_input("Motivo della riapertura", key="reopen_reason")
    if st.button("Riapri il semestre", key="reopen"):
        if attempt(semesters.reopen_semester, sem.id, actor=actor, reason=why, success="Semestre riaperto."):
            st.rerun()
else:
    missing = [r for r in rows if r["state"] != ReportState.APPROVATA]
    if missing:
        st.warning(f"{len(missing)} obiettivi senza report approvato: "
                   + ", ".join(f"{r['code']} ({r['state']})" for r in missing[:30]) + ("…" if len(missing) > 30 else ""))
    why = st.text_input("Motivo della chiusura (obbligatorio se mancano report)", key="close_reason")
    if st.button("Chiudi il semestre", key="close"):
        if attempt(semesters.close_semester, sem.id, actor=actor, reason=why, success="Semestre chiuso."):
            st.rerun()

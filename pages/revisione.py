"""Revisione semestrale: the queue of submitted reports (open one, approve several); every objective's state;
one report with its conversation; close the semester."""

from datetime import datetime, time

import pandas as pd
import streamlit as st

from components import auth_gate, conversation, review_queue, review_table, submission_notes
from components import dashboard_cache as cache
from components.actions import attempt
from components.confirm import confirmed
from components.data import call
from components.report_form import show_changes
from components.safe import md_escape
from components.selectors import choose, objective_by_area
from models import audit, entry_view, review, semesters
from models.formatting import local_time
from models.tables import pk
from models.vocab import PAGE_TITLES, ReportState, SemesterState, semester_label

actor = auth_gate.signed_in().actor
st.title(PAGE_TITLES["revisione"])

sems = call(entry_view.open_semesters)
if not sems:
    st.info("Nessun semestre: aprirne uno da Impostazione piano.")
    st.stop()
review_queue.apply_link(sems)  # a queue link names the semester and the objective to open
by_sem = {s.id: s for s in sems}
cache.data_version()  # the reads below are cached until the next save (the Cruscotto's cache)
queue = cache.shared(review.review_queue)
if "rev_sem" not in st.session_state or st.session_state["rev_sem"] not in by_sem:
    # the semester of the longest-waiting report, else the latest
    st.session_state["rev_sem"] = queue[0].semester_id if queue else sems[0].id
review_queue.show(queue, actor=actor)

sem_id = st.selectbox(
    "Semestre",
    list(by_sem),
    key="rev_sem",
    format_func=lambda i: f"{semester_label(by_sem[i].year, by_sem[i].half)} ({by_sem[i].state})",
)
sem = by_sem[sem_id]
rows = review_table.rows(pk(sem))
review_table.show(rows, sem)

st.markdown("### Report di un obiettivo")
by_id = {r["objective_id"]: r for r in rows}
if st.session_state.get("rev_obj") not in by_id:
    # the oldest submitted report of this semester, else the first objective with data; never an empty one
    choose("rev_obj", cache.fetch(review.first_to_review, semester_id=sem.id) or next(iter(by_id)))
# labels follow the data: after *Rimanda* or *Approva* the selector shows the new state
objective_id = objective_by_area(
    "Obiettivo",
    list(by_id),
    key="rev_obj",
    default=st.session_state["rev_obj"],
    format_func=lambda i: f"{by_id[i]['code']} — {by_id[i]['state']} — {by_id[i]['text'][:80]}",
    area_of=lambda i: by_id[i]["area"],
    first_in=lambda ids: next((i for i in ids if by_id[i]["state"] == ReportState.INVIATA), ids[0]),
)
detail = call(review.report_with_previous, objective_id, sem.id)
if detail["state"] is None:
    st.info("Nessun dato inserito per questo obiettivo nel semestre.")
else:
    st.markdown(
        f"Stato: **{detail['state']}**"
        + (f" · confronto con il {detail['previous_label']}" if detail["previous_label"] else "")
    )
    submission_notes.show(objective_id, pk(sem))
    st.dataframe(pd.DataFrame(detail["rows"]), hide_index=True, width="stretch", height=320)
    conversation.since_send_back(objective_id, pk(sem))
    show_changes(
        call(review.changes_since_approval, objective_id, sem.id), "Modifiche rispetto alla versione approvata"
    )
    conversation.thread(
        objective_id,
        pk(sem),
        actor=actor,
        can_write=sem.state != SemesterState.CHIUSO,
        key=f"rev_thread_{objective_id}_{sem.id}",
    )
    comment = st.text_area("Commento per il referente (obbligatorio per rimandare)", key=f"rev_comment_{objective_id}")
    a, b, _ = st.columns([1, 1, 2])
    if a.button("Approva", type="primary", key="approve", disabled="approve" not in detail["actions_allowed"]):
        if attempt(
            review.review_report,
            objective_id,
            sem.id,
            "approve",
            actor=actor,
            expected_version=detail["version"],
            comment=comment,
            success="Report approvato.",
        ):
            st.rerun()
    if b.button("Rimanda al referente", key="send_back", disabled="send_back" not in detail["actions_allowed"]):
        if attempt(
            review.review_report,
            objective_id,
            sem.id,
            "send_back",
            actor=actor,
            expected_version=detail["version"],
            comment=comment,
            success="Report rimandato al referente.",
        ):
            st.rerun()

with st.expander("Storico delle modifiche (audit trail) di questo obiettivo"):
    c1, c2, c3 = st.columns(3)
    who = c1.selectbox("Utente", ["tutti", *call(audit.audit_usernames)], key="aud_user")
    field = c2.text_input("Campo contiene", key="aud_field")
    since = c3.date_input("Dal", value=None, key="aud_since", format="DD/MM/YYYY")
    entries = call(
        audit.audit_trail,
        objective_id=objective_id,
        username=None if who == "tutti" else who,
        field_contains=field or None,
        since=datetime.combine(since, time()) if since else None,
    )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Quando": local_time(e.at),
                    "Chi": e.username,
                    "Campo": e.field,
                    "Prima": e.old or "—",
                    "Dopo": e.new or "—",
                    "Motivo": e.reason,
                }
                for e in entries
            ]
        ),
        hide_index=True,
        width="stretch",
    )

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
        st.warning(
            f"{len(missing)} obiettivi senza report approvato: "
            + ", ".join(f"{r['code']} ({r['state']})" for r in missing[:30])
            + ("…" if len(missing) > 30 else "")
        )
    why = st.text_input("Motivo della chiusura (obbligatorio se mancano report)", key="close_reason")
    if confirmed(
        "Chiudi il semestre",
        key="close",
        question=f"Chiudere il {semester_label(sem.year, sem.half)}? I referenti non potranno più "
        "modificare i dati; per riaprirlo servirà un motivo.",
    ):
        if attempt(semesters.close_semester, sem.id, actor=actor, reason=why, success="Semestre chiuso."):
            st.rerun()

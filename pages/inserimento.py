"""Inserimento dati: a lead enters one objective's semester report."""

import streamlit as st

from components import auth_gate, conversation, pager, report_form
from components import dashboard_cache as cache
from components.data import call
from components.entry_messages import conflict_panel, show_save_outcome
from components.safe import md_escape
from components.selectors import ENTRY_SEMESTER, apply_entry_link, choose, entry_objective_key, objective_by_area
from models import entry_view
from models import semesters as semester_rules
from models.entry_flow import first_needing_lead
from models.rules import is_with_lead
from models.tables import pk
from models.vocab import PAGE_TITLES, ReportState, SemesterState, count_of, report_state_label, semester_label

user = auth_gate.signed_in()
actor = user.actor
st.title(PAGE_TITLES["inserimento"])
if flash := st.session_state.pop("entry_flash", None):
    st.success(flash, icon="✅")

semesters = call(entry_view.open_semesters)
if not semesters:
    st.info("Nessun semestre aperto: l'Ufficio di Piano deve aprirne uno (Impostazione piano).")
    st.stop()
apply_entry_link(semesters)  # a notice's link opens its semester and objective
default = next((i for i, s in enumerate(semesters) if s.state == SemesterState.APERTO), 0)
semester = st.selectbox(
    "Semestre",
    semesters,
    index=default,
    key=ENTRY_SEMESTER,
    format_func=lambda s: f"{semester_label(s.year, s.half)} ({s.state})",
)

left = semester_rules.days_left(semester.deadline)
(st.warning if left is not None and left <= 7 else st.info)(semester_rules.days_left_text(semester.deadline), icon="📅")

cache.data_version()  # the list below is read once per data version (every save bumps it)
status = cache.shared(entry_view.entry_status, actor=actor, semester_id=semester.id)
if not status:
    st.warning("Nessun obiettivo assegnato: chiedere all'Ufficio di Piano di assegnarle un'area.")
    st.stop()
todo = [r for r in status if is_with_lead(r["state"])]
objective_key = entry_objective_key(pk(semester))
if todo:
    st.markdown(f"**Da completare in questo semestre: {count_of(len(todo), len(status), 'obiettivo', 'obiettivi')}**")
    # more than the real plan's objectives (an office at a hundred times the plan): one page at a time
    shown = pager.paginate(
        todo,
        key=f"todo_page_{semester.id}",
        noun="Obiettivi",
        label="Pagina degli obiettivi da completare",
        size=pager.BUTTON_PAGE_SIZE,
    )
    with st.container(horizontal=True, gap="small"):
        for r in shown:
            # plan codes and state names only (no user text), so the label needs no escaping
            st.button(
                f"{r['code']} ({report_state_label(r['state'])})",
                key=f"todo_{semester.id}_{r['id']}",
                type="tertiary",
                on_click=choose,
                args=(objective_key, r["id"]),
                help=f"Apri {r['code']} nel modulo qui sotto",
            )
else:
    st.success("Tutti gli obiettivi delle sue aree sono stati inviati per questo semestre.")

by_id = {r["id"]: r for r in status}
# Opens on the first objective that still needs the lead, not on an approved, read-only one.
objective_id = objective_by_area(
    "Obiettivo",
    list(by_id),
    key=objective_key,
    default=first_needing_lead(status) or status[0]["id"],
    format_func=lambda i: (
        f"{by_id[i]['area']} · {by_id[i]['code']} · {by_id[i]['text'][:90]} — {report_state_label(by_id[i]['state'])}"
    ),
    area_of=lambda i: by_id[i]["area"],
    first_in=lambda ids: first_needing_lead([by_id[i] for i in ids]) or ids[0],
)

view = call(entry_view.load_entry, objective_id, semester.id, actor=actor)
st.markdown(f"#### {view.objective['code']} · {md_escape(view.objective['text'])}")
st.caption(
    f"Area {view.objective['area']} · {md_escape(view.objective['area_title'])} · {view.semester['label']}"
    + (f" · stato: **{view.report['state']}**" if view.report else " · nessun dato salvato")
)
if view.report and view.report["state"] == ReportState.DA_RIVEDERE and view.report["comment"]:
    st.warning("Rimandato dall'Ufficio di Piano con questo commento: " + md_escape(view.report["comment"]), icon="↩️")
if view.report:
    with st.expander(
        "Conversazione con l'Ufficio di Piano", icon="💬", expanded=view.report["state"] == ReportState.DA_RIVEDERE
    ):
        conversation.thread(
            objective_id,
            pk(semester),
            actor=actor,
            can_write=view.semester["state"] != SemesterState.CHIUSO,
            key=f"entry_thread_{objective_id}_{semester.id}",
        )
if view.block_reason:
    st.info(md_escape(view.block_reason), icon="🔒")

conflict_panel(view)
data, pressed = report_form.show(view, disabled=view.block_reason is not None)
if pressed:
    show_save_outcome(view, data, submit=pressed == "submit")

"""Saving a report from the form, and telling the user what happened (errors, conflict, success)."""

from __future__ import annotations

import streamlit as st

from components import auth_gate, report_form
from components.actions import attempt
from components.data import call
from components.safe import md_escape
from models.entry_view import EntryView, load_entry
from models.errors import DomainError
from models.reports import ConflictError, ReportInput, ValidationFailed, save_report
from models.submission import IncompleteReport, submit_report


def conflict_key(view: EntryView) -> str:
    return f"conflict:{view.objective['id']}:{view.semester['id']}"


def show_save_outcome(view: EntryView, data: ReportInput, *, submit: bool) -> None:
    user = auth_gate.signed_in()

    def on_error(exc: DomainError) -> bool:
        if isinstance(exc, ValidationFailed):
            # Shown at the top and at each field on the next run (report_form), with the focus on the first.
            report_form.set_errors(view, exc.errors)
            st.rerun()
        if isinstance(exc, IncompleteReport):
            exc.target = report_form.NOTE_TARGET
            report_form.set_errors(view, [exc])
            st.rerun()
        if isinstance(exc, ConflictError):
            st.session_state[conflict_key(view)] = (str(exc), exc.changes)
            st.rerun()
        return False  # PermissionDenied & co.: shown by attempt

    if submit:
        result = attempt(submit_report, data, actor=user.actor, note=report_form.gap_note(view), on_error=on_error)
    else:
        result = attempt(save_report, data, actor=user.actor, on_error=on_error)
    if result is None:
        return
    st.session_state.pop(conflict_key(view), None)
    report_form.reload(view)
    st.session_state["entry_flash"] = (
        "Report inviato all'Ufficio di Piano." if submit else f"Bozza salvata ({len(result.changes)} campi modificati)."
    )
    st.rerun()


def conflict_panel(view: EntryView) -> None:
    """Shown until resolved: who saved first, what they changed, and the two ways forward."""
    conflict = st.session_state.get(conflict_key(view))
    if not conflict:
        return
    message, changes = conflict
    with st.container(border=True):
        st.error(md_escape(message), icon="🔄")  # names another user: plain text
        report_form.show_changes(changes, "Cosa ha cambiato l'altro utente")
        st.caption("I valori che ha inserito sono ancora nel modulo qui sotto.")
        left, right = st.columns(2)
        if left.button("Tieni i miei valori e salva sui dati aggiornati", key="rebase"):
            user = auth_gate.signed_in()
            report_form.rebase(call(load_entry, view.objective["id"], view.semester["id"], actor=user.actor))
            st.session_state.pop(conflict_key(view), None)
            st.rerun()
        if right.button("Scarta i miei valori e ricarica i dati salvati", key="reload"):
            report_form.reload(view)
            st.session_state.pop(conflict_key(view), None)
            st.rerun()

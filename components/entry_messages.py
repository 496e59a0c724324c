"""Saving a report from the form, and telling the user what happened (errors, conflict, success)."""
from __future__ import annotations

import streamlit as st

from components import auth_gate, report_form
from components.data import call
from models.permissions import PermissionDenied
from models.reports import ConflictError, EntryView, ReportInput, ValidationFailed, save_report


def show_save_outcome(view: EntryView, data: ReportInput, *, submit: bool) -> None:
    user = auth_gate.signed_in()
    try:
        result = call(save_report, data, actor=user.actor, submit=submit)
    except ValidationFailed as exc:
        st.error("Nulla è stato salvato. Correggere:\n\n" + "\n".join(f"- {e}" for e in exc.errors))
        return
    except ConflictError as exc:
        st.error(str(exc), icon=":material/sync_problem:")
        report_form.show_changes(exc.changes, "Cosa ha cambiato l'altro utente")
        st.caption("I valori che ha inserito sono ancora nel modulo.")
        left, right = st.columns(2)
        if left.button("Tieni i miei valori e salva sui dati aggiornati", key="rebase"):
            fresh = call(__import__("models.reports", fromlist=["load_entry"]).load_entry,
                         view.objective["id"], view.semester["id"], actor=user.actor)
            report_form.rebase(fresh)
            st.rerun()
        if right.button("Scarta i miei valori e ricarica", key="reload"):
            report_form.reload(view)
            st.rerun()
        return
    except PermissionDenied as exc:
        st.error(str(exc))
        return
    report_form.reload(view)
    st.session_state["entry_flash"] = ("Report inviato all'Ufficio di Piano." if submit else
                                       f"Bozza salvata ({len(result.changes)} campi modificati).")
    st.rerun()

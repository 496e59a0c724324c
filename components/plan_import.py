"""The plan from a spreadsheet (Impostazione piano): download the empty template, upload the filled workbook (or
an export), read the problems or the preview of what will be created, changed and retired, confirm."""

from __future__ import annotations

import hashlib
import logging

import pandas as pd
import streamlit as st

from components import auth_gate
from components.actions import attempt
from components.safe import md_escape, plain_table
from models import plan_import, plan_template
from models.permissions import Actor
from models.xlsx import MIME

_PREVIEW = "plan_import_preview"  # (file digest, PlanImportPreview) of the last checked file
_DONE = "plan_import_done"  # the outcome of the last confirmed import, shown once
_UPLOADS = "plan_import_uploads"  # bumped after an import so the uploader starts empty

log = logging.getLogger("pdz.plan_import")


def _listed(title: str, items: list[str], *, expanded: bool = False) -> None:
    with st.expander(f"{title}: {len(items)}", expanded=expanded and bool(items)):
        st.markdown("\n".join(f"- {md_escape(i)}" for i in items) or "Nessuna voce.")


def just_imported() -> bool:
    """An import was confirmed and its outcome is still to be shown (the page opens the tab that shows it)."""
    return _DONE in st.session_state


def plan_from_workbook(actor: Actor) -> None:
    """The template download, the uploader and the check or preview of the uploaded workbook."""
    if done := st.session_state.pop(_DONE, None):
        st.success(done, icon="✅")
    st.download_button(
        "Scarica il modello vuoto del piano",
        key="plan_template",
        mime=MIME,
        on_click="ignore",
        icon="📥",
        data=auth_gate.download_data(plan_template.plan_template_for),
        file_name=plan_template.TEMPLATE_FILE,
        help="Gli stessi fogli e colonne dell'esportazione del piano, con istruzioni ed elenchi a tendina.",
    )
    upload = st.file_uploader(
        "Carica il piano in Excel (modello compilato o esportazione, .xlsx, al massimo 10 MB)",
        type=["xlsx"],
        key=f"plan_upload_{st.session_state.get(_UPLOADS, 0)}",
    )
    if upload is None:
        return
    content = upload.getvalue()
    digest = hashlib.sha256(content).hexdigest()
    cached = st.session_state.get(_PREVIEW)
    if cached and cached[0] == digest:
        preview = cached[1]
    else:
        preview = attempt(plan_import.check_plan_import, content, actor=actor)
        if preview is None:  # refused (permission, a YAML plan): the reason is shown
            return
        st.session_state[_PREVIEW] = (digest, preview)
    if preview.problems:
        total = len(preview.problems)
        st.error(
            f"Il file non è stato importato: {total}{' o più' if preview.truncated else ''} "
            f"{'problema da correggere' if total == 1 else 'problemi da correggere'}. Nessun dato è stato modificato.",
            icon="❌",
        )
        plain_table(
            pd.DataFrame(
                [
                    {
                        "Foglio": p.sheet or "—",
                        "Cella": p.cell or "—",
                        "Campo": p.field or "—",
                        "Problema": p.message,
                    }
                    for p in preview.problems
                ]
            ).set_index("Foglio")
        )
        return
    if not preview.ok:
        st.info("Il file non contiene modifiche rispetto al piano nel database.")
        return
    st.markdown(
        f"**Anteprima: {len(preview.created)} voci da creare, {len(preview.changed)} da modificare, "
        f"{len(preview.retired)} da ritirare.** Nulla è ancora stato salvato."
    )
    _listed("Da creare", preview.created)
    _listed("Da modificare", preview.changed, expanded=True)
    _listed("Da ritirare", preview.retired, expanded=True)
    if preview.skipped:
        _listed("Righe del file non importate", preview.skipped)
    if st.button("Conferma l'importazione del piano", type="primary", key="plan_import_confirm", icon="📤"):
        report = attempt(plan_import.apply_plan_import, content, actor=actor)
        if report is None:
            return
        log.info("plan import by %s", actor.username)
        st.session_state[_DONE] = (
            f"Piano importato: {report.inserted} voci create, {report.updated} modificate, {report.retired} ritirate."
        )
        st.session_state.pop(_PREVIEW, None)
        st.session_state[_UPLOADS] = st.session_state.get(_UPLOADS, 0) + 1
        auth_gate.forget_plan_header()
        st.rerun()

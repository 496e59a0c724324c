"""Offline entry: download the template, upload it filled in, read the check, confirm the import."""

from __future__ import annotations

import hashlib
import logging

import pandas as pd
import streamlit as st

from components import auth_gate
from components.actions import attempt
from components.data import call
from components.safe import md_escape, plain_table
from models import entry_import, entry_template
from models.errors import DomainError
from models.permissions import Actor
from models.reports import ConflictError, ValidationFailed
from models.tables import Semester
from models.xlsx import MIME

_PREVIEW = "excel_import_preview"  # (file digest, semester id, ImportPreview) of the last checked file
_DONE = "excel_import_done"  # the outcome of the last confirmed import, shown once
_UPLOADS = "excel_import_uploads"  # bumped after an import so the uploader starts empty

log = logging.getLogger("pdz.import")


def template_download(actor: Actor, semester: Semester, areas: list[str], *, key: str) -> None:
    st.download_button(
        "Scarica il modello Excel",
        key=key,
        mime=MIME,
        on_click="ignore",
        icon="📥",
        data=auth_gate.download_data(entry_template.build_template, semester.id, areas),  # checked at the click
        file_name=call(entry_template.template_file_name, semester.id, areas),
        disabled=not areas,
        help="Obiettivi, azioni, indicatori e spesa delle aree scelte, con i valori già salvati: "
        "si compila senza collegamento e si ricarica qui sotto.",
    )


def _check(actor: Actor, semester: Semester, content: bytes) -> entry_import.ImportPreview:
    digest = hashlib.sha256(content).hexdigest()
    cached = st.session_state.get(_PREVIEW)
    if cached and cached[0] == digest and cached[1] == semester.id:
        return cached[2]
    preview = call(entry_import.check_import, content, semester_id=semester.id, actor=actor)
    st.session_state[_PREVIEW] = (digest, semester.id, preview)
    return preview


def _show_problems(preview: entry_import.ImportPreview) -> None:
    total = len(preview.problems)
    st.error(
        f"Il file non è stato importato: {total}{' o più' if preview.truncated else ''} "
        f"{'problema da correggere' if total == 1 else 'problemi da correggere'}. "
        "Nessun dato è stato modificato.",
        icon="❌",
    )
    # A static table (readable, copyable), the file's text escaped (plain_table).
    # The check stops at entry_import.MAX_PROBLEMS: the session never keeps a huge list.
    plain_table(
        pd.DataFrame(
            [{"Foglio": p.sheet, "Cella": p.cell or "—", "Problema": p.message} for p in preview.problems]
        ).set_index("Foglio")
    )
    if preview.truncated:
        st.caption(
            f"… e forse altri: il controllo si ferma ai primi {entry_import.MAX_PROBLEMS} problemi. "
            "Correggere questi e ricaricare il file."
        )


def _confirm(actor: Actor, preview: entry_import.ImportPreview) -> None:
    def on_error(exc: DomainError) -> bool:
        if isinstance(exc, ValidationFailed):
            st.error("Nulla è stato importato:\n\n" + "\n".join(f"- {md_escape(str(e))}" for e in exc.errors))
        elif isinstance(exc, ConflictError):
            st.error(
                f"Nulla è stato importato. {md_escape(str(exc))} Ricaricare il file per vedere il confronto aggiornato."
            )
            st.session_state.pop(_PREVIEW, None)
        else:
            st.error(f"Nulla è stato importato: {md_escape(str(exc))}")
        return True

    result = attempt(entry_import.apply_import, preview, actor=actor, on_error=on_error)
    if result is None:
        return
    log.info("import by %s: %s changes in %s reports", actor.username, result.changes, result.reports)
    st.session_state[_DONE] = (
        f"Importazione completata: {result.changes} modifiche in {result.reports} report "
        f"({preview.semester_label}). Ogni modifica è nel registro delle modifiche."
    )
    st.session_state.pop(_PREVIEW, None)
    st.session_state[_UPLOADS] = st.session_state.get(_UPLOADS, 0) + 1
    st.rerun()


def upload_and_import(actor: Actor, semester: Semester) -> None:
    """The uploader, the list of problems or the preview of the changes, and the confirmation button."""
    if done := st.session_state.pop(_DONE, None):
        st.success(done, icon="✅")
    upload = st.file_uploader(
        "Carica il modello compilato (.xlsx, al massimo 10 MB)",
        type=["xlsx"],
        key=f"excel_upload_{st.session_state.get(_UPLOADS, 0)}",
    )
    if upload is None:
        return
    preview = _check(actor, semester, upload.getvalue())
    if preview.problems:
        _show_problems(preview)
        return
    if not preview.changes:
        st.info(f"Il file non contiene modifiche rispetto ai dati salvati ({preview.unchanged} obiettivi invariati).")
        return
    st.markdown(
        f"**Anteprima: {len(preview.changes)} modifiche in {len(preview.inputs)} report** "
        f"({preview.semester_label}, aree {', '.join(preview.areas)}; {preview.unchanged} obiettivi "
        "invariati). Nulla è ancora stato salvato."
    )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Area": c.area,
                    "Obiettivo": c.objective,
                    "Campo": c.field,
                    "Prima": c.old or "—",
                    "Dopo": c.new or "—",
                }
                for c in preview.changes
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    overwrite_ok = True
    if preview.notices:
        # Saved in the app after the template was made: importing replaces those values too. Never silently.
        st.warning(
            "Attenzione, dati modificati nell'applicazione dopo la creazione del modello:\n\n"
            + "\n".join(f"- {md_escape(n)}" for n in preview.notices),
            icon="⚠️",
        )
        overwrite_ok = st.checkbox(
            "Ho controllato le modifiche: sostituire anche i dati salvati nel frattempo", key="excel_overwrite"
        )
    if st.button("Conferma l'importazione", type="primary", key="excel_confirm", icon="📤", disabled=not overwrite_ok):
        _confirm(actor, preview)

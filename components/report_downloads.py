"""Downloads of the semester and annual reports (Ufficio di Piano, Comitato Ristretto)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from components import auth_gate
from components.data import call
from models import report_export
from models.dashboard_results import COUNT_OPTIONS
from models.permissions import Actor
from models.tables import Semester
from models.xlsx import MIME

MIMES = {"xlsx": MIME, "html": "text/html"}


def _download(
    where, label: str, key: str, file_name: str, build: Callable[..., Any], *args: Any, **kwargs: Any
) -> None:
    """A download button whose file is built only when clicked, in one transaction, for the user as they are
    at the click (a user deactivated since the page was drawn gets nothing)."""
    where.download_button(
        label,
        key=key,
        mime=MIMES[file_name.rsplit(".", 1)[-1]],
        on_click="ignore",
        icon="📥",
        width="stretch",
        file_name=file_name,
        data=auth_gate.download_data(build, *args, **kwargs),
    )


def show(actor: Actor, semesters: list[Semester], label: Callable[[Semester], str], plan_id: int | None = None) -> None:
    """The report downloads for the semesters of one plan (`plan_id`: the sidebar's choice, None the current)."""
    st.markdown("### Report semestrale e annuale")
    submitted = st.radio(
        "Che cosa si conta", list(COUNT_OPTIONS), horizontal=True, key="rep_submitted", format_func=COUNT_OPTIONS.get
    )
    counted = {"include_submitted": submitted}  # the actor is the one of the click (auth_gate.download_data)
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    semester = left.selectbox("Semestre", semesters, key="rep_semester", format_func=label)
    _download(
        right,
        "Report semestrale .xlsx",
        "rep_semester_xlsx",
        call(report_export.semester_report_name, semester.id),
        report_export.semester_report_xlsx,
        semester.id,
        **counted,
    )
    st.caption(
        "Sintesi per area e per fonte, Tabella Esiti della griglia regionale per ogni obiettivo, indicatori "
        "con target e raggiungimento, spesa per fonte. Pronto per la stampa."
    )

    left, mid, right = st.columns([2, 1, 1], vertical_alignment="bottom")
    year = left.selectbox("Anno", call(report_export.report_years, plan_id=plan_id), key="rep_year")
    _download(
        mid,
        "Report annuale .xlsx",
        "rep_year_xlsx",
        call(report_export.annual_report_file_name, year, "xlsx"),
        report_export.annual_report_xlsx,
        year,
        **counted,
    )
    _download(
        right,
        "Report annuale .html",
        "rep_year_html",
        call(report_export.annual_report_file_name, year, "html"),
        report_export.annual_report_html,
        year,
        **counted,
    )
    st.caption(
        "I due semestri dell'anno insieme, per l'Assemblea dei Sindaci (Report Annuale, entro aprile). "
        "La pagina .html contiene i grafici del cruscotto e si apre senza collegamento a Internet."
    )

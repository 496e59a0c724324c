"""For the reviewer: the notes a lead wrote when sending a report with data missing (models.submission)."""

import streamlit as st

from components.data import call
from components.safe import md_escape
from models.submission import submission_notes


def show(objective_id: int, semester_id: int) -> None:
    for n in call(submission_notes, objective_id, semester_id):
        st.warning(
            f"Inviato con dati mancanti ({n.gaps}) da {md_escape(n.username)} il {n.at:%d/%m/%Y %H:%M}. "
            f"Nota del referente: {md_escape(n.note)}",
            icon="📝",
        )

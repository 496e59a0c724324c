"""The review table of Revisione semestrale: every monitored objective of a semester, filtered by area and state.

At a hundred times the plan the table has 5,000 rows: the rows (models.review.review_table) and the formatted
frame are read once per data version (components.dashboard_cache) and shared, never changed; the filters make
new frames, and the table is sent TABLE_PAGE_SIZE rows at a time (all 5,000 were 1.2 MB at every run).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, cast

import pandas as pd
import streamlit as st

from components import dashboard_cache as cache
from components import pager
from models import review
from models.config import database_url
from models.dashboard_results import COUNTED_LABELS
from models.formatting import budget_euro, euro_cents, local_time, percent
from models.tables import Semester, pk
from models.vocab import CHOOSE_MANY, NO_REPORT, ReportState, plural


def rows(semester_id: int) -> list[dict]:
    """models.review.review_table for today, shared: read it, never change it."""
    return cache.shared(review.review_table, semester_id=semester_id, today=date.today())


@st.cache_resource(show_spinner=False, max_entries=8)
def _frame(db_url: str, counter: int, semester_id: int, today: date, _rows: list[dict]) -> pd.DataFrame:
    """The table as shown, built once per semester and data version (the key names what `_rows` came from)."""
    return pd.DataFrame(
        [
            {
                "Area": r["area"],
                "Obiettivo": r["code"],
                "Referente": r["lead"],
                "Stato": r["state"],
                "In ritardo": "sì" if r["overdue"] else "",
                "Azioni realizzate": r["actions"],
                "Raggiungimento": percent(r["achievement"]) if r["counted"] else "—",
                "Fascia": r["band"],
                "Budget": budget_euro(r["planned"]),
                "Impegnato": euro_cents(r["committed"]),
                "Liquidato": euro_cents(r["paid"]),
                "Liquidato / budget": percent(r["ratio"]),
                "Classe di spesa": r["ratio_class"],
                "Ultima modifica": local_time(r["updated_at"]) if r["updated_at"] else "—",
            }
            for r in _rows
        ],
        columns=[
            "Area",
            "Obiettivo",
            "Referente",
            "Stato",
            "In ritardo",
            "Azioni realizzate",
            "Raggiungimento",
            "Fascia",
            "Budget",
            "Impegnato",
            "Liquidato",
            "Liquidato / budget",
            "Classe di spesa",
            "Ultima modifica",
        ],
    )


def show(table: list[dict], sem: Semester) -> None:
    """The area and state filters, the count of approved reports and the table."""
    f1, f2 = st.columns(2)
    areas = f1.multiselect("Aree", sorted({r["area"] for r in table}), key="rev_areas", placeholder=CHOOSE_MANY)
    states = f2.multiselect(
        "Stato", [NO_REPORT, *[s.value for s in ReportState]], key="rev_states", placeholder=CHOOSE_MANY
    )
    done = sum(r["state"] == ReportState.APPROVATA for r in table)
    approved = (
        f"{plural(done, 'report approvato', 'report approvati')} su {plural(len(table), 'obiettivo', 'obiettivi')}"
    )
    st.caption(
        (f"{approved} · scadenza {sem.deadline:%d/%m/%Y}" if sem.deadline else approved)
        + f" · cifre come nel Cruscotto: {COUNTED_LABELS[review.REVIEW_COUNTS_SUBMITTED].lower()}"
    )
    frame = _frame(database_url(), cache.counter(), pk(sem), date.today(), table)
    if areas:
        frame = frame[frame["Area"].isin(areas)]
    if states:
        frame = frame[frame["Stato"].isin(states)]
    shown = pager.paginate(
        cast("Sequence[Any]", frame),
        key=f"rev_table_page_{pk(sem)}",
        noun="Righe",
        label="Pagina della tabella degli obiettivi",
        size=pager.TABLE_PAGE_SIZE,
    )
    st.dataframe(shown, hide_index=True, width="stretch")

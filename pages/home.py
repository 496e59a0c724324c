"""Panoramica: the plan at a glance and the semesters."""

import pandas as pd
import streamlit as st

from components import auth_gate, onboarding
from components.data import call
from components.safe import plain_table
from models import queries
from models.formatting import budget_euro
from models.permissions import can_open_page
from models.vocab import semester_label

user = auth_gate.signed_in()  # every role; refuses when opened before the entrypoint ran
header = call(queries.plan_header)
st.title("Monitoraggio Piano di Zona")
if header is None:
    st.error("Il piano non è ancora stato caricato nel database.")
    if can_open_page(user.actor.role, "impostazione"):  # the one who can load it gets the way there
        st.page_link("pages/impostazione.py", label="Carica il piano da Excel in Impostazione piano", icon="➡️")
    else:
        st.caption("Lo carica l'Ufficio di Piano, dalla pagina Impostazione piano.")
    st.stop()
st.subheader(f"{header['title']} · {header['ambito']}")
st.caption(
    f"Triennio {header['first_year']}-{header['last_year']} · monitoraggio semestrale "
    "secondo la griglia di valutazione regionale"
)
onboarding.show(user)  # the Ufficio di Piano's set-up steps still to do, first

areas = call(queries.area_summary)
totals = {k: sum(a[k] for a in areas) for k in ("objectives", "actions", "indicators")}
known = [a["budget"] for a in areas if a["budget"] is not None]  # areas without amounts are "da definire"
totals["budget"] = sum(known) if known else None
cols = st.columns(4)
cols[0].metric("Obiettivi specifici", totals["objectives"])
cols[1].metric("Azioni programmate", totals["actions"])
cols[2].metric("Indicatori", totals["indicators"])
cols[3].metric("Budget indicato nel piano", budget_euro(totals["budget"], cents=False))

st.markdown("#### Macro-aree di policy")
table = pd.DataFrame(
    [
        {
            "Area": a["letter"],
            "Titolo": a["title"],
            "Schede": a["cards"],
            "Obiettivi specifici": a["objectives"],
            "Azioni": a["actions"],
            "Indicatori": a["indicators"],
            "Budget": budget_euro(a["budget"]),
        }
        for a in areas
    ]
)
plain_table(table, hide_index=True)

st.markdown("#### Semestri di monitoraggio")
sems = call(queries.semesters)
if not sems:
    st.info("Nessun semestre aperto: l'Ufficio di Piano lo apre dalla pagina Impostazione piano.")
else:
    plain_table(
        pd.DataFrame(
            [
                {
                    "Semestre": semester_label(s["year"], s["half"]),
                    "Stato": s["state"],
                    "Scadenza inserimento": s["deadline"].strftime("%d/%m/%Y") if s["deadline"] else "—",
                }
                for s in sems
            ]
        ),
        hide_index=True,
    )

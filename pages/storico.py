"""The history page of the plan chosen in the sidebar: the final assessment of the plan before it, read-only.
For the first plan, the 2021-2023 outcomes of its document (Chapter 1), as written; for a plan that follows
another in the database, the results written when that plan was closed (models/plan_closing.py).
Bands, labels and colours come from models.scoring and models.vocab; plan texts are shown escaped."""

import pandas as pd
import streamlit as st

from components import auth_gate, pager, plan_selector
from components.chart_view import chart
from components.data import call
from components.safe import band_colours, md_escape, plain_table
from models import charts, plan_browser
from models.plan_browser import source_line, yes_no
from models.scoring import BANDS, SPEND_CLASSES

auth_gate.signed_in()  # every role may read the history
plan_id = plan_selector.selected()
history = call(plan_browser.history_page, plan_id=plan_id)
st.title(history.title)
st.caption(history.intro)

counts = call(plan_browser.history_band_counts, plan_id=plan_id)
total = call(plan_browser.history_count, plan_id=plan_id)
if not total:
    st.info(f"Nessuna scheda di valutazione del piano {history.years} è caricata.")
    st.stop()


tiles = st.columns(len(BANDS) + 1)
tiles[0].metric("Obiettivi valutati", total)
for tile, band in zip(tiles[1:], BANDS):
    tile.metric(f"{band.label} ({band.range_label})", counts[band.label])

area_rows = call(plan_browser.history_area_bands, plan_id=plan_id)
figure = charts.history_bands_by_area(area_rows, counts, history.years)
chart(figure, "storico_chart")

st.markdown("#### Schede di valutazione")
f1, f2 = st.columns(2)
ALL = ""  # a string, not None: a selectbox showing None reads as "nothing chosen"
bands = {b.name.lower(): b for b in BANDS if counts[b.label]}  # stored code -> band, only bands with cards
band_filter = f1.selectbox(
    "Fascia",
    [ALL, *bands],
    key="storico_band",
    format_func=lambda b: "Tutte le fasce" if b == ALL else f"{bands[b].label} ({bands[b].range_label})",
)
area_titles = {r.letter: r.title for r in area_rows if r.letter}
area_filter = f2.selectbox(
    "Macro-area",
    [ALL, *area_titles],
    key="storico_area",
    format_func=lambda a: "Tutte le macro-aree" if a == ALL else f"{a} · {area_titles[a]}",
)
outcomes = call(plan_browser.history_outcomes, band=band_filter or None, area=area_filter or None, plan_id=plan_id)

if not outcomes:
    st.info(f"Nessuna scheda {history.years} con questa fascia in questa macro-area.")
    st.stop()
page_outcomes = pager.paginate(
    outcomes, key="storico_pagina", noun="Schede", label="Pagina delle schede", size=pager.HTML_TABLE_PAGE_SIZE
)
table = pd.DataFrame(
    [
        {
            "Area": o.area_letter or "—",
            "Obiettivo": o.objective,
            "Raggiungimento": o.achievement_range,
            "Fascia": o.band_label,
            "Risorse": o.adequacy_label,
            "Pagato/budget": o.spend_class.short_label if o.spend_class else "—",
            "Bisogno risposto": yes_no(o.need_answered),
            "Riproposto": yes_no(o.proposed_again),
            "Riga": o.line,
        }
        for o in page_outcomes
    ]
)
# an HTML table, not the grid: one page of cards, read in full by a screen reader; the grid's code not loaded
plain_table(table, hide_index=True, column_styles={"Fascia": band_colours})
st.caption(
    "Pagato/budget: "
    + " · ".join(md_escape(f"{c.short_label} {c.label}") for c in SPEND_CLASSES)
    + ". Il dettaglio di ogni scheda, con i testi del documento, è qui sotto."
)

for o in page_outcomes:
    with st.expander(f"{o.band_label} · {md_escape(o.objective)}"):
        st.caption(f"Area: {md_escape(o.area_label)} · {source_line(o.line)}")
        fields = [
            ("Output", o.output),
            ("Grado di raggiungimento", f"{o.achievement_range} · {o.band_label}"),
            ("Valutazione dell'utenza", o.users_assessment),
            (
                "Adeguatezza delle risorse umane e materiali",
                o.adequacy_label + (f". {o.resource_note}" if o.resource_note else ""),
            ),
            ("Risorse pagate rispetto al budget", o.spend_label),
            ("Criticità e piano di miglioramento", o.critical_issues),
            ("Ha risposto a un bisogno con un cambiamento positivo?", o.need_answer),
            ("Verrà riproposto?", o.proposed_answer),
        ]
        if o.continuity_previous is not None:
            fields.append((history.continuity_question, yes_no(o.continuity_previous)))
        # one markdown block, not one per field: the cards are drawn in the page even while closed
        st.markdown(
            "\n\n".join(
                f"**{md_escape(label)}**  \n{md_escape(text) if text else ':gray[non indicato]'}"
                for label, text in fields
            )
        )

"""Il Piano: the plan chosen in the sidebar (the current one by default) as written in the document, read-only
for every role, searchable by word, with the Excel export. The plan is drawn by components/plan_view.py; its
view is read once per data change and shared (components/dashboard_cache.shared)."""

import streamlit as st

from components import auth_gate, dashboard_cache, plan_selector, plan_view
from components.data import call
from components.safe import md_escape
from components.selectors import BY_AREA_OVER
from models import plan_browser, plan_export, queries
from models.vocab import PAGE_TITLES, plural

ALL = ""  # "every area" as a string, not None: a selectbox showing None reads as "nothing chosen"

auth_gate.signed_in()  # every role may read the plan
plan_id = plan_selector.selected()
header = call(queries.plan_header, plan_id=plan_id)
st.title(PAGE_TITLES["piano"])
if header is None:
    st.error("Il piano non è ancora stato caricato nel database.")
    st.stop()
st.caption(
    f"{header['title']} · {header['ambito']} · sola lettura. I testi sono quelli del documento del piano; "
    "ogni voce riporta la riga del documento da cui è tratta."
)

titles = dict(call(plan_browser.area_choices, plan_id=plan_id))
search, choose, download = st.columns([3, 2, 1], vertical_alignment="bottom")
query = search.text_input(
    "Cerca in obiettivi, azioni e indicatori",
    key="piano_query",
    placeholder="una o più parole, es. affido, tirocini, dimissioni protette",
)
dashboard_cache.data_version()  # the plan view is built once per data change, then shared (read-only)
# a plan past BY_AREA_OVER objectives (a hundred times the real one) opens on its first macro-area, not on all
objectives = sum(a["objectives"] for a in dashboard_cache.shared(queries.area_summary, plan_id=plan_id))
area = choose.selectbox(
    "Macro-area",
    [ALL, *titles],
    index=0 if objectives <= BY_AREA_OVER or not titles else 1,
    key="piano_area",
    format_func=lambda x: "Tutte le macro-aree" if x == ALL else f"{x} · {titles[x]}",
)
download.download_button(
    "Scarica Excel",
    data=auth_gate.download_data(plan_export.export_plan_xlsx, pass_actor=False, plan_id=plan_id),
    file_name=call(plan_export.file_name, plan_id=plan_id),
    mime=plan_export.MIME,
    on_click="ignore",
    icon="📥",
    key="piano_excel",
    width="stretch",
    help="Obiettivi, azioni, indicatori e budget del piano in un file Excel.",
)

view = dashboard_cache.shared(plan_browser.plan_tree, query=query or "", area=area or None, plan_id=plan_id)
if view.query:
    if not view.hits.total:
        st.info(f"Nessun obiettivo, azione o indicatore contiene «{md_escape(view.query)}».")
        st.stop()
    found = ", ".join(
        plural(n, one, many)
        for n, one, many in (
            (view.hits.objectives, "obiettivo", "obiettivi"),
            (view.hits.actions, "azione", "azioni"),
            (view.hits.indicators, "indicatore", "indicatori"),
        )
    )
    st.caption(f"Trovati per «{md_escape(view.query)}»: {found} (maiuscole e accenti non contano).")


for area_view in view.areas:
    plan_view.show_area(area_view, view.query, titles)

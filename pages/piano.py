"""Il Piano: the 2025-2027 plan as written in the document, read-only for every role, searchable by word,
with the Excel export. Plan texts are shown escaped (md_escape) or in tables, never as HTML."""

import pandas as pd
import streamlit as st

from components import auth_gate
from components.data import call
from components.safe import md_escape
from models import plan_browser, plan_export, queries
from models.formatting import budget_euro
from models.plan_browser import AreaView, CardView, ObjectiveView, source_line
from models.vocab import PAGE_TITLES, ObjectiveKind, plural

LABEL_CHARS = 150  # an objective's text in its expander label is cut here; the full text is inside
ALL = ""  # "every area" as a string, not None: a selectbox showing None reads as "nothing chosen"

auth_gate.signed_in()  # every role may read the plan
header = call(queries.plan_header)
st.title(PAGE_TITLES["piano"])
if header is None:
    st.error("Il piano non è ancora stato caricato nel database.")
    st.stop()
st.caption(
    f"{header['title']} · {header['ambito']} · sola lettura. I testi sono quelli del documento del piano; "
    "ogni voce riporta la riga del documento da cui è tratta."
)

titles = dict(call(plan_browser.area_choices))
search, choose, download = st.columns([3, 2, 1], vertical_alignment="bottom")
query = search.text_input(
    "Cerca in obiettivi, azioni e indicatori",
    key="piano_query",
    placeholder="una o più parole, es. affido, tirocini, dimissioni protette",
)
area = choose.selectbox(
    "Macro-area",
    [ALL, *titles],
    key="piano_area",
    format_func=lambda x: "Tutte le macro-aree" if x == ALL else f"{x} · {titles[x]}",
)
download.download_button(
    "Scarica Excel",
    data=auth_gate.download_data(plan_export.export_plan_xlsx, pass_actor=False),
    file_name=call(plan_export.file_name),
    mime=plan_export.MIME,
    on_click="ignore",
    icon="📥",
    key="piano_excel",
    width="stretch",
    help="Obiettivi, azioni, indicatori e budget del piano in un file Excel.",
)


view = call(plan_browser.plan_tree, query=query or "", area=area or None)
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


def cut(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def indicator_lines(objective: ObjectiveView) -> str:
    """The indicators by battery (X.23 processo, X.24 output, X.25 outcome), each with unit, target and line."""
    blocks = []
    for battery in plan_browser.BATTERY_ORDER:
        items = [i for i in objective.indicators if i.battery == battery]
        if items:
            lines = [
                f"- {md_escape(i.text)} :gray[· {i.unit_label}"
                + ("" if i.higher_is_better else " · da ridurre")
                + f" · {source_line(i.line)}"
                + (f" · target {md_escape(i.target_label)}" if i.target_label else "")
                + "]"
                for i in items
            ]
            blocks.append(f"*{battery.value.capitalize()}*\n" + "\n".join(lines))
    return "\n\n".join(blocks)


def show_objective(objective: ObjectiveView, expanded: bool) -> None:
    kind = "Obiettivo generale" if objective.kind == "generale" else "Obiettivo"
    with st.expander(f"**{objective.code}** · {md_escape(cut(objective.text))}", expanded=expanded):
        st.markdown(f"**{kind} {objective.code}.** {md_escape(objective.text)}")
        st.caption(source_line(objective.line))
        if objective.actions:
            st.markdown("**Azioni programmate**")
            st.markdown(
                "\n".join(
                    f"{n}. {md_escape(a.text)} :gray[(riga {a.line})]" for n, a in enumerate(objective.actions, start=1)
                )
            )
        if objective.indicators:
            st.markdown("**Indicatori**")
            st.markdown(indicator_lines(objective))
        if not objective.actions and not objective.indicators:
            st.caption("Il piano non associa azioni né indicatori a questo obiettivo.")


def show_budget(card: CardView) -> None:
    if not card.budget:
        st.info("La scheda non indica voci di budget.")
        return
    rows = [
        {
            "Obiettivo": b.objective or "intera scheda",
            "Voce": b.item or b.text,
            "Fonte": b.source_label,
            "Pubblico/privato": b.public_label,
            "Importo": b.amount_label,
            "Natura": b.kind_label,
            "Anno": str(b.year) if b.year else ("triennio" if b.counted else "—"),
            "Testo del piano": b.text,
            "Origine": b.origin_label,
        }
        for b in card.budget
    ]
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        column_config={"Testo del piano": st.column_config.TextColumn(width="large")},
    )
    notes = [f"Budget del piano: {budget_euro(card.budget_total)}"]
    if card.budget_not_counted:
        notes.append(
            f"{plural(len(card.budget_not_counted), 'voce', 'voci')} che il documento indica come esempio "
            "del biennio precedente o come previsione: mostrate, ma escluse dal budget del piano e dai "
            "rapporti di spesa finché l'Ufficio di Piano non imposta il budget per anno"
        )
    if any(b.approximate for b in card.budget):
        notes.append("«circa»: importo stimato nel piano")
    if card.budget_to_complete:
        notes.append(
            f"{plural(card.budget_to_complete, 'voce', 'voci')} da completare (importo non indicato nel piano)"
        )
    st.caption(" · ".join(notes))


def show_details(card: CardView, letter: str) -> None:
    areas = ", ".join(f"{x} · {titles.get(x, x)}" for x in card.transversal_areas) or "nessuna area indicata"
    fields = [
        (f"Destinatari ({letter}.3)", card.target_group, card.target_group_line),
        (f"Risorse di personale dedicate ({letter}.5)", card.staff, card.staff_line),
        (f"Trasversale ad altre aree di policy ({letter}.6): {areas}", card.transversal_text, card.transversal_line),
        (f"Tipo di servizio ({letter}.12): {card.service_kind_label}", card.service_kind_text, card.service_kind_line),
    ]
    for label, text, line in fields:
        st.markdown(f"**{md_escape(label)}**")
        st.markdown(md_escape(text) if text else ":gray[Non indicato nella scheda.]")
        st.caption(source_line(line))


def show_flags(card: CardView, letter: str) -> None:
    for f in card.flags:
        said = f"«{md_escape(f.text)}» · " if f.text else ""
        st.markdown(
            f"{letter}{f.number[1:]} {md_escape(f.question)}: **{f.answer}**  \n:gray[{said}{source_line(f.line)}]"
        )
    st.caption("— : la scheda non risponde, o risponde in modo diverso per obiettivi diversi (vedi il testo).")


def show_card(card: CardView, letter: str) -> None:
    with st.container(border=True):
        st.subheader(f"Scheda {card.code}")
        if card.title:
            st.markdown(f"**{md_escape(card.title)}**")
        actions = sum(len(o.actions) for o in card.objectives)
        indicators = sum(len(o.indicators) for o in card.objectives)
        specific = sum(o.kind == ObjectiveKind.SPECIFICO for o in card.objectives)
        general = len(card.objectives) - specific
        # counted as on the Panoramica: specific objectives (the monitored ones); general ones apart
        st.caption(
            f"{plural(specific, 'obiettivo specifico', 'obiettivi specifici')}"
            + (f" (più {plural(general, 'obiettivo generale', 'obiettivi generali')})" if general else "")
            + " · "
            f"{plural(actions, 'azione', 'azioni')} · {plural(indicators, 'indicatore', 'indicatori')} · "
            f"budget {budget_euro(card.budget_total)} · {source_line(card.line)}"
        )
        tabs = st.tabs(
            ["Obiettivi, azioni e indicatori", "Budget", "Destinatari, personale, servizio", "Domande sì/no"]
        )
        with tabs[0]:
            for objective in card.objectives:
                show_objective(objective, expanded=bool(view.query))
        with tabs[1]:
            show_budget(card)
        with tabs[2]:
            show_details(card, letter)
        with tabs[3]:
            show_flags(card, letter)


def show_area(area_view: AreaView) -> None:
    st.header(f"{area_view.letter} · {md_escape(area_view.title)}", divider="gray")
    st.caption(source_line(area_view.line))
    if area_view.key_points and not view.query:
        with st.expander(f"Punti chiave ({len(area_view.key_points)})"):
            st.markdown("\n".join(f"- {md_escape(text)} :gray[(riga {line})]" for text, line in area_view.key_points))
    if not area_view.cards:
        st.info("Il piano 2025-2027 non ha una scheda obiettivi per quest'area: ne riporta solo i punti chiave.")
    for card in area_view.cards:
        show_card(card, area_view.letter)


for area_view in view.areas:
    show_area(area_view)

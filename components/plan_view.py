"""Il Piano's plan drawn from models/plan_browser's views: areas, cards (objectives with actions and
indicators, budget, details, yes/no questions). Plan texts are shown escaped (md_escape, or html.escape in the
objectives' labels) or in tables, never as HTML.

Drawing costs per element, and a plan can be large (the benchmark's plan is the real one a hundred times): a
card shows its objectives a page at a time (components/pager.py), a page of objectives is one markdown block of
<details> (objectives_markdown), a card's details' or flags' texts are one markdown block each, and only the
card's open tab is drawn.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import pandas as pd
import streamlit as st

from components import dashboard_cache, pager
from components.safe import md_escape
from models import plan_browser
from models.formatting import budget_euro
from models.plan_browser import AreaView, CardView, ObjectiveView, source_line
from models.vocab import ObjectiveKind, plural

OBJECTIVES_PER_PAGE = 20  # a card's objectives shown at a time; the real plan has at most 14 a card

LABEL_CHARS = 150  # an objective's text in its expander label is cut here; the full text is inside


def cut(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def small_note(text: str) -> str:
    """Markdown for a note drawn as st.caption draws it, inside a larger markdown block."""
    return f":small[:gray[{text}]]"


def indicator_lines(objective: ObjectiveView) -> str:
    """The indicators by battery (X.23 processo, X.24 output, X.25 outcome), each with unit, target and line."""
    blocks = []
    for battery in plan_browser.BATTERY_ORDER:
        items = [i for i in objective.indicators if i.battery == battery]
        if items:
            lines = [
                f"- {md_escape(i.text)} :gray[· {md_escape(i.unit_label)}"
                + ("" if i.higher_is_better else " · da ridurre")
                + f" · {source_line(i.line)}"
                + (f" · target {md_escape(i.target_label)}" if i.target_label else "")
                + "]"
                for i in items
            ]
            blocks.append(f"*{battery.value.capitalize()}*\n" + "\n".join(lines))
    return "\n\n".join(blocks)


def objective_block(objective: ObjectiveView) -> tuple[str, str]:
    """An objective's expander label and its text, actions and indicators as one markdown block: at a hundred
    times the plan's size a page shows hundreds of objectives, and every element drawn costs (the line is
    :small[:gray[...]], as a caption looks)."""
    kind = "Obiettivo generale" if objective.kind == "generale" else "Obiettivo"
    parts = [
        f"**{kind} {md_escape(objective.code)}.** {md_escape(objective.text)}",
        small_note(source_line(objective.line)),
    ]
    if objective.actions:
        parts.append("**Azioni programmate**")
        parts.append(
            "\n".join(
                f"{n}. {md_escape(a.text)} :gray[({source_line(a.line)})]" for n, a in enumerate(objective.actions, 1)
            )
        )
    if objective.indicators:
        parts.append("**Indicatori**")
        parts.append(indicator_lines(objective))
    if not objective.actions and not objective.indicators:
        parts.append(small_note("Il piano non associa azioni né indicatori a questo obiettivo."))
    # the label is HTML (it goes in a <summary>, where markdown is not read), the body markdown
    return f"<strong>{html.escape(objective.code)}</strong> · {html.escape(cut(objective.text))}", "\n\n".join(parts)


def objective_blocks(card: CardView) -> tuple[tuple[str, str], ...]:
    return tuple(objective_block(o) for o in card.objectives)


def objectives_markdown(blocks: Iterable[tuple[str, str]], expanded: bool) -> str:
    """A page of objectives as one markdown block of native disclosure widgets (<details>, keyboard-operable
    and announced as such): one element instead of an expander and a markdown each, which at a hundred times
    the plan's size made Il Piano hundreds of elements for the browser to draw."""
    opened = " open" if expanded else ""
    return "\n\n".join(
        f'<details class="pdz-objective"{opened}><summary>{label}</summary>\n\n{body}\n\n</details>'
        for label, body in blocks
    )


def budget_frame(card: CardView) -> pd.DataFrame:
    """The card's budget lines as the Budget tab lists them."""
    return pd.DataFrame(
        [
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
    )


def show_budget(card: CardView) -> None:
    if not card.budget:
        st.info("La scheda non indica voci di budget.")
        return
    st.dataframe(
        # built once per card and data change: a card can have a thousand lines (st.dataframe only reads it)
        dashboard_cache.derived(budget_frame, card, card.code),
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


def show_details(card: CardView, letter: str, titles: dict[str, str]) -> None:
    areas = ", ".join(f"{x} · {titles.get(x, x)}" for x in card.transversal_areas) or "nessuna area indicata"
    fields = [
        (f"Destinatari ({letter}.3)", card.target_group, card.target_group_line),
        (f"Risorse di personale dedicate ({letter}.5)", card.staff, card.staff_line),
        (f"Trasversale ad altre aree di policy ({letter}.6): {areas}", card.transversal_text, card.transversal_line),
        (f"Tipo di servizio ({letter}.12): {card.service_kind_label}", card.service_kind_text, card.service_kind_line),
    ]
    st.markdown(  # one block: every element drawn costs, and a page can hold many cards
        "\n\n".join(
            f"**{md_escape(label)}**\n\n"
            + (md_escape(text) if text else ":gray[Non indicato nella scheda.]")
            + f"\n\n{small_note(source_line(line))}"
            for label, text, line in fields
        )
    )


def show_flags(card: CardView, letter: str) -> None:
    lines = []
    for f in card.flags:
        said = f"«{md_escape(f.text)}» · " if f.text else ""
        lines.append(
            f"{letter}{f.number[1:]} {md_escape(f.question)}: **{f.answer}**  \n:gray[{said}{source_line(f.line)}]"
        )
    st.markdown("\n\n".join(lines))  # one block, as show_details
    st.caption("— : la scheda non risponde, o risponde in modo diverso per obiettivi diversi (vedi il testo).")


def show_card(card: CardView, letter: str, query: str, titles: dict[str, str]) -> None:
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
        # Only the open tab is drawn (on_change="rerun"): a card's budget table and texts cost the browser even
        # when hidden, and a page holds every card of the plan.
        objectives, budget, details, flags = st.tabs(
            ["Obiettivi, azioni e indicatori", "Budget", "Destinatari, personale, servizio", "Domande sì/no"],
            key=f"piano_scheda_{card.code}",
            on_change="rerun",
        )
        if objectives.open:
            with objectives:
                shown = pager.paginate(
                    # written once per card, search and data change (the card's objectives depend on the search)
                    dashboard_cache.derived(objective_blocks, card, card.code, query),
                    label=f"Obiettivi della scheda {card.code} da mostrare",
                    key=f"piano_pagina_{card.code}_{query}",  # a new search starts at its first page
                    noun="Obiettivi",
                    size=OBJECTIVES_PER_PAGE,
                )
                # HTML for the <details> only: labels are html.escape'd, bodies md_escape'd (every <, >, markdown
                # special of a plan text is literal); tests/test_plan_browser.py checks both with a hostile text
                st.markdown(objectives_markdown(shown, expanded=bool(query)), unsafe_allow_html=True)
        if budget.open:
            with budget:
                show_budget(card)
        if details.open:
            with details:
                show_details(card, letter, titles)
        if flags.open:
            with flags:
                show_flags(card, letter)


def show_area(area_view: AreaView, query: str, titles: dict[str, str]) -> None:
    """One macro-area: heading, key points (not while searching) and its cards. `query`: the search shown;
    `titles`: every area's title by letter (the cards name the areas they cross)."""
    st.header(f"{area_view.letter} · {md_escape(area_view.title)}", divider="gray")
    st.caption(source_line(area_view.line))
    if area_view.key_points and not query:
        with st.expander(f"Punti chiave ({len(area_view.key_points)})"):
            st.markdown(
                "\n".join(f"- {md_escape(text)} :gray[({source_line(line)})]" for text, line in area_view.key_points)
            )
    if not area_view.cards:
        st.info("Il piano 2025-2027 non ha una scheda obiettivi per quest'area: ne riporta solo i punti chiave.")
    for card in area_view.cards:
        show_card(card, area_view.letter, query, titles)

"""The semester report form of one objective. Owns its widget keys; returns a ReportInput on save.

Widgets are keyed by objective, semester and a generation number: after a successful save the generation
moves on and the form reloads from the database; after a conflict it does not, so what the user typed stays.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from components.safe import md_escape
from models.formatting import amount_field, number, percent, shorten
from models.reports import EntryView, IndicatorInput, ReportInput, SpendInput
from models.rules import ActionCount, count_actions, retired_note
from models.scoring import Band, band_label, band_or_none, indicator_achievement
from models.vocab import (ADEGUACY_LABELS, BATTERY_ORDER, BATTERY_TITLES, NO, YES, ActionState, FundingSource,
                          SHORT_FUNDING_LABELS, Unit, yes_no_label)

STATES = [s.value for s in ActionState]
UNANSWERED = "—"
YES_NO = [UNANSWERED, YES, NO]
# Screen readers announce a field by its label alone: every repeated field's label says whose it is
# (indicator or funding source), and what submission needs is said in the label, not only by colour.
REQUIRED = " (obbligatorio per l'invio)"
LABEL_SEPARATOR = " – "


def _prefix(view: EntryView) -> str:
    gen = st.session_state.setdefault(f"gen:{view.objective['id']}:{view.semester['id']}", 0)
    return f"e{view.objective['id']}_{view.semester['id']}_{gen}"


def reload(view: EntryView) -> None:
    """Forget typed values: the next run shows what is in the database."""
    st.session_state[f"gen:{view.objective['id']}:{view.semester['id']}"] = \
        st.session_state.get(f"gen:{view.objective['id']}:{view.semester['id']}", 0) + 1


def base(view: EntryView) -> tuple[int | None, dict]:
    """The version and snapshot this editing started from (kept across reruns of one generation)."""
    key = f"{_prefix(view)}:base"
    if key not in st.session_state:
        st.session_state[key] = ((view.report or {}).get("version"), dict(view.snapshot))
    return st.session_state[key]


def rebase(view: EntryView) -> None:
    """Keep the typed values but build on the latest saved version (after reading the conflict)."""
    st.session_state[f"{_prefix(view)}:base"] = ((view.report or {}).get("version"), dict(view.snapshot))


def _band_badge(percent_value: float | None) -> str:
    band = band_or_none(percent_value)
    if band is None:
        return "non calcolabile"
    return f"{percent(percent_value)} · **{band.label}**"


def live_action_count(view: EntryView, states: dict[int, str]) -> ActionCount:
    """The form's live counts: the one rule (models.rules.count_actions) on what the widgets hold now."""
    return count_actions([(a["id"], a["retired"]) for a in view.actions], states)


def achievement_line(count: ActionCount) -> str:
    line = (f"Grado di raggiungimento dell'obiettivo: {count.done} azioni realizzate su {count.planned} → "
            f"{_band_badge(count.achievement)}")
    return line + (f" · {retired_note(count.retired)}" if count.retired else "")


def _value_default(ind: dict) -> str:
    if ind["unit"] == Unit.TESTO:
        return ind["value_text"] or ""
    if ind["value_num"] is None:
        return ""
    return number(ind["value_num"], 2)


def _history_line(ind: dict) -> str:
    if not ind["history"]:
        return "Nessun valore nei semestri precedenti."
    label, value = ind["history"][-1]
    text = number(value, 2) if isinstance(value, (int, float)) else md_escape(str(value))
    trend = ""
    nums = [v for _, v in ind["history"] if isinstance(v, (int, float))]
    if len(nums) >= 2:
        trend = " ↑" if nums[-1] > nums[-2] else (" ↓" if nums[-1] < nums[-2] else " =")
    return f"Ultimo valore: {text} ({label}){trend}"


def show(view: EntryView, *, disabled: bool) -> tuple[ReportInput, str | None]:
    """Draw the form; return what it holds and which button was pressed ('draft', 'submit' or None)."""
    p = _prefix(view)
    report = view.report or {}
    version, snapshot = base(view)
    data = ReportInput(objective_id=view.objective["id"], semester_id=view.semester["id"],
                       base_version=version, base_snapshot=snapshot)

    st.markdown("##### Azioni programmate")
    for a in view.actions:
        label = f"{a['position'] + 1}. {md_escape(a['text'])}" + (" (azione ritirata: non conteggiata)"
                                                                  if a["retired"] else "")
        state = st.radio(label, STATES, index=STATES.index(a["state"]), horizontal=True, key=f"{p}:a{a['id']}",
                         disabled=disabled)
        data.actions[a["id"]] = state
    st.info(achievement_line(live_action_count(view, data.actions)), icon="🚩")

    for battery in BATTERY_ORDER:
        items = [i for i in view.indicators if i["battery"] == battery]
        if not items:
            continue
        st.markdown(f"##### {BATTERY_TITLES[battery]}")
        for ind in items:
            data.indicators[ind["id"]] = _indicator_inputs(p, ind, view.sub_areas, disabled)

    st.markdown("##### Spesa del semestre per fonte di finanziamento")
    data.spend = _spend_inputs(p, view, disabled)

    st.markdown("##### Valutazione (griglia regionale)")
    st.caption("I campi «obbligatorio per l'invio» servono solo per inviare: la bozza si salva anche senza.")
    not_relevant = st.checkbox("Valutazione degli utenti: non pertinente", value=report.get("users_not_relevant", False),
                               key=f"{p}:unr", disabled=disabled)
    data.users_not_relevant = not_relevant
    data.users_assessment = st.text_area("Valutazione da parte degli utenti (customer satisfaction, clima)"
                                         + " (obbligatoria per l'invio, se non è «non pertinente»)",
                                         value=report.get("users_assessment", ""), key=f"{p}:ua",
                                         disabled=disabled or not_relevant, height=80)
    levels = [None, *ADEGUACY_LABELS.keys()]
    current = report.get("resource_adequacy")
    data.resource_adequacy = st.selectbox(
        "Adeguatezza delle risorse umane e strumentali" + REQUIRED, levels,
        index=levels.index(current) if current in levels else 0,
        format_func=lambda v: "— scegliere —" if v is None else ADEGUACY_LABELS[v], key=f"{p}:ra", disabled=disabled)
    data.critical_issues = st.text_area("Criticità rilevate e piano di miglioramento",
                                        value=report.get("critical_issues", ""), key=f"{p}:ci", disabled=disabled)
    data.need_answered, data.need_reason = _yes_no_reason(
        p, "nb", "L'obiettivo ha risposto a un bisogno producendo un cambiamento positivo?" + REQUIRED,
        report.get("need_answered"), report.get("need_reason", ""), disabled)
    data.proposed_again, data.proposed_reason = _yes_no_reason(
        p, "rp", "L'obiettivo verrà riproposto?" + REQUIRED, report.get("proposed_again"), report.get("proposed_reason", ""),
        disabled)

    pressed = None
    if not disabled:
        left, right, _ = st.columns([1, 1, 2])
        if left.button("Salva bozza", key=f"{p}:save", icon="💾", width="stretch"):
            pressed = "draft"
        if right.button("Invia all'Ufficio di Piano", key=f"{p}:submit", type="primary", icon="📤",
                        width="stretch"):
            pressed = "submit"
    return data, pressed


def _indicator_inputs(p: str, ind: dict, sub_areas: list[str], disabled: bool) -> IndicatorInput:
    k = f"{p}:i{ind['id']}"
    whose = LABEL_SEPARATOR + shorten(ind["text"])
    with st.container(border=True):
        st.markdown(md_escape(ind["text"]) + (" *(ritirato)*" if ind["retired"] else ""))
        left, right = st.columns([2, 3])
        unit = ind["unit"]
        if unit == Unit.SI_NO:
            current = yes_no_label(None if ind["value_num"] is None else bool(ind["value_num"])) or UNANSWERED
            answer = left.radio("Valore (sì/no)" + whose, YES_NO, index=YES_NO.index(current), horizontal=True,
                                key=f"{k}:v", disabled=disabled)
            value: object = None if answer == UNANSWERED else answer == YES
        elif unit == Unit.TESTO:
            value = left.text_area("Valore (testo)" + whose, value=_value_default(ind), key=f"{k}:v", disabled=disabled,
                                   height=68)
        else:
            label = "Valore (%, da 0 a 100)" if unit == Unit.PERCENTUALE else "Valore (numero, es. 1.234,5)"
            value = left.text_input(label + whose, value=_value_default(ind), key=f"{k}:v", disabled=disabled)
        note = right.text_input("Nota (facoltativa)" + whose, value=ind["note"], key=f"{k}:n", disabled=disabled)
        facts = [_history_line(ind)]
        if ind["target"] is not None:
            try:
                from models.formatting import parse_number
                num = parse_number(value, "v") if unit != Unit.TESTO and not isinstance(value, bool) else \
                    (float(value) if isinstance(value, bool) else None)
            except ValueError:
                num = None
            ach = indicator_achievement(num, ind["target"], higher_is_better=ind["higher_is_better"])
            facts.append(f"Target {number(ind['target'], 2)}: {_band_badge(ach)}")
        st.caption(" · ".join(facts))
        split: dict[str, object] = {}
        if unit == Unit.NUMERO:
            with st.expander("Ripartizione per sub-ambito (facoltativa)", expanded=bool(ind["split"])):
                cols = st.columns(len(sub_areas) or 1)
                for col, code in zip(cols, sub_areas):
                    old = ind["split"].get(code)
                    # narrow columns: the code is shown, the label (which starts with it) names the indicator
                    col.markdown(f"**{code}**")
                    split[code] = col.text_input(f"{code}{LABEL_SEPARATOR}ripartizione{whose}",
                                                 value="" if old is None else number(old, 2),
                                                 key=f"{k}:s{code}", disabled=disabled, label_visibility="collapsed")
    return IndicatorInput(value=value, note=note, split=split)


def _spend_inputs(p: str, view: EntryView, disabled: bool) -> list[SpendInput]:
    existing = {row["source"]: row for row in view.spend}
    extra_key = f"{p}:extra_sources"
    extra = st.session_state.setdefault(extra_key, [])
    sources = list(dict.fromkeys([*view.budget_sources, *existing.keys(), *extra]))
    if not sources:
        st.caption("Nessuna fonte di finanziamento indicata nel budget di questo obiettivo.")
    out = []
    for source in sources:
        row = existing.get(source, {})
        k = f"{p}:sp{source}"
        whose = LABEL_SEPARATOR + SHORT_FUNDING_LABELS[FundingSource(source)]
        with st.container(border=True):
            st.markdown(f"**{SHORT_FUNDING_LABELS[FundingSource(source)]}**")
            c1, c2, c3 = st.columns(3)
            committed = c1.text_input("Impegnato (€)" + whose, value=amount_field(row["committed"]) if row else "",
                                      key=f"{k}:c", disabled=disabled)
            paid = c2.text_input("Liquidato (€)" + whose, value=amount_field(row["paid"]) if row else "", key=f"{k}:p",
                                 disabled=disabled)
            ref = c3.text_input("Documento giustificativo (rif.)" + whose, value=row.get("document_ref", ""), key=f"{k}:r",
                                disabled=disabled)
            n1, n2 = st.columns([3, 1])
            note = n1.text_input("Nota" + whose, value=row.get("note", ""), key=f"{k}:n", disabled=disabled)
            confirm = n2.checkbox("Confermo liquidato > impegnato" + whose, key=f"{k}:ok", disabled=disabled)
        out.append(SpendInput(source, committed, paid, ref, note, confirm))
    if not disabled:
        others = [s.value for s in FundingSource if s.value not in sources]
        add = st.selectbox("Aggiungi una fonte", [None, *others], key=f"{p}:addsrc",
                           format_func=lambda v: "—" if v is None else SHORT_FUNDING_LABELS[FundingSource(v)])
        if add:
            st.session_state[extra_key] = [*extra, add]
            del st.session_state[f"{p}:addsrc"]
            st.rerun()
    return out


def _yes_no_reason(p: str, key: str, question: str, answer: bool | None, reason: str,
                   disabled: bool) -> tuple[object, str]:
    current = yes_no_label(answer) or UNANSWERED
    left, right = st.columns([1, 3])
    choice = left.radio(question, YES_NO, index=YES_NO.index(current), key=f"{p}:{key}", disabled=disabled)
    why = right.text_area(f"Motivazione (obbligatoria per l'invio){LABEL_SEPARATOR}{question.removesuffix(REQUIRED)}",
                          value=reason, key=f"{p}:{key}r", disabled=disabled, height=68)
    return (None if choice == UNANSWERED else choice), why


def show_changes(changes: list[tuple[str, str | None, str | None]], title: str) -> None:
    if not changes:
        return
    st.markdown(f"**{title}**")
    st.dataframe(pd.DataFrame([{"Campo": f, "Prima": o if o is not None else "—", "Dopo": n if n is not None else "—"}
                               for f, o, n in changes]), hide_index=True, width="stretch")


__all__ = ["Band", "band_label", "reload", "show", "show_changes"]

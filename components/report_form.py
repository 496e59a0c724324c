"""The semester report form of one objective. Owns its widget keys; returns a ReportInput on save.

Widgets are keyed by objective, semester and a generation number: after a successful save the generation
moves on and the form reloads from the database; after a conflict it does not, so what the user typed stays.

Field-level errors: a refused save stores its FieldErrors (each with its `target`, the form field it belongs
to) under this generation; the form then shows each message under its field (every field sits in a container
keyed by its target, `.st-key-fld-...` in the page), the summary at the top with a link to each field, and
moves the keyboard focus to the first one.

Over 400 lines: one function per section of the form, sharing its widget keys and error targets.
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from components.field_errors import error_summary, field_errors
from components.safe import md_escape
from models.entry_flow import completeness
from models.entry_view import EntryView
from models.formatting import amount_field, euro, number, percent, shorten
from models.report_input import split_target
from models.reports import IndicatorInput, ReportInput, SpendInput
from models.rules import ActionCount, count_actions, retired_note
from models.scoring import Band, band_label, band_or_none, indicator_achievement
from models.validation import EURO, FieldError, input_preview
from models.vocab import (
    ADEGUACY_LABELS,
    BATTERY_ORDER,
    BATTERY_TITLES,
    NO,
    SHORT_FUNDING_LABELS,
    YES,
    ActionState,
    FundingSource,
    Unit,
    funding_label,
    yes_no_label,
)

STATES = [s.value for s in ActionState]
UNANSWERED = "—"
YES_NO = [UNANSWERED, YES, NO]
REQUIRED = " (obbligatorio per l'invio)"  # required fields say so in their label, not only with a colour
NOTE_TARGET = "note"  # the completeness note's field (submission.IncompleteReport)
LABEL_SEPARATOR = " – "  # a repeated field's label names its indicator or source


def _prefix(view: EntryView) -> str:
    gen = st.session_state.setdefault(f"gen:{view.objective['id']}:{view.semester['id']}", 0)
    return f"e{view.objective['id']}_{view.semester['id']}_{gen}"


def reload(view: EntryView) -> None:
    """Forget typed values: the next run shows what is in the database."""
    st.session_state[f"gen:{view.objective['id']}:{view.semester['id']}"] = (
        st.session_state.get(f"gen:{view.objective['id']}:{view.semester['id']}", 0) + 1
    )


def base(view: EntryView) -> tuple[int | None, dict]:
    """The version and snapshot this editing started from (kept across reruns of one generation)."""
    key = f"{_prefix(view)}:base"
    if key not in st.session_state:
        st.session_state[key] = ((view.report or {}).get("version"), dict(view.snapshot))
    return st.session_state[key]


def live_action_count(view: EntryView, states: dict[int, str]) -> ActionCount:
    """The form's live counts: the one rule (models.rules.count_actions) on what the widgets hold now."""
    return count_actions([(a["id"], a["retired"]) for a in view.actions], states)


def achievement_line(count: ActionCount) -> str:
    line = (
        f"Grado di raggiungimento dell'obiettivo: {count.done} azioni realizzate su {count.planned} → "
        f"{_band_badge(count.achievement)}"
    )
    return line + (f" · {retired_note(count.retired)}" if count.retired else "")


def set_errors(view: EntryView, errors: list[FieldError]) -> None:
    """Keep a refused save's errors for the next run of this generation, and ask to focus the first one."""
    st.session_state[f"{_prefix(view)}:errors"] = list(errors)
    st.session_state[f"{_prefix(view)}:focus"] = True


def _errors(p: str) -> list[FieldError]:
    return st.session_state.get(f"{p}:errors", [])


def _field(p: str, target: str):
    """The container of one field: its CSS class names it for the error links and the focus."""
    return st.container(key=field_key(target))


def field_key(target: str) -> str:
    return "fld-" + re.sub(r"[^a-zA-Z0-9_-]", "-", target)


def gap_note(view: EntryView) -> str:
    """The note the lead wrote to send the report with data missing."""
    return st.session_state.get(f"{_prefix(view)}:gapnote", "")


def rebase(view: EntryView) -> None:
    """Keep the typed values but build on the latest saved version (after reading the conflict)."""
    st.session_state[f"{_prefix(view)}:base"] = ((view.report or {}).get("version"), dict(view.snapshot))


def _band_badge(percent_value: float | None) -> str:
    band = band_or_none(percent_value)
    if band is None:
        return "non calcolabile"
    return f"{percent(percent_value)} · **{band.label}**"


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
    data = ReportInput(
        objective_id=view.objective["id"], semester_id=view.semester["id"], base_version=version, base_snapshot=snapshot
    )
    errors = _errors(p)
    if errors:
        error_summary(
            errors,
            [field_key(e.target) if e.target else None for e in errors],
            focus=st.session_state.pop(f"{p}:focus", False),
        )
    if not disabled:
        st.caption(
            "La bozza si salva in ogni momento; i campi segnati «obbligatorio per l'invio» servono per "
            "inviare il report all'Ufficio di Piano."
        )

    st.markdown("##### Azioni programmate")
    if view.carried_from and not disabled:
        st.caption(
            "Stati ripresi dall'ultimo report approvato (" + ", ".join(view.carried_from) + "): "
            "aggiornarli se sono cambiati."
        )
    for a in view.actions:
        label = f"{a['position'] + 1}. {md_escape(a['text'])}" + (
            " (azione ritirata: non conteggiata)" if a["retired"] else ""
        )
        with _field(p, f"action:{a['id']}"):
            state = st.radio(
                label, STATES, index=STATES.index(a["state"]), horizontal=True, key=f"{p}:a{a['id']}", disabled=disabled
            )
            field_errors(errors, f"action:{a['id']}")
        data.actions[a["id"]] = state
    st.info(achievement_line(live_action_count(view, data.actions)), icon="🚩")

    for battery in BATTERY_ORDER:
        items = [i for i in view.indicators if i["battery"] == battery]
        if not items:
            continue
        st.markdown(f"##### {BATTERY_TITLES[battery]}")
        for ind in items:
            with _field(p, f"indicator:{ind['id']}"):
                data.indicators[ind["id"]] = _indicator_inputs(p, ind, view.sub_areas, disabled, errors)

    st.markdown("##### Spesa del semestre per fonte di finanziamento")
    data.spend = _spend_inputs(p, view, disabled, errors)

    st.markdown("##### Valutazione (griglia regionale)")
    with _field(p, "q:users_assessment"):
        not_relevant = st.checkbox(
            "Valutazione degli utenti: non pertinente",
            value=report.get("users_not_relevant", False),
            key=f"{p}:unr",
            disabled=disabled,
        )
        data.users_not_relevant = not_relevant
        data.users_assessment = st.text_area(
            "Valutazione da parte degli utenti (customer satisfaction, clima)" + REQUIRED,
            value=report.get("users_assessment", ""),
            key=f"{p}:ua",
            disabled=disabled or not_relevant,
            height=80,
            help="Obbligatoria per l'invio, oppure «non pertinente».",
        )
        field_errors(errors, "q:users_assessment")
    levels = [None, *ADEGUACY_LABELS.keys()]
    current = report.get("resource_adequacy")
    with _field(p, "q:resource_adequacy"):
        data.resource_adequacy = st.selectbox(
            "Adeguatezza delle risorse umane e strumentali" + REQUIRED,
            levels,
            index=levels.index(current) if current in levels else 0,
            format_func=lambda v: "— scegliere —" if v is None else ADEGUACY_LABELS[v],
            key=f"{p}:ra",
            disabled=disabled,
        )
        field_errors(errors, "q:resource_adequacy")
    with _field(p, "q:critical_issues"):
        data.critical_issues = st.text_area(
            "Criticità rilevate e piano di miglioramento",
            value=report.get("critical_issues", ""),
            key=f"{p}:ci",
            disabled=disabled,
        )
        field_errors(errors, "q:critical_issues")
    data.need_answered, data.need_reason = _yes_no_reason(
        p,
        "nb",
        "L'obiettivo ha risposto a un bisogno producendo un cambiamento positivo?",
        report.get("need_answered"),
        report.get("need_reason", ""),
        disabled,
        errors,
        ("need_answered", "need_reason"),
    )
    data.proposed_again, data.proposed_reason = _yes_no_reason(
        p,
        "rp",
        "L'obiettivo verrà riproposto?",
        report.get("proposed_again"),
        report.get("proposed_reason", ""),
        disabled,
        errors,
        ("proposed_again", "proposed_reason"),
    )

    pressed = None
    if not disabled:
        _completeness_note(p, view, data, errors)
        left, right, _ = st.columns([1, 1, 2])
        if left.button("Salva bozza", key=f"{p}:save", icon="💾", width="stretch"):
            pressed = "draft"
        if right.button("Invia all'Ufficio di Piano", key=f"{p}:submit", type="primary", icon="📤", width="stretch"):
            pressed = "submit"
    return data, pressed


def _completeness_note(p: str, view: EntryView, data: ReportInput, errors: list[FieldError]) -> None:
    """Before sending: what is still empty, and the note that lets the lead send anyway (models.submission)."""
    names = {i["id"]: i["text"] for i in view.indicators}
    gaps = completeness(
        [(names[i], v.value) for i, v in data.indicators.items()],
        [(funding_label(s.source), s.committed, s.paid) for s in data.spend],
    )
    if gaps.complete:
        return
    with _field(p, NOTE_TARGET):
        with st.container(border=True):
            st.markdown(f"**Prima dell'invio: {gaps.summary}.**")
            listed = [f"- indicatore: {md_escape(n)}" for n in gaps.indicators_without_value] + [
                f"- fonte senza spesa: {md_escape(n)}" for n in gaps.sources_without_spend
            ]
            with st.expander("Elenco dei dati mancanti"):
                st.markdown("\n".join(listed))
            st.text_area(
                "Nota sui dati mancanti (obbligatoria per inviare il report così)",
                key=f"{p}:gapnote",
                height=68,
                help="La nota resta con il report ed è visibile all'Ufficio di Piano.",
            )
            field_errors(errors, NOTE_TARGET)


def _indicator_inputs(
    p: str, ind: dict, sub_areas: list[str], disabled: bool, errors: list[FieldError]
) -> IndicatorInput:
    k = f"{p}:i{ind['id']}"
    whose = LABEL_SEPARATOR + shorten(ind["text"])
    with st.container(border=True):
        st.markdown(md_escape(ind["text"]) + (" *(ritirato)*" if ind["retired"] else ""))
        left, right = st.columns([2, 3])
        unit = ind["unit"]
        if unit == Unit.SI_NO:
            current = yes_no_label(None if ind["value_num"] is None else bool(ind["value_num"])) or UNANSWERED
            answer = left.radio(
                "Valore (sì/no)" + whose,
                YES_NO,
                index=YES_NO.index(current),
                horizontal=True,
                key=f"{k}:v",
                disabled=disabled,
            )
            value: str | bool | None = None if answer == UNANSWERED else answer == YES
        elif unit == Unit.TESTO:
            value = left.text_area(
                "Valore (testo)" + whose, value=_value_default(ind), key=f"{k}:v", disabled=disabled, height=68
            )
        else:
            label = "Valore (%, da 0 a 100)" if unit == Unit.PERCENTUALE else "Valore (numero, es. 1.234,5)"
            value = left.text_input(label + whose, value=_value_default(ind), key=f"{k}:v", disabled=disabled)
            _as_saved(left, value, "Valore", unit)
        note = right.text_input("Nota (facoltativa)" + whose, value=ind["note"], key=f"{k}:n", disabled=disabled)
        facts = [_history_line(ind)]
        if ind["target"] is not None:
            try:
                from models.formatting import parse_number

                num = (
                    parse_number(value, "v")
                    if unit != Unit.TESTO and not isinstance(value, bool)
                    else (float(value) if isinstance(value, bool) else None)
                )
            except ValueError:
                num = None
            ach = indicator_achievement(num, ind["target"], higher_is_better=ind["higher_is_better"])
            facts.append(f"Target {number(ind['target'], 2)}: {_band_badge(ach)}")
        st.caption(" · ".join(facts))
        field_errors(errors, f"indicator:{ind['id']}")
        split = {}
        if unit == Unit.NUMERO:
            target = split_target(ind["id"])
            with _field(p, target):
                refusal = next((e for e in errors if e.target == target), None)
                split = _split_inputs(k, ind, sub_areas, disabled, whose, refusal=refusal)
                field_errors(errors, target)
    return IndicatorInput(value=value, note=note, split=split)


def _split_inputs(
    k: str, ind: dict, sub_areas: list[str], disabled: bool, whose: str, *, refusal: FieldError | None
) -> dict[str, object]:
    """The optional split by sub-area, its fields drawn only while its expander is open: seven fields an
    indicator, most never used, were 70 of the 440 elements of the plan's largest objective. What was typed stays
    (kept under `k`:split) while the expander is closed, and a closed split is saved as it was typed or stored.
    A refused split opens, once per refusal (the lead may close it again), so what to correct is in sight."""
    draft_key, open_key = f"{k}:split", f"{k}:split_open"
    stored = {code: "" if ind["split"].get(code) is None else number(ind["split"][code], 2) for code in sub_areas}
    values: dict[str, object] = {**stored, **st.session_state.get(draft_key, {})}
    if refusal is not None and st.session_state.get(f"{open_key}:refusal") is not refusal:
        st.session_state[open_key] = True
        st.session_state[f"{open_key}:refusal"] = refusal
    box = st.expander(
        "Ripartizione per sub-ambito (facoltativa)",
        expanded=bool(ind["split"]),
        key=open_key,
        on_change="rerun",
    )
    if not box.open:
        return values
    with box:
        cols = st.columns(len(sub_areas) or 1)
        for col, code in zip(cols, sub_areas):
            # narrow columns: the code is shown, the label (which starts with it) names the indicator
            col.markdown(f"**{code}**")
            values[code] = col.text_input(
                f"{code}{LABEL_SEPARATOR}ripartizione{whose}",
                value=str(values[code]),
                key=f"{k}:s{code}",
                disabled=disabled,
                label_visibility="collapsed",
            )
            if values[code]:
                _as_saved(col, values[code], code, Unit.NUMERO)
    st.session_state[draft_key] = dict(values)
    return values


def _as_saved(target, raw: object, field: str, unit: str) -> None:
    """Beside a number input: the value exactly as it will be saved, or why it will be refused (the domain's
    own parser and limits, so the preview and the save never disagree)."""
    ok, text = input_preview(raw, field, unit=unit)
    target.caption(md_escape(text) if ok else f"⚠️ {md_escape(text)}")


def _source_context_line(view: EntryView, source: str) -> str:
    ctx = view.source_context.get(source)
    if ctx is None:
        return "Nessun budget indicato per questa fonte; nessuna spesa nei semestri precedenti."
    budget = "Budget non indicato" if ctx.budget is None else f"Budget dell'obiettivo {euro(ctx.budget, 2)}"
    return (
        f"{budget} · nei semestri precedenti (report approvati): impegnato {euro(ctx.committed_before, 2)}, "
        f"liquidato {euro(ctx.paid_before, 2)}"
    )


def _spend_inputs(p: str, view: EntryView, disabled: bool, errors: list[FieldError]) -> list[SpendInput]:
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
        with _field(p, f"spend:{source}"), st.container(border=True):
            st.markdown(f"**{SHORT_FUNDING_LABELS[FundingSource(source)]}**")
            st.caption(_source_context_line(view, source))
            c1, c2, c3 = st.columns(3)
            committed = c1.text_input(
                "Impegnato (€)" + whose,
                value=amount_field(row["committed"]) if row else "",
                key=f"{k}:c",
                disabled=disabled,
            )
            _as_saved(c1, committed, "Impegnato", EURO)
            paid = c2.text_input(
                "Liquidato (€)" + whose, value=amount_field(row["paid"]) if row else "", key=f"{k}:p", disabled=disabled
            )
            _as_saved(c2, paid, "Liquidato", EURO)
            ref = c3.text_input(
                "Documento giustificativo (rif.)" + whose,
                value=row.get("document_ref", ""),
                key=f"{k}:r",
                disabled=disabled,
            )
            n1, n2 = st.columns([3, 1])
            note = n1.text_input("Nota" + whose, value=row.get("note", ""), key=f"{k}:n", disabled=disabled)
            confirm = n2.checkbox(
                "Confermo gli importi" + whose,
                key=f"{k}:ok",
                disabled=disabled,
                help="Serve, con una nota che spieghi il motivo, quando il liquidato supera "
                "l'impegnato o un importo supera di oltre 3 volte il budget dell'obiettivo.",
            )
            if row and row["paid"] > row["committed"]:
                n2.caption("Conferma già data: resta valida finché gli importi non cambiano.")
            field_errors(errors, f"spend:{source}")
        out.append(SpendInput(source, committed, paid, ref, note, confirm))
    if not disabled:
        others = [s.value for s in FundingSource if s.value not in sources]
        add = st.selectbox(
            "Aggiungi una fonte",
            [None, *others],
            key=f"{p}:addsrc",
            format_func=lambda v: "—" if v is None else SHORT_FUNDING_LABELS[FundingSource(v)],
        )
        if add:
            st.session_state[extra_key] = [*extra, add]
            del st.session_state[f"{p}:addsrc"]
            st.rerun()
    return out


def _yes_no_reason(
    p: str,
    key: str,
    question: str,
    answer: bool | None,
    reason: str,
    disabled: bool,
    errors: list[FieldError],
    targets: tuple[str, str],
) -> tuple[object, str]:
    current = yes_no_label(answer) or UNANSWERED
    left, right = st.columns([1, 3])
    with left, _field(p, f"q:{targets[0]}"):
        choice = st.radio(question + REQUIRED, YES_NO, index=YES_NO.index(current), key=f"{p}:{key}", disabled=disabled)
        field_errors(errors, f"q:{targets[0]}")
    with right, _field(p, f"q:{targets[1]}"):
        why = st.text_area(
            f"Motivazione{REQUIRED}{LABEL_SEPARATOR}{question}",
            value=reason,
            key=f"{p}:{key}r",
            disabled=disabled,
            height=68,
        )
        field_errors(errors, f"q:{targets[1]}")
    return (None if choice == UNANSWERED else choice), why


def show_changes(changes: list[tuple[str, str | None, str | None]], title: str) -> None:
    if not changes:
        return
    st.markdown(f"**{title}**")
    st.dataframe(
        pd.DataFrame(
            [
                {"Campo": f, "Prima": o if o is not None else "—", "Dopo": n if n is not None else "—"}
                for f, o, n in changes
            ]
        ),
        hide_index=True,
        width="stretch",
    )


__all__ = ["Band", "band_label", "reload", "show", "show_changes"]

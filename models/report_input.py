"""What the report form sends (ReportInput) and the form's rules on it (clean_report): every check of a field,
the spend lines' budget confirmation, what a submission requires. Writes nothing, reads nothing: the objective's
saved data comes in its models/report_context.ReportContext. models/reports.py saves what this cleans.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from models.errors import DomainError
from models.report_context import ReportContext, short
from models.tables import Spend
from models.validation import (
    EURO,
    MAX_NOTE,
    MAX_REF,
    FieldError,
    clean_action_state,
    clean_adequacy,
    clean_indicator_value,
    clean_number,
    clean_spend,
    clean_split,
    clean_text,
    clean_yes_no,
    over_budget,
    over_budget_message,
)
from models.vocab import FundingSource, funding_label


class ValidationFailed(DomainError, ValueError):
    """Every problem of a submitted form; nothing was written."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


# --- what the form edits ----------------------------------------------------------------------


@dataclass
class IndicatorInput:
    value: Any = None  # raw: text as typed, number, or bool
    note: str = ""
    split: dict[str, Any] = field(default_factory=dict)  # sub-area code -> raw value


@dataclass
class SpendInput:
    source: str
    committed: Any = None
    paid: Any = None
    document_ref: str = ""
    note: str = ""
    confirmed_over: bool = False


@dataclass
class ReportInput:
    objective_id: int
    semester_id: int
    base_version: int | None  # the version the user started from; None for a report not yet saved
    base_snapshot: dict[str, str | None] = field(default_factory=dict)
    actions: dict[int, Any] = field(default_factory=dict)
    indicators: dict[int, IndicatorInput] = field(default_factory=dict)
    spend: list[SpendInput] = field(default_factory=list)
    users_assessment: str = ""
    users_not_relevant: bool = False
    resource_adequacy: Any = None
    critical_issues: str = ""
    need_answered: Any = None
    need_reason: str = ""
    proposed_again: Any = None
    proposed_reason: str = ""


@dataclass
class CleanReport:
    actions: dict[int, str]
    values: dict[int, tuple[float | None, str, str, dict[str, float]]]  # num, text, note, split
    spend: list[tuple[str, float, float, str, str]]  # source, committed, paid, ref, note
    qualitative: dict[str, Any]


def clean_report(ctx: ReportContext, data: ReportInput, *, submitting: bool) -> CleanReport:
    """validate_report on an objective's loaded context (models/report_context.py)."""
    errors: list[FieldError] = []
    actions = {a.id: a for a in ctx.actions}
    indicators = {i.id: i for i in ctx.indicators}
    sub_codes = set(ctx.sub_areas)
    clean = CleanReport(actions={}, values={}, spend=[], qualitative={})

    for action_id, raw in data.actions.items():
        action = actions.get(action_id)
        if action is None:
            errors.append(FieldError("Azioni", f"azione {action_id} non appartiene all'obiettivo."))
            continue
        try:
            clean.actions[action_id] = clean_action_state(raw, f"Azione {action.position + 1}")
        except FieldError as exc:
            errors.append(_at(exc, f"action:{action_id}"))
    for ind_id, given in data.indicators.items():
        ind = indicators.get(ind_id)
        if ind is None:
            errors.append(FieldError("Indicatori", f"indicatore {ind_id} non appartiene all'obiettivo."))
            continue
        label = f"Indicatore «{short(ind.text, 50)}»"
        target = f"indicator:{ind_id}"
        try:
            num, text = clean_indicator_value(ind.unit, given.value, label)
            note = clean_text(given.note, f"{label} – nota", limit=MAX_NOTE)
            target = split_target(ind_id)  # what is left to check is the split by sub-area
            unknown = set(given.split) - sub_codes
            if unknown:
                raise FieldError(label, f"sub-ambiti sconosciuti: {', '.join(sorted(unknown))}.")
            split = clean_split(ind.unit, num, given.split, label)
            clean.values[ind_id] = (num, text, note, split)
        except FieldError as exc:
            errors.append(_at(exc, target))
    errors.extend(_clean_spend_lines(ctx, data, clean))
    q = clean.qualitative
    for key, label, fn in (
        ("users_assessment", "Valutazione degli utenti", clean_text),
        ("critical_issues", "Criticità e piano di miglioramento", clean_text),
        ("need_reason", "Bisogno soddisfatto – motivazione", clean_text),
        ("proposed_reason", "Da riproporre – motivazione", clean_text),
        ("need_answered", "Bisogno soddisfatto (SI/NO)", clean_yes_no),
        ("proposed_again", "Da riproporre (SI/NO)", clean_yes_no),
        ("resource_adequacy", "Adeguatezza delle risorse", clean_adequacy),
    ):
        try:
            q[key] = fn(getattr(data, key), label)
        except FieldError as exc:
            errors.append(_at(exc, f"q:{key}"))
    q["users_not_relevant"] = bool(data.users_not_relevant)
    if q.get("users_not_relevant"):
        q["users_assessment"] = ""
    if submitting and not errors:
        errors.extend(_required_for_submission(q))
    if errors:
        raise ValidationFailed(errors)
    return clean


def _already_confirmed(saved: Spend | None, item: SpendInput, label: str) -> bool:
    """A confirmation given with a save stays valid while the figures are the ones saved with it."""
    if saved is None:
        return False
    try:
        committed = clean_number(item.committed, label, unit=EURO) or 0.0
        paid = clean_number(item.paid, label, unit=EURO) or 0.0
    except FieldError:
        return False
    return committed == saved.committed and paid == saved.paid


def _clean_spend_lines(ctx: ReportContext, data: ReportInput, clean: CleanReport) -> list[FieldError]:
    """Spend lines: one per source; an empty line is left out (no data, not zero spent); paid above committed
    and amounts far above the objective's budget need a confirmation with a note (kept while unchanged)."""
    errors: list[FieldError] = []
    by_source, total_budget = ctx.budget
    saved = ctx.spends
    seen_sources: set[str] = set()
    explained = False
    for item in data.spend:
        if item.source not in tuple(FundingSource):
            errors.append(FieldError("Spesa – fonte", f"fonte «{item.source}» non ammessa."))
            continue
        label = f"Spesa {funding_label(item.source)}"
        if item.source in seen_sources:
            errors.append(_at(FieldError(label, "fonte ripetuta: una riga per fonte."), f"spend:{item.source}"))
            continue
        seen_sources.add(item.source)
        confirmed = item.confirmed_over or _already_confirmed(saved.get(item.source), item, label)
        try:
            line = clean_spend(
                item.committed,
                item.paid,
                item.note,
                confirmed=confirmed,
                field=label,
                budget=by_source.get(item.source) or total_budget or None,
            )
            ref = clean_text(item.document_ref, f"{label} – documento", limit=MAX_REF)
        except FieldError as exc:
            errors.append(_at(exc, f"spend:{item.source}"))
            continue
        if line is None:
            if ref or str(item.note or "").strip():
                errors.append(
                    _at(
                        FieldError(
                            f"{label} – impegnato",
                            "indicare l'impegnato o il liquidato (anche 0), oppure svuotare documento e nota.",
                        ),
                        f"spend:{item.source}",
                    )
                )
            continue
        committed, paid, note = line
        explained = explained or (confirmed and bool(note))
        clean.spend.append((item.source, committed, paid, ref, note))
    committed_total = sum(row[1] for row in clean.spend)
    paid_total = sum(row[2] for row in clean.spend)
    for what, amount in (("impegnato", committed_total), ("liquidato", paid_total)):
        if over_budget(amount, total_budget) and not explained and not errors:
            errors.append(FieldError(f"Spesa – totale {what}", over_budget_message(amount, total_budget)))
            break
    return errors


def _required_for_submission(q: dict[str, Any]) -> list[FieldError]:
    missing = []
    if not q["users_not_relevant"] and not q["users_assessment"]:
        missing.append(
            _at(
                FieldError("Valutazione degli utenti", "indicare la valutazione o «non pertinente»."),
                "q:users_assessment",
            )
        )
    if q["resource_adequacy"] is None:
        missing.append(
            _at(
                FieldError("Adeguatezza delle risorse", "scegliere un livello prima dell'invio."), "q:resource_adequacy"
            )
        )
    for key, reason, label in (
        ("need_answered", "need_reason", "Bisogno soddisfatto"),
        ("proposed_again", "proposed_reason", "Da riproporre"),
    ):
        if q[key] is None:
            missing.append(_at(FieldError(label, "rispondere SI o NO prima dell'invio."), f"q:{key}"))
        elif not q[reason]:
            missing.append(
                _at(FieldError(f"{label} – motivazione", "motivare la risposta prima dell'invio."), f"q:{reason}")
            )
    return missing


def split_target(indicator_id: int) -> str:
    """The form field of an indicator's split by sub-area (its own field: the form opens it to show the error)."""
    return f"indicator:{indicator_id}:split"


def _at(error: FieldError, target: str) -> FieldError:
    """Tie an error to the form field it belongs to (see FieldError.target)."""
    error.target = target
    return error

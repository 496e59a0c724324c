"""Validation rules for semester data: one place, used by the form, the Excel import and the tests.

Each function returns the clean value or raises FieldError naming the field in Italian.
"""

from __future__ import annotations

import math
import unicodedata

from models.errors import DomainError
from models.formatting import parse_number
from models.vocab import ActionState, ResourceAdequacy, Unit

MAX_TEXT = 4000  # long enough for a critical-issues paragraph, short enough to keep exports readable
MAX_NOTE = 1000
MAX_REF = 200
SPLIT_TOLERANCE = 1e-6

# Plausibility limits: what no Ambito can spend or count. A value above them is a typing error (a misplaced
# separator, a pasted cell), refused with the limit in the message rather than shown to the Comitato.
EURO = "euro"  # the kind of an amount field, beside the indicator units of models.vocab.Unit
MAX_EURO = 100_000_000.0  # per line: the whole yearly social spend of a large Ambito is a few tens of millions
MAX_COUNT = 10_000_000.0  # people, meetings, services: Lombardy has 10 million inhabitants
MAX_PERCENT = 100.0
OVER_BUDGET_FACTOR = 3  # committed or paid above 3x the objective's budget: ask for confirmation and a note
LIMITS = {
    EURO: (MAX_EURO, "un importo (per riga)"),
    Unit.NUMERO: (MAX_COUNT, "un conteggio"),
    Unit.PERCENTUALE: (MAX_PERCENT, "una percentuale"),
}


class FieldError(DomainError, ValueError):
    """A bad value: `field` names it in Italian, `message` says what is wrong; `target` (set by whoever knows
    the form, e.g. "indicator:12") names the form field it belongs to, so the form can show it there."""

    target: str | None = None

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


_YES = {"sì", "si", "s", "yes", "y", "true", "vero", "1", "x"}
_NO = {"no", "n", "false", "falso", "0"}


def clean_number(raw: object, field: str, *, unit: str = Unit.NUMERO) -> float | None:
    """A count (unit NUMERO, the default), an amount in euro (unit EURO) or a percentage: finite, >= 0 and
    within its kind's limit (LIMITS). Empty is None. Texts are read by formatting.parse_number (certain
    readings only); floats from Excel go through the same limits."""
    if isinstance(raw, str) and raw.strip() == "":
        return None
    try:
        value = parse_number(raw, field)
    except ValueError as exc:
        raise FieldError(field, str(exc).split(": ", 1)[-1]) from None
    if value is None:
        return None
    if value < 0:
        raise FieldError(field, f"il valore non può essere negativo ({_show(value)}).")
    if unit == Unit.PERCENTUALE and value > MAX_PERCENT:
        raise FieldError(field, f"una percentuale va da 0 a 100 (inserito {_show(value)}).")
    limit, what = LIMITS.get(unit, LIMITS[Unit.NUMERO])
    if value > limit:
        suffix = " €" if unit == EURO else ""
        typed = raw.strip() if isinstance(raw, str) else _show(value)
        raise FieldError(
            field,
            f"valore non plausibile ({typed}{suffix}): il massimo per {what} è "
            f"{_show(limit)}{suffix}. Controllare i separatori (es. 1.234,56).",
        )
    return value


def clean_target(
    unit: str, baseline: object, target: object, *, baseline_field: str = "Baseline", target_field: str = "Target"
) -> tuple[float | None, float | None]:
    """An indicator's baseline and target for a year, read by its unit's rules (Impostazione piano and the plan
    workbook alike): a text indicator has none, a yes/no one has 1 (sì) or 0 (no), the others a number."""
    if unit == Unit.TESTO:
        for raw, name in ((target, target_field), (baseline, baseline_field)):
            if str(raw if raw is not None else "").strip():
                raise FieldError(name, "un indicatore testuale non ha valori numerici.")
        return None, None
    as_number = unit if unit != Unit.SI_NO else Unit.NUMERO
    base = clean_number(baseline, baseline_field, unit=as_number)
    tgt = clean_number(target, target_field, unit=as_number)
    if unit == Unit.SI_NO:
        for value, name in ((tgt, target_field), (base, baseline_field)):
            if value not in (None, 0, 1):
                raise FieldError(name, "per un indicatore sì/no il valore è 1 (sì) o 0 (no).")
    return base, tgt


def input_preview(raw: object, field: str, *, unit: str = Unit.NUMERO) -> tuple[bool, str]:
    """What the form shows beside a number input: (True, the value as it will be saved, e.g. "1.234,56 €") or
    (False, the Italian refusal of clean_number). Empty: (True, "vuoto: nessun dato")."""
    try:
        value = clean_number(raw, field, unit=unit)
    except FieldError as exc:
        return False, str(exc)
    if value is None:
        return True, "Vuoto: nessun dato"
    text = _exact(value)
    if unit == EURO:
        whole, _, cents = text.partition(",")
        return True, f"Si salverà: {whole},{cents.ljust(2, '0')} €"
    return True, f"Si salverà: {text}{' %' if unit == Unit.PERCENTUALE else ''}"


def _exact(value: float) -> str:
    """Every decimal that was typed (up to 6), Italian separators: the preview never rounds what is saved."""
    from models.formatting import number

    return number(value, 6)


def plausible_amount(value: float | None) -> bool:
    """A stored amount the figures can use: finite and within 0..MAX_EURO (older or hand-written rows may not
    be). Dashboards and exports leave the others out of their sums and show "valore non valido"."""
    return value is not None and math.isfinite(value) and 0 <= value <= MAX_EURO


def clean_yes_no(raw: object, field: str) -> bool | None:
    if raw is None or isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw)
    text = str(raw).strip().lower()
    if text == "":
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise FieldError(field, f"atteso sì o no, trovato «{raw}».")


def clean_text(raw: object, field: str, *, limit: int = MAX_TEXT) -> str:
    """Trimmed text of at most `limit` characters, without control characters: they are invisible, break
    exports and PostgreSQL refuses NUL. Line breaks and tabs are kept in texts of a note's length or more
    (MAX_NOTE: notes and paragraphs), refused in short fields (references, names)."""
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raw = str(raw)
    text = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > limit:
        raise FieldError(field, f"testo troppo lungo ({len(text)} caratteri, massimo {limit}).")
    refuse_control_characters(text, field, multiline=limit >= MAX_NOTE)
    return text


def refuse_control_characters(text: str, field: str, *, multiline: bool = False) -> None:
    """FieldError naming the first control character (Unicode Cc, and unpaired surrogates) of `text`."""
    allowed = "\n\t" if multiline else ""
    for position, char in enumerate(text, start=1):
        if char not in allowed and unicodedata.category(char) in ("Cc", "Cs"):
            what = "a capo e tabulazioni non ammessi" if char in "\n\t" else "carattere di controllo non ammesso"
            raise FieldError(
                field,
                f"{what} (U+{ord(char):04X}, posizione {position}): di solito arriva da un "
                "copia-incolla; riscrivere il testo senza.",
            )


def clean_indicator_value(unit: str, raw: object, field: str) -> tuple[float | None, str]:
    """(numeric value, text value) for an indicator of the given unit."""
    if unit == Unit.TESTO:
        return None, clean_text(raw, field)
    if unit == Unit.SI_NO:
        answer = clean_yes_no(raw, field)
        return (None if answer is None else float(answer)), ""
    return clean_number(raw, field, unit=unit), ""


def clean_split(unit: str, total: float | None, raw_split: dict[str, object], field: str) -> dict[str, float]:
    """Values by sub-area; their sum must equal the total when both are given."""
    split: dict[str, float] = {}
    for code, raw in raw_split.items():
        value = clean_number(raw, f"{field} – {code}")
        if value is not None:
            split[code] = value
    if not split:
        return {}
    if unit != Unit.NUMERO:
        raise FieldError(field, "la ripartizione per sub-ambito vale solo per indicatori numerici.")
    if total is not None and abs(sum(split.values()) - total) > SPLIT_TOLERANCE:
        raise FieldError(
            field, f"la somma per sub-ambito ({_show(sum(split.values()))}) non corrisponde al totale ({_show(total)})."
        )
    return split


def clean_action_state(raw: object, field: str) -> str:
    text = str(raw or "").strip().lower()
    for state in ActionState:
        if text == state.value:
            return state.value
    raise FieldError(field, f"stato «{raw}» non ammesso (ammessi: {', '.join(s.value for s in ActionState)}).")


def clean_adequacy(raw: object, field: str = "Adeguatezza delle risorse") -> str | None:
    from models.vocab import ADEGUACY_LABELS

    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    text = str(raw).strip().lower().replace(" ", "_")
    for level, label in ADEGUACY_LABELS.items():
        if text in (level, label.lower().replace(" ", "_")):
            return str(level)  # the stored code (a ResourceAdequacy's value)
    raise FieldError(field, f"livello «{raw}» non ammesso (ammessi: {', '.join(ADEGUACY_LABELS.values())}).")


def clean_spend(
    committed_raw: object,
    paid_raw: object,
    note_raw: object,
    *,
    confirmed: bool,
    field: str,
    budget: float | None = None,
) -> tuple[float, float, str] | None:
    """Committed and paid in euro; None for an empty line (both amounts empty: «nessun dato», not zero spent).
    One amount given means the other is 0. Paid above committed, or an amount above OVER_BUDGET_FACTOR times
    `budget` (the objective's budget for this source, or in total), needs a confirmation and a note."""
    committed = clean_number(committed_raw, f"{field} – impegnato", unit=EURO)
    paid = clean_number(paid_raw, f"{field} – liquidato", unit=EURO)
    note = clean_text(note_raw, f"{field} – nota", limit=MAX_NOTE)
    if committed is None and paid is None:
        return None
    committed, paid = committed or 0.0, paid or 0.0
    explained = confirmed and bool(note)
    if paid > committed + SPLIT_TOLERANCE and not explained:
        raise FieldError(
            f"{field} – liquidato",
            f"il liquidato ({_show(paid)} €) supera l'impegnato ({_show(committed)} €): "
            "confermare e spiegare il motivo nella nota.",
        )
    if over_budget(max(committed, paid), budget) and not explained:
        which = "liquidato" if paid >= committed else "impegnato"
        raise FieldError(f"{field} – {which}", over_budget_message(max(committed, paid), budget))
    return committed, paid, note


def over_budget(amount: float, budget: float | None) -> bool:
    """An amount far above its budget (more than OVER_BUDGET_FACTOR times): plausible, but worth a second look."""
    if not budget:
        return False
    return amount > OVER_BUDGET_FACTOR * budget


def over_budget_message(amount: float, budget: float | None) -> str:
    return (
        f"l'importo ({_show(amount)} €) supera di oltre {OVER_BUDGET_FACTOR} volte il budget dell'obiettivo "
        f"({_show(budget or 0)} €): se è corretto, confermare e spiegare il motivo nella nota."
    )


def _show(value: float) -> str:
    from models.formatting import number

    return number(value, 2)


__all__ = [
    "FieldError",
    "ResourceAdequacy",
    "clean_action_state",
    "clean_adequacy",
    "clean_indicator_value",
    "clean_number",
    "clean_spend",
    "input_preview",
    "refuse_control_characters",
    "clean_split",
    "clean_text",
    "clean_yes_no",
    "over_budget",
    "plausible_amount",
]

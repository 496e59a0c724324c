"""Validation rules for semester data: one place, used by the form, the Excel import and the tests.

Each function returns the clean value or raises FieldError naming the field in Italian.
"""
from __future__ import annotations

from models.formatting import parse_number
from models.vocab import ActionState, ResourceAdequacy, Unit

MAX_TEXT = 4000  # long enough for a critical-issues paragraph, short enough to keep exports readable
MAX_NOTE = 1000
MAX_REF = 200
SPLIT_TOLERANCE = 1e-6


class FieldError(ValueError):
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
    """A count or amount (>= 0), or a percentage (0-100). Empty is None."""
    if isinstance(raw, str) and raw.strip() == "":
        return None
    try:
        value = parse_number(raw, field)  # type: ignore[arg-type]
    except ValueError as exc:
        raise FieldError(field, str(exc).split(": ", 1)[-1]) from None
    if value is None:
        return None
    if value < 0:
        raise FieldError(field, f"il valore non può essere negativo ({_show(value)}).")
    if unit == Unit.PERCENTUALE and value > 100:
        raise FieldError(field, f"una percentuale va da 0 a 100 (inserito {_show(value)}).")
    return value


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
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raw = str(raw)
    text = raw.strip()
    if len(text) > limit:
        raise FieldError(field, f"testo troppo lungo ({len(text)} caratteri, massimo {limit}).")
    return text


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
        raise FieldError(field, f"la somma per sub-ambito ({_show(sum(split.values()))}) non corrisponde "
                                f"al totale ({_show(total)}).")
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
        if text in (level.value, label.lower().replace(" ", "_")):
            return level.value
    raise FieldError(field, f"livello «{raw}» non ammesso (ammessi: {', '.join(ADEGUACY_LABELS.values())}).")


def clean_spend(committed_raw: object, paid_raw: object, note_raw: object, *, confirmed: bool,
                field: str) -> tuple[float, float, str]:
    """Committed and paid in euro; paid above committed needs an explicit confirmation and a note."""
    committed = clean_number(committed_raw, f"{field} – impegnato") or 0.0
    paid = clean_number(paid_raw, f"{field} – liquidato") or 0.0
    note = clean_text(note_raw, f"{field} – nota", limit=MAX_NOTE)
    if paid > committed + SPLIT_TOLERANCE and not (confirmed and note):
        raise FieldError(f"{field} – liquidato",
                         f"il liquidato ({_show(paid)} €) supera l'impegnato ({_show(committed)} €): "
                         "confermare e spiegare il motivo nella nota.")
    return committed, paid, note


def _show(value: float) -> str:
    from models.formatting import number
    return number(value, 2)


__all__ = ["FieldError", "ResourceAdequacy", "clean_action_state", "clean_adequacy", "clean_indicator_value",
           "clean_number", "clean_spend", "clean_split", "clean_text", "clean_yes_no"]

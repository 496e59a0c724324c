"""Reading the cells of a filled entry template (models/entry_import.py): plain values, numbers, texts, ids.

A formula or a date in a number cell is refused (the reasons: models/entry_import.py's docstring).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from models.entry_template import (
    NO,
    YES,
    Field,
)
from models.validation import (
    EURO,
    clean_number,
)
from models.vocab import (
    Unit,
)

FORMULA_REFUSED = "la cella contiene una formula: scrivere il valore"
DATE_REFUSED = "data non ammessa: atteso un numero"

# --- reading cells ----------------------------------------------------------------------------


class StopCheck(Exception):
    """MAX_PROBLEMS problems found: the check ends here."""


class CellRefused(ValueError):
    """A cell that cannot be read as a value (formula, Excel error, date in a number)."""


BAD_CELL = object()  # a cell whose problem is already recorded


def plain_cell(cell: Any) -> Any:
    if cell.data_type == "f":
        raise CellRefused(FORMULA_REFUSED)
    if cell.data_type == "e":
        raise CellRefused(f"la cella contiene un errore di Excel ({cell.value}): scrivere il valore")
    value = cell.value
    if isinstance(value, str) and value.strip() == "":
        return None
    return value


def number_cell(cell: Any) -> Any:
    value = plain_cell(cell)
    if isinstance(value, (date, time, timedelta)):  # datetime is a date
        raise CellRefused(DATE_REFUSED)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and "%" in (cell.number_format or ""):
        return round(value * 100, 9)  # typed "45%": Excel stores 0.45
    return value


def text_cell(cell: Any) -> Any:
    """A text cell: whatever Excel made of what was typed, back to text (12 -> "12", a date -> 12/05/2025)."""
    value = plain_cell(cell)
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y}" if value.time() == time(0) else f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, (time, timedelta)):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value).replace(".", ",")
    if isinstance(value, int):
        return str(value)
    return value


@dataclass
class SheetLine:
    """One data row of a sheet: cells by field key."""

    sheet: str
    number: int
    cells: dict[str, Any]
    fields: dict[str, Field]
    letters: dict[str, str]

    def ref(self, key: str) -> str:
        return f"{self.letters[key]}{self.number}"

    def empty(self, keys: tuple[str, ...]) -> bool:
        return all(self.cells[k].value is None for k in keys)


def amount_cell(raw: Any, field: str) -> float | None:
    return clean_number(raw, field, unit=EURO)


def as_id(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip())
    return None


def input_value(unit: str, num: float | None, text: str) -> Any:
    """A clean indicator value as the form hands it to save_report."""
    if unit == Unit.TESTO:
        return text
    if unit == Unit.SI_NO:
        return None if num is None else bool(num)
    return num

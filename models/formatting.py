"""Italian number formats: 1.234.567 €, 45,3 %. Used by pages, charts and exports alike."""

from __future__ import annotations

import math
import re
from datetime import UTC
from decimal import ROUND_HALF_UP, Decimal, localcontext

from models.errors import InputRefused


def _rounded(number: float, decimals: int) -> Decimal:
    """Rounded half up on the number as written (its shortest repr), as people and Excel round: 91,95 / 6 =
    15,325 reads 15,33 € whether the float is 15.324999... or 15.325000...1, so that a figure computed in a
    different order on another screen shows the same cents (binary rounding would give 15,32 or 15,33)."""
    exact = Decimal(number) if isinstance(number, int) else Decimal(repr(float(number)))
    if not exact.is_finite():
        return exact
    with localcontext() as ctx:
        ctx.prec = 400  # every finite float's digits (up to 1.8e308) and the decimals: quantize never fails
        return exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _group(number: float, decimals: int) -> str:
    text = f"{abs(_rounded(number, decimals)):,.{decimals}f}"  # 1,234,567.89
    text = text.replace(",", "\u0001").replace(".", ",").replace("\u0001", ".")
    return ("-" if number < 0 and float(text.replace('.', '').replace(',', '.')) != 0 else "") + text


INVALID_VALUE = "valore non valido"  # a stored figure that is not a finite number (written before the checks)


def _invalid(value: float) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


def euro(value: float | None, decimals: int = 0) -> str:
    if value is None:
        return "—"
    if _invalid(value):
        return INVALID_VALUE
    return f"{_group(value, decimals)} €"


def euro_cents(value: float | None) -> str:
    """Amounts in tables and forms, where users enter or compare them: always to the cent (7.500,50 €).
    Tiles and chart labels, read from afar, use euro() (rounded to the euro)."""
    return euro(value, 2)


def amount_field(value: float | None) -> str:
    """An amount prefilled in a form's text field: to the cent, no symbol ('7.500,50'), '' when empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return _group(value, 2)


# A budget the plan does not state is to be fixed by the annual plan, never shown as 0 € (models/budget_rules).
BUDGET_TO_DEFINE = "da definire nel Piano Operativo Annuale"


def budget_euro(value: float | None, cents: bool = True) -> str:
    """A budget figure: None (no amount in the plan) reads "da definire nel Piano Operativo Annuale";
    to the cent in tables (default), rounded on tiles (cents=False)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return BUDGET_TO_DEFINE
    return euro(value, 2 if cents else 0)


def percent(value: float | None, decimals: int = 1) -> str:
    if value is None:
        return "n.c."
    if _invalid(value):
        return INVALID_VALUE
    return f"{_group(value, decimals)} %"


def number(value: float | None, decimals: int = 0) -> str:
    if value is None:
        return "—"
    if _invalid(value):
        return INVALID_VALUE
    if decimals == 0 and float(value).is_integer():
        return _group(value, 0)
    return _group(value, decimals if decimals else 2).rstrip("0").rstrip(",")


# Input is read one way only when that reading is certain (see parse_number).
_MAX_NUMBER_TEXT = 40  # characters: longer than any real amount, short enough to never cost CPU
_DIGITS = frozenset("0123456789")  # ASCII only: str.isdigit() would also take full-width and other scripts
_IT_GROUPED = re.compile(r"[1-9][0-9]{0,2}(\.[0-9]{3})+")  # 1.234 / 12.345.678: Italian thousands
_EN_GROUPED = re.compile(r"[1-9][0-9]{0,2}(,[0-9]{3})+")  # 1,234 / 12,345,678: English thousands
_HOW = "virgola per i decimali, punto o nulla per le migliaia (es. 1.234,56 o 1234,56)"


def _italian(int_digits: str, frac_digits: str = "") -> str:
    """Digits shown the Italian way, exactly as typed (no float rounding): 1.234,56."""
    whole = int_digits.lstrip("0") or "0"
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    text = ".".join([whole, *groups])
    return f"{text},{frac_digits}" if frac_digits else text


def _two_readings(text: str, first: str, second: str, how: str) -> ValueError:
    return ValueError(f"«{text}» si può leggere in due modi, {first} oppure {second}: {how}.")


def _read_body(body: str, shown: str) -> tuple[str, str]:
    """(integer digits, decimal digits) of an unsigned number written with Italian separators; ValueError
    (InputRefused, a ValueError) when the reading is not certain."""
    dots, commas = body.count("."), body.count(",")
    if not body or any(c not in _DIGITS and c not in ".," for c in body):
        raise InputRefused(
            f"«{shown}» non è un numero: ammessi solo le cifre 0-9, un segno iniziale, il punto "
            "per le migliaia e la virgola per i decimali (es. 1.234,56)."
        )
    if dots and commas:
        int_part, _, frac = body.rpartition(",")
        if commas == 1 and _IT_GROUPED.fullmatch(int_part) and frac.isdigit():
            return int_part.replace(".", ""), frac  # 1.234,56: Italian order
        en_int, _, en_frac = body.rpartition(".")
        if dots == 1 and _EN_GROUPED.fullmatch(en_int) and en_frac.isascii() and en_frac.isdigit():
            english = _italian(en_int.replace(",", ""), en_frac)
            first, _, rest = body.partition(",")
            raise _two_readings(
                shown,
                f"{english} (separatori all'inglese)",
                f"{_italian(first, rest.replace('.', ''))} (virgola decimale)",
                f"in italiano il punto separa le migliaia e la virgola i decimali: scrivere {english}",
            )
        raise InputRefused(f"«{shown}» non è un numero scritto correttamente: {_HOW}.")
    if commas:
        int_part, _, frac = body.partition(",")
        if commas > 1:
            if _EN_GROUPED.fullmatch(body):
                raise InputRefused(
                    f"«{shown}» usa la virgola come separatore delle migliaia (all'inglese): in "
                    f"italiano si scrive {_italian(body.replace(',', ''))}."
                )
            raise InputRefused(f"«{shown}» ha più di una virgola: {_HOW}.")
        if not int_part or not frac:
            raise InputRefused(f"«{shown}» è incompleto: scrivere le cifre prima e dopo la virgola (es. 0,5).")
        if _EN_GROUPED.fullmatch(body):  # 1,000: one (Italian) or one thousand (English)
            raise _two_readings(
                shown,
                f"{_italian(int_part, frac.rstrip('0'))} (virgola decimale)",
                f"{_italian(int_part + frac)} (virgola come separatore delle migliaia, all'inglese)",
                f"scrivere {_italian(int_part, frac.rstrip('0'))} oppure {_italian(int_part + frac)}",
            )
        return int_part, frac
    if dots:
        if _IT_GROUPED.fullmatch(body):
            return body.replace(".", ""), ""  # 1.234: Italian thousands
        int_part, _, frac = body.rpartition(".")
        if dots == 1 and int_part and frac:
            raise _two_readings(
                shown,
                f"{_italian(int_part, frac)} (punto decimale, all'inglese)",
                f"{_italian(int_part + frac)} (punto come separatore delle migliaia)",
                f"usare la virgola per i decimali ({_italian(int_part, frac)}) e il punto solo "
                "per le migliaia, a gruppi di tre cifre",
            )
        raise InputRefused(f"«{shown}» non è un numero scritto correttamente: {_HOW}.")
    return body, ""


def parse_number(text: object, field: str) -> float | None:
    """Read a number typed in Italian, or a numeric Excel cell (any other value is read as its text). Empty is
    None; anything not certain is a ValueError whose message starts with `field` and says how to write it.

    Accepted: ASCII digits, one leading sign (+ or -), the Italian separators, an optional "€" or "%" before or
    after (spaces only next to them): `1234`, `1.234` and `1.234.567` (a dot before groups of exactly three
    digits is a thousands separator), `1234,56`, `0,5`, `1.234,56`, `€ 1.234`, `12,5 %`.
    Refused, because the same text has another reading that differs by a factor of 1,000 or more:
    - both separators in English order (`1,234.56`): shows 1.234,56 and says how to write it;
    - a comma that could be an English thousands separator (`1,000`, `12,500`, `1,000,000`): one or one thousand?
      (a comma followed by other than three digits, or after a leading 0 as in `0,500`, is a decimal comma);
    - a dot that is not a thousands separator (`2.5`, `1234.5`, `0.500`, `1.23.4`): "usare la virgola per i
      decimali".
    Also refused: `1_000`, full-width or other non-ASCII digits, `1e5`, `inf`, `nan`, `0x10`, spaces inside the
    number, a value that is not finite (a float from Excel included), a text longer than 40 characters.
    """
    if text is None:
        return None
    if isinstance(text, bool):
        raise InputRefused(f"{field}: atteso un numero.")
    if isinstance(text, (int, float)):
        value = float(text) if not isinstance(text, int) or abs(text) < 10**300 else math.inf
        if not math.isfinite(value):
            raise InputRefused(f"{field}: numero non valido (infinito o indefinito).")
        return value
    raw = str(text).strip()
    if raw == "":
        return None
    if len(raw) > _MAX_NUMBER_TEXT:
        raise InputRefused(f"{field}: testo troppo lungo per essere un numero ({len(raw)} caratteri).")
    body = raw
    for symbol in ("€", "%"):
        if body.startswith(symbol):
            body = body[1:].lstrip(" \u00a0")
        elif body.endswith(symbol):
            body = body[:-1].rstrip(" \u00a0")
    sign = ""
    if body[:1] in ("+", "-"):
        sign, body = body[0], body[1:]
    try:
        int_digits, frac_digits = _read_body(body, raw)
    except ValueError as exc:
        raise InputRefused(f"{field}: {exc}") from None
    value = float(f"{sign}{int_digits}.{frac_digits or '0'}")
    if not math.isfinite(value):
        raise InputRefused(f"{field}: numero non valido (troppo grande).")
    return value


LOCAL_TIMEZONE = "Europe/Rome"  # the Ambito's clock; the database stores UTC


def local_time(at) -> str:
    """'02/12/2026 16:05' in Italian local time, from a UTC datetime (naive ones, as SQLite returns, are UTC)."""
    from zoneinfo import ZoneInfo

    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(ZoneInfo(LOCAL_TIMEZONE)).strftime("%d/%m/%Y %H:%M")


def shorten(text: str, limit: int = 60) -> str:
    """One line of at most `limit` characters, with an ellipsis when cut (labels that name an indicator)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

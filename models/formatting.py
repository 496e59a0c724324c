"""Italian number formats: 1.234.567 €, 45,3 %. Used by pages, charts and exports alike."""
from __future__ import annotations

import math


def _group(number: float, decimals: int) -> str:
    text = f"{abs(number):,.{decimals}f}"  # 1,234,567.89
    text = text.replace(",", "\u0001").replace(".", ",").replace("\u0001", ".")
    return ("-" if number < 0 and float(text.replace('.', '').replace(',', '.')) != 0 else "") + text


def euro(value: float | None, decimals: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{_group(value, decimals)} €"


def percent(value: float | None, decimals: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n.c."
    return f"{_group(value, decimals)} %"


def number(value: float | None, decimals: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if decimals == 0 and float(value).is_integer():
        return _group(value, 0)
    return _group(value, decimals if decimals else 2).rstrip("0").rstrip(",")


def parse_number(text: str | float | int | None, field: str) -> float | None:
    """Parse Italian input ('1.234,5', '12', '3,5'); empty is None; anything else a ValueError naming field."""
    if text is None:
        return None
    if isinstance(text, bool):
        raise ValueError(f"{field}: atteso un numero.")
    if isinstance(text, (int, float)):
        if math.isnan(float(text)) or math.isinf(float(text)):
            raise ValueError(f"{field}: numero non valido.")
        return float(text)
    raw = str(text).strip().replace(" ", "").replace("€", "").replace("%", "")
    if raw == "":
        return None
    if "," in raw:
        raw = raw.replace(".", "").replace(",", ".")
    elif raw.count(".") > 1 or (raw.count(".") == 1 and len(raw.split(".")[1]) == 3 and raw[0] != "0"):
        raw = raw.replace(".", "")  # 1.234 is one thousand two hundred thirty-four in Italian
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{field}: '{text}' non è un numero (usare ad es. 1.234,5).") from None
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"{field}: '{text}' non è un numero valido.")
    return value


def shorten(text: str, limit: int = 60) -> str:
    """One line of at most `limit` characters, with an ellipsis when cut (labels that name an indicator)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

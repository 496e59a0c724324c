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


LOCAL_TIMEZONE = "Europe/Rome"  # the Ambito's clock; the database stores UTC


def local_time(at) -> str:
    """'02/12/2026 16:05' in Italian local time, from a UTC datetime (naive ones, as SQLite returns, are UTC)."""
    from datetime import timezone
    from zoneinfo import ZoneInfo
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(ZoneInfo(LOCAL_TIMEZONE)).strftime("%d/%m/%Y %H:%M")


def shorten(text: str, limit: int = 60) -> str:
    """One line of at most `limit` characters, with an ellipsis when cut (labels that name an indicator)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

"""The Ambito's calendar: deadlines are Italian calendar days, whatever the server's clock or time zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

AMBITO_TZ = ZoneInfo("Europe/Rome")


def rome_today(now: datetime | None = None) -> date:
    """Today's date in Italy (an aware `now` in any zone; naive means UTC, as the server's clock)."""
    now = now or datetime.now(AMBITO_TZ)
    if now.tzinfo is None:
        now = now.replace(tzinfo=ZoneInfo("UTC"))
    return now.astimezone(AMBITO_TZ).date()


def days_left(deadline: date | None, now: datetime | None = None) -> int | None:
    """Whole days from today (Europe/Rome) to the deadline: 0 on the day itself, negative once past."""
    if deadline is None:
        return None
    return (deadline - rome_today(now)).days

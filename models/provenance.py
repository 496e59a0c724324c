"""Where a target or a budget comes from: the plan document's line, or the Ufficio di Piano (who and when).

One label per origin, used by Il Piano, Impostazione, the plan export, the reports and the entry template, so a
value set in the app is never printed next to a document line as if the document said it. The set-up functions
(models/plan_setup.py) record who set a value in SetByOffice, in the same transaction as the value.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from models.permissions import Actor
from models.tables import SetByOffice, utcnow

TIMEZONE = ZoneInfo("Europe/Rome")  # dates as the Ufficio di Piano reads them
TARGET = "indicatortarget"
BUDGET = "budgetline"
FROM_OFFICE = "fissato dall'Ufficio di Piano"
NOT_RECORDED = "origine non registrata"  # set before origins were recorded (or written outside the app)
COMMAND_LINE = "importazione del piano da riga di comando"  # the setter of values a `make import-plan` wrote


@dataclass(frozen=True)
class Origin:
    """A value's origin: a document line, or who set it in the app and when."""

    line: int | None = None
    by: str | None = None
    at: datetime | None = None

    @property
    def from_office(self) -> bool:
        return self.by is not None

    @property
    def label(self) -> str:
        """'riga 1330 del documento' or "fissato dall'Ufficio di Piano (Mario Rossi, 02/12/2026)"."""
        if self.by is not None:
            when = self.at.replace(tzinfo=self.at.tzinfo or ZoneInfo("UTC")).astimezone(TIMEZONE) if self.at else None
            return f"{FROM_OFFICE} ({self.by}{', ' + when.strftime('%d/%m/%Y') if when else ''})"
        if self.line:
            return f"riga {self.line} del documento"
        return NOT_RECORDED


def record_set_by(session: Session, actor: Actor, entity: str, entity_id: int) -> None:
    """Who set this value, now (one row per value: the latest setter)."""
    row = session.exec(
        select(SetByOffice).where(SetByOffice.entity == entity, SetByOffice.entity_id == entity_id)
    ).first()
    if row is None:
        row = SetByOffice(entity=entity, entity_id=entity_id)
    row.user_id, row.name, row.at = actor.user_id, actor.name or actor.username, utcnow()
    session.add(row)


def record_set_by_all(session: Session, actor: Actor | None, entity: str, ids: list[int]) -> None:
    """record_set_by for many values at once (a plan import); no actor: the command line (make import-plan)."""
    if not ids:
        return
    existing = {
        r.entity_id: r
        for r in session.exec(
            select(SetByOffice).where(SetByOffice.entity == entity, col(SetByOffice.entity_id).in_(ids))
        )
    }
    name = (actor.name or actor.username) if actor else COMMAND_LINE
    now = utcnow()
    for entity_id in ids:
        row = existing.get(entity_id) or SetByOffice(entity=entity, entity_id=entity_id)
        row.user_id, row.name, row.at = actor.user_id if actor else None, name, now
        session.add(row)


def set_by(session: Session, entity: str, ids: Iterable[int] | None = None) -> dict[int, Origin]:
    """entity id -> Origin for the values of that kind set in the app (all of them when ids is None)."""
    stmt = select(SetByOffice.entity_id, SetByOffice.name, SetByOffice.at).where(SetByOffice.entity == entity)
    if ids is not None:
        stmt = stmt.where(col(SetByOffice.entity_id).in_(list(ids)))
    # plain columns and one Origin per (who, when): a whole plan's targets are read at once (Il Piano)
    origins: dict[tuple[str, datetime], Origin] = {}
    return {
        entity_id: origins.get((name, at)) or origins.setdefault((name, at), Origin(by=name, at=at))
        for entity_id, name, at in session.exec(stmt)
    }


def target_origin(found: dict[int, Origin], target_id: int, document_line: int | None = None) -> Origin:
    """A target's origin: recorded in the app, else the document line that states it (plan targets), else
    not recorded. The indicator's own line is never a target's origin."""
    return found.get(target_id) or Origin(line=document_line)

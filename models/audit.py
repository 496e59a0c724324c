"""The audit trail: who changed what, when, old and new. Written inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from models.permissions import Actor
from models.tables import AuditEntry, User, utcnow

# The audit field of an action or indicator the Ufficio di Piano added in Impostazione piano (models/plan_setup.py).
PLAN_ITEM_ADDED = {"action": "Azione aggiunta", "indicator": "Indicatore aggiunto"}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "sì" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def record_change(
    session: Session,
    actor: Actor | None,
    *,
    entity: str,
    entity_id: int | None,
    field: str,
    old: Any,
    new: Any,
    objective_id: int | None = None,
    semester_id: int | None = None,
    reason: str = "",
) -> AuditEntry | None:
    """Add one audit entry; nothing is written when old and new are equal."""
    row = change_row(
        actor,
        entity=entity,
        entity_id=entity_id,
        field=field,
        old=old,
        new=new,
        objective_id=objective_id,
        semester_id=semester_id,
        reason=reason,
    )
    if row is None:
        return None
    entry = AuditEntry(**row)
    session.add(entry)
    return entry


def change_row(
    actor: Actor | None,
    *,
    entity: str,
    entity_id: int | None,
    field: str,
    old: Any,
    new: Any,
    objective_id: int | None = None,
    semester_id: int | None = None,
    reason: str = "",
) -> dict[str, Any] | None:
    """One audit entry as column values (record_change's entry); None when old and new are equal."""
    old_text, new_text = _text(old), _text(new)
    if old_text == new_text and not reason:
        return None
    return {
        "at": utcnow(),
        "user_id": actor.user_id if actor else None,
        "username": actor.username if actor else "sistema",
        "entity": entity,
        "entity_id": entity_id,
        "objective_id": objective_id,
        "semester_id": semester_id,
        "field": field,
        "old": old_text,
        "new": new_text,
        "reason": reason,
    }


def record_changes(session: Session, rows: list[dict[str, Any]]) -> None:
    """Many change_row entries in one statement (a save of many reports: no ids needed back)."""
    if rows:
        session.execute(insert(AuditEntry).execution_options(render_nulls=True), rows)  # one batch, Nones too


def audit_trail(
    session: Session,
    *,
    objective_id: int | None = None,
    username: str | None = None,
    field_contains: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 2000,
) -> list[AuditEntry]:
    query = select(AuditEntry)
    if objective_id is not None:
        query = query.where(AuditEntry.objective_id == objective_id)
    if username:
        query = query.where(AuditEntry.username == username)
    if field_contains:
        query = query.where(col(AuditEntry.field).contains(field_contains))
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at <= until)
    return list(session.exec(query.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc()).limit(limit)))


def audit_usernames(session: Session) -> list[str]:
    return sorted(set(session.exec(select(AuditEntry.username))) | set(session.exec(select(User.username))))


def office_plan_items(session: Session) -> dict[str, tuple[set[int], set[int]]]:
    """Per kind of plan item ("action", "indicator"): the ids the Ufficio di Piano changed in the app (added,
    edited, retired or restored: the audit trail says so), and, among them, those it added."""
    found: dict[str, tuple[set[int], set[int]]] = {kind: (set(), set()) for kind in PLAN_ITEM_ADDED}
    rows = session.exec(
        select(AuditEntry.entity, AuditEntry.entity_id, AuditEntry.field).where(
            col(AuditEntry.entity).in_(list(PLAN_ITEM_ADDED))
        )
    )
    for entity, entity_id, field in rows:
        if entity_id is None:  # an entry about no one row
            continue
        changed, added = found[entity]
        changed.add(entity_id)
        if field == PLAN_ITEM_ADDED[entity]:
            added.add(entity_id)
    return found

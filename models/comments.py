"""Writing one message of a report's review conversation (models.review reads them back and checks who may
write a free comment). Kept apart so that models.reports can record send-backs and approvals without
importing models.review, which imports it."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from models.permissions import Actor
from models.tables import ReportComment
from models.vocab import CommentKind


def record_comment(
    session: Session,
    report_id: int,
    actor: Actor,
    kind: CommentKind,
    text: str = "",
    snapshot: dict[str, Any] | None = None,
) -> ReportComment:
    """Add one message in the caller's transaction (the caller has checked the permission)."""
    row = ReportComment(
        report_id=report_id,
        user_id=actor.user_id,
        author=actor.name or actor.username,
        role=actor.role,
        kind=kind,
        text=text,
        snapshot=snapshot,
    )
    session.add(row)
    return row

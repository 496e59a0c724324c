"""Personal API tokens: created, named and revoked by their owner on *Il mio account*, checked on every API call.

A token is shown once, at creation; only its sha256 is stored (a random 32-byte secret needs no slow hash: it
cannot be guessed, only stolen, and the hash makes a stolen database useless). A token acts as its user does now:
a deactivated user, a revoked or expired token is refused (TokenRefused, HTTP 401), and the role and areas are
read from the database at every call. Every use, refused ones included, is logged (token, time, path, status).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from models.audit import record_change
from models.errors import DomainError, InputRefused, NotFound
from models.permissions import Actor, PermissionDenied
from models.tables import ApiToken, ApiTokenUse, User, pk, utcnow
from models.users import actor_for, aware_utc, revoke_api_token

TOKEN_PREFIX = "pdz_"  # recognisable in a leaked file or a secret scanner
HINT_LENGTH = 10  # the prefix and a few characters, shown in the list (not enough to guess the rest)
MAX_NAME = 80
DEFAULT_DAYS = 90
MAX_DAYS = 365  # a token lives at most a year: a forgotten one stops working by itself
MAX_ACTIVE_TOKENS = 20  # per user: a list one can still review
MAX_PATH = 300  # the logged path is cut there (the column's size)


class TokenRefused(DomainError, PermissionError):
    """No valid token (missing, unknown, revoked, expired, or its user deactivated): HTTP 401."""


@dataclass(frozen=True)
class TokenView:
    id: int
    name: str
    hint: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    def status(self, now: datetime | None = None) -> str:
        """Italian state for the list: attivo, scaduto or revocato."""
        if self.revoked_at is not None:
            return "revocato"
        return "scaduto" if self.expires_at <= (now or utcnow()) else "attivo"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _view(row: ApiToken) -> TokenView:
    return TokenView(
        id=pk(row),
        name=row.name,
        hint=row.hint,
        created_at=aware_utc(row.created_at),
        expires_at=aware_utc(row.expires_at),
        revoked_at=aware_utc(row.revoked_at),
        last_used_at=aware_utc(row.last_used_at),
    )


def create_token(
    *, session: Session, actor: Actor, name: str, days: int = DEFAULT_DAYS, now: datetime | None = None
) -> tuple[TokenView, str]:
    """A new token for the actor: (its view, the token itself, to show once and never again)."""
    clean = " ".join((name or "").split())
    if not clean:
        raise InputRefused("Nome del token: obbligatorio (per esempio «Foglio della Regione»).")
    if len(clean) > MAX_NAME:
        raise InputRefused(f"Nome del token: al massimo {MAX_NAME} caratteri.")
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise InputRefused(f"Durata del token: da 1 a {MAX_DAYS} giorni.")
    user = session.get(User, actor.user_id)
    if user is None or not user.active:
        raise PermissionDenied("Utente non attivo: non può creare token.")
    now = now or utcnow()
    active = [t for t in _rows(session, actor.user_id) if _view(t).status(now) == "attivo"]
    if len(active) >= MAX_ACTIVE_TOKENS:
        raise InputRefused(f"Token: al massimo {MAX_ACTIVE_TOKENS} attivi; revocarne uno prima di crearne altri.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=actor.user_id,
        name=clean,
        token_hash=hash_token(token),
        hint=token[:HINT_LENGTH],
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(row)
    session.flush()
    record_change(session, actor, entity="apitoken", entity_id=pk(row), field="creato", old=None, new=clean)
    return _view(row), token


def _rows(session: Session, user_id: int) -> list[ApiToken]:
    return list(
        session.exec(select(ApiToken).where(ApiToken.user_id == user_id).order_by(col(ApiToken.created_at).desc()))
    )


def list_tokens(*, session: Session, actor: Actor) -> list[TokenView]:
    """The actor's own tokens, newest first (revoked and expired ones too, with their state)."""
    return [_view(t) for t in _rows(session, actor.user_id)]


def revoke_token(*, session: Session, actor: Actor, token_id: int, now: datetime | None = None) -> None:
    """Revoke one of the actor's tokens (the Ufficio di Piano may revoke anyone's). Idempotent."""
    row = session.get(ApiToken, token_id)
    if row is None or (row.user_id != actor.user_id and not actor.is_office):
        raise NotFound("Token non trovato.")
    revoke_api_token(session, actor, row, now or utcnow(), row.name)


def authenticate_token(*, session: Session, token: str, path: str, now: datetime | None = None) -> tuple[Actor, int]:
    """(the actor a token stands for, as the database says now, and the token's id); TokenRefused otherwise.
    A refused use is logged here; the caller logs an accepted one with its final status (record_use)."""
    now = now or utcnow()
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(token or ""))).first()
    if row is None:
        raise TokenRefused("Token non valido.")
    user = session.get(User, row.user_id)
    reason = None
    if row.revoked_at is not None:
        reason = "Token revocato."
    elif aware_utc(row.expires_at) <= now:
        reason = "Token scaduto."
    elif user is None or not user.active:
        reason = "Utente disattivato."
    if reason or user is None:
        record_use(session=session, token_id=pk(row), path=path, status=401, now=now)
        raise TokenRefused(reason or "Utente disattivato.")
    row.last_used_at = now
    session.add(row)
    return actor_for(session, user), pk(row)


def record_use(*, session: Session, token_id: int, path: str, status: int, now: datetime | None = None) -> None:
    session.add(ApiTokenUse(token_id=token_id, at=now or utcnow(), path=path[:MAX_PATH], status=status))


def token_uses(*, session: Session, actor: Actor, token_id: int, limit: int = 50) -> list[ApiTokenUse]:
    """The latest uses of one of the actor's tokens (the office: of anyone's)."""
    row = session.get(ApiToken, token_id)
    if row is None or (row.user_id != actor.user_id and not actor.is_office):
        raise NotFound("Token non trovato.")
    return list(
        session.exec(
            select(ApiTokenUse)
            .where(ApiTokenUse.token_id == token_id)
            .order_by(col(ApiTokenUse.at).desc(), col(ApiTokenUse.id).desc())
            .limit(limit)
        )
    )

"""Login sessions as the domain sees them: who is behind a page load, and is their login still valid."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlmodel import Session

from models.permissions import Actor, PermissionDenied
from models.tables import User
from models.users import LoginError, actor_for, authenticate, aware_utc, get_user, revoke_tokens

T = TypeVar("T")
LOGIN_ENDED = (
    "Accesso non più valido (utente disattivato, uscito o con la password cambiata): accedere di nuovo "
    "per scaricare il file."
)


@dataclass(frozen=True)
class SessionUser:
    actor: Actor
    must_change_password: bool


def resolve_login(username: str | None, logged_in_at: float | None, *, session: Session) -> SessionUser | None:
    """The user behind a session (or a cookie) issued at `logged_in_at` (epoch seconds), if still valid.

    Refused: unknown or deactivated user, or a login older than the user's last logout, password change
    or deactivation.
    """
    if not username or logged_in_at is None:
        return None
    user = get_user(session, username)
    if user is None or not user.active:
        return None
    try:
        issued = datetime.fromtimestamp(logged_in_at, tz=UTC)
    except (OverflowError, OSError, ValueError, TypeError):
        return None
    if issued < aware_utc(user.tokens_valid_after):
        return None
    return SessionUser(actor=actor_for(session, user), must_change_password=user.must_change_password)


def build_for_login(
    username: str | None,
    logged_in_at: float | None,
    build: Callable[..., T],
    *args: Any,
    session: Session,
    pass_actor: bool = True,
    **kwargs: Any,
) -> T:
    """Build a file for a download as the login is NOW, not as it was when the page was drawn.

    A download button's file is built when it is clicked, maybe long after the page was drawn: the login is
    checked again (deactivated, logged out, password changed: PermissionDenied) and `build` gets the user's
    current actor (role and areas as they are now), so its own permission check sees today's rights.
    """
    user = resolve_login(username, logged_in_at, session=session)
    if user is None or user.must_change_password:
        raise PermissionDenied(LOGIN_ENDED)
    if pass_actor:
        kwargs["actor"] = user.actor
    return build(*args, session=session, **kwargs)


def login(username: str, password: str, address: str | None = None, *, session: Session) -> tuple[User | None, str]:
    """Check credentials from client `address`; failures are counted (and committed) even though the login
    fails."""
    try:
        user = authenticate(session, username, password, address=address)
    except LoginError as exc:
        return None, str(exc)
    return user, ""


def logout(user_id: int, *, session: Session) -> None:
    """End this user's logins everywhere: cookies issued until now are refused from the next page load."""
    revoke_tokens(session, user_id)

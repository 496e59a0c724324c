"""Run a domain call and show its outcome in Italian: the one error contract from the domain to the screen.

A models.errors.DomainError carries a message for the user and is shown as it is. Any other exception is a
programming error: it is logged with its traceback and the user reads only that something went wrong and nothing
was saved (the transaction of components.data.call was rolled back).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from components.data import call
from components.safe import md_escape
from models.errors import DomainError

log = logging.getLogger("pdz.save")

GENERIC_FAILURE = (
    "Si è verificato un errore imprevisto: nulla è stato salvato. Riprovare; se succede di nuovo, "
    "avvisare l'amministratore (l'errore è stato registrato)."
)


@dataclass(frozen=True)
class Failure:
    """A refused or failed call: `message` is Italian markdown, safe to show; `error` is None for a bug."""

    message: str
    error: DomainError | None


def _who(kwargs: dict[str, Any]) -> str:
    """The user named in the log line: the actor's username, else the user id (never any other argument)."""
    actor = kwargs.get("actor")
    if actor is not None and getattr(actor, "username", None):
        return str(actor.username)
    if "user_id" in kwargs:
        return f"id {kwargs['user_id']}"
    return str(st.session_state.get("pdz_username") or "-")


def error_message(exc: DomainError) -> str:
    """The Italian text of a domain error as markdown (messages may quote what a user typed)."""
    errors = getattr(exc, "errors", None)  # ValidationFailed: every problem of the form
    if errors:
        return "Nulla è stato salvato:\n\n" + "\n".join(f"- {md_escape(str(e))}" for e in errors)
    return md_escape(str(exc))


def run(
    fn: Callable[..., Any], *args: Any, runner: Callable[..., Any] = call, **kwargs: Any
) -> tuple[Any, Failure | None]:
    """runner(fn, *args, **kwargs) (one transaction); (result, None), or (None, Failure) logged, never raised."""
    what = getattr(fn, "__name__", str(fn))
    try:
        return runner(fn, *args, **kwargs), None
    except DomainError as exc:
        # The message only: arguments may hold a password, and the message names the refused value at most.
        log.info("refused %s for %s: %s: %s", what, _who(kwargs), type(exc).__name__, exc)
        return None, Failure(error_message(exc), exc)
    except Exception:
        log.exception("failed %s for %s: nothing saved", what, _who(kwargs))
        return None, Failure(GENERIC_FAILURE, None)


def show_failure(failure: Failure) -> None:
    st.error(failure.message, icon="⚠️" if failure.error is None else None)


def attempt(
    fn: Callable[..., Any],
    *args: Any,
    success: str = "",
    on_error: Callable[[DomainError], bool | None] | None = None,
    runner: Callable[..., Any] = call,
    **kwargs: Any,
) -> Any | None:
    """Call fn in one transaction; on failure show the error and return None, else the result (True for None).

    `on_error(exc)` may handle a domain error itself (e.g. show it at the form's fields, keep a conflict for a
    panel) and returns True when it did; a programming error is never passed to it.
    """
    result, failure = run(fn, *args, runner=runner, **kwargs)
    if failure is not None:
        if failure.error is None or on_error is None or not on_error(failure.error):
            show_failure(failure)
        return None
    if success:
        st.toast(success, icon="✅")
    return result if result is not None else True

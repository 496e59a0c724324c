"""The one error contract from the domain to the screen.

A `DomainError` carries a message in Italian meant for the user (what was refused and why); the pages show it
as it is (components.actions.attempt). Any other exception is a programming error: it is logged with its
traceback and the user only learns that something went wrong and nothing was saved.

Subclasses keep a built-in base as well (ValueError, PermissionError, RuntimeError) so that code catching
those keeps working while it is moved to DomainError.
"""

from __future__ import annotations


class DomainError(Exception):
    """A refusal the user can act on; str(exc) is the Italian message."""


class NotFound(DomainError, LookupError):
    """A semester, objective, report... that does not exist (any more)."""


class InputRefused(DomainError, ValueError):
    """A request the domain refuses as it is (nothing to do, unknown area, bad parameter); nothing was written."""

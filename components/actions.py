"""Run a domain write from a button and show the outcome in Italian (never a traceback)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from components.data import call
from components.safe import md_escape
from models.permissions import PermissionDenied
from models.reports import ConflictError, ReportLocked, ValidationFailed
from models.validation import FieldError


def attempt(fn: Callable[..., Any], *args: Any, success: str = "", **kwargs: Any) -> Any | None:
    """Call fn in one transaction; show an error naming the problem and return None if refused."""
    try:
        result = call(fn, *args, **kwargs)
    except ValidationFailed as exc:
        st.error("Nulla è stato salvato:\n\n" + "\n".join(f"- {md_escape(str(e))}" for e in exc.errors))
        return None
    except (FieldError, ConflictError, ReportLocked, PermissionDenied) as exc:
        st.error(md_escape(str(exc)))  # messages may quote what a user typed or another user's name
        return None
    if success:
        st.toast(success, icon="✅")
    return result if result is not None else True

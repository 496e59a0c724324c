"""The app's link to the database: one engine per process, one transaction per call."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InterfaceError, OperationalError

from models.config import database_url, ensure_cookie_key
from models.db import get_engine, session_scope
from models.startup import admin_banner, prepare_database

T = TypeVar("T")
# A server that went away, a dropped connection, a lock held too long: the transaction was rolled back.
DATABASE_UNAVAILABLE = (
    "Il database non risponde o è occupato: l'operazione non è stata eseguita e nessun dato è "
    "stato modificato. Riprovare tra qualche istante; se il problema continua, avvisare "
    "l'Ufficio di Piano."
)


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    """Shared by all sessions (an engine holds no user data). Prepares the database once per process."""
    ensure_cookie_key()
    eng = get_engine(url)
    result = prepare_database(eng)
    if result.admin_password:
        print(admin_banner(result.admin_password), file=sys.stderr, flush=True)
    return eng


def engine() -> Engine:
    return _engine_for(database_url())


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a models function as one transaction: fn(*args, session=..., **kwargs)."""
    try:
        with session_scope(engine()) as session:
            return fn(*args, session=session, **kwargs)
    except (OperationalError, InterfaceError):
        logging.getLogger(__name__).exception("database unavailable in %s", getattr(fn, "__name__", fn))
        st.error(DATABASE_UNAVAILABLE, icon="⚠️")
        st.stop()
        raise  # st.stop() raises; this keeps type checkers honest

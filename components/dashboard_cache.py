"""The Cruscotto's caches: dashboard queries and figures, and the auto-refresh; Il Piano's and the Revisione's
large reads.

Caching: the caches are shared by every user of the server, so only what is the same for every role is cached:
the dashboard's query results (st.cache_data, keyed by the database, every parameter and the data-change counter
that every save bumps: a save by anyone makes the next read fresh), the figures built from them
(st.cache_resource, keyed by every input of the figure) and the plan's read-only views (`shared`: keyed as the
query results, but the same object handed to every run).
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from components.data import call
from models.config import database_url, refresh_seconds
from models.db import data_change_counter

T = TypeVar("T")

K_SEEN = "cr_seen_counter"  # session key: the data-change counter of the last read


# --- cached reads -----------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=500)
def _cached(name: str, db_url: str, counter: int, params: tuple[tuple[str, Any], ...], _fn: Callable[..., Any]) -> Any:
    """One dashboard query, `_fn` (named by `name` in the key; Streamlit does not hash a leading-underscore
    argument). The key holds the database, the counter and every parameter; no user data."""
    return call(_fn, **dict(params))


# database -> the data-change counter the last run of any session read (shared by the server's sessions)
_last_counter: dict[str, int] = {}


def data_version() -> int:
    """The data-change counter now; remembered so that the auto-refresh notices the next change. When it has
    changed, the cached reads are dropped: each is keyed on a counter, so those of an older one can never be read
    again (otherwise, at a hundred times the plan, a few megabytes each would stay until pushed out by number)."""
    counter = call(data_change_counter)
    db = database_url()
    if _last_counter.setdefault(db, counter) != counter:
        _last_counter[db] = counter
        drop_reads()
    st.session_state[K_SEEN] = counter
    return counter


def drop_reads() -> None:
    """Empty the caches keyed on the data-change counter (not the figures: they are keyed on their data)."""
    for cache in (_cached, _shared, _derived):
        cache.clear()


def counter() -> int:
    """The data version the cached reads of this run are keyed on (data_version sets it)."""
    return st.session_state.get(K_SEEN, 0)


def fetch(fn: Callable[..., T], **params: Any) -> T:
    name = f"{fn.__module__}.{fn.__qualname__}"
    return _cached(name, database_url(), counter(), tuple(sorted(params.items())), fn)


# A cache_resource, not cache_data: a large read copied through pickle costs as much as reading it again (the
# whole plan at a hundred times its size: 5.6 MB, 0.1-0.3 s; the review table: 5,000 rows, 0.27 s). Safe to
# share: only for results nothing mutates (frozen views; tables the caller filters into new lists). Few
# entries: each can be megabytes.
@st.cache_resource(show_spinner=False, max_entries=24)
def _shared(name: str, db_url: str, counter: int, params: tuple[tuple[str, Any], ...], _fn: Callable[..., Any]) -> Any:
    return call(_fn, **dict(params))


def shared(fn: Callable[..., T], **params: Any) -> T:
    """fn(**params) read once per database, parameters and data change, as `fetch`, and the same object handed
    to every run: only for a result nobody mutates, and, as fetch, only what is the same for every user who may
    see it. Call data_version() first in the run."""
    name = f"{fn.__module__}.{fn.__qualname__}"
    return _shared(name, database_url(), counter(), tuple(sorted(params.items())), fn)


@st.cache_resource(show_spinner=False, max_entries=100)
def _derived(name: str, db_url: str, counter: int, key: tuple, _builder: Callable[..., Any], _source: Any) -> Any:
    return _builder(_source)


def derived(builder: Callable[[Any], T], source: Any, *key: Any) -> T:
    """builder(source) once per database, data change and `key`, which must tell `source` apart from anything
    else the page passes (e.g. a card's code, for a card of the shared plan view); shared as `shared` (nothing
    may mutate the result). For what is costly to rebuild on every run, such as a long table."""
    name = f"{builder.__module__}.{builder.__qualname__}"
    return _derived(name, database_url(), counter(), key, builder, source)


# A cache_resource, not cache_data: a Figure copied through pickle is validated again by Plotly, which costs as
# much as building it. Safe to share: the figures hold the same plan figures for every role, and nothing
# mutates them afterwards (st.plotly_chart only reads them). The key is a digest of the builder and of all its
# arguments, pickled: Streamlit's own hashing of the dataclasses costs more than building a small chart.
@st.cache_resource(show_spinner=False, max_entries=300)
def _figure(key: str, _builder: Callable[..., Any], _args: tuple, _kwargs: dict[str, Any]):
    return _builder(*_args, **_kwargs)


def figure(builder: Callable[..., Any], *args: Any, **kwargs: Any):
    """builder(*args, **kwargs) from models.charts, built once for the same inputs (Plotly's validation is slow)."""
    key = hashlib.sha256(
        pickle.dumps(
            (builder.__module__, builder.__name__, args, sorted(kwargs.items())), protocol=pickle.HIGHEST_PROTOCOL
        )
    ).hexdigest()
    return _figure(key, builder, args, kwargs)


def auto_refresh() -> None:
    """Every PDZ_REFRESH_SECONDS (30 by default) an open Cruscotto checks for new data: read-only and cheap (one
    counter); on a change, the whole app reruns, which re-checks the login."""
    st.fragment(_check_for_new_data, run_every=refresh_seconds())()


def _check_for_new_data() -> None:
    if call(data_change_counter) != st.session_state.get(K_SEEN):
        st.rerun(scope="app")

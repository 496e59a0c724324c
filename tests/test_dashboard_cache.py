"""components.dashboard_cache: reads cached per data-change counter, and dropped when the counter moves on."""

from __future__ import annotations

import gc
import weakref

from streamlit.testing.v1 import AppTest

from models.db import bump_data_change, session_scope
from tests.apptest_helpers import app_env, prepared

HELD: dict[str, weakref.ref] = {}


class View:
    """A large read-only view, as Il Piano's plan at a hundred times the plan (megabytes)."""


def read_view(*, session, name: str) -> View:
    return View()


def _script():
    import weakref

    from components import dashboard_cache as cache
    from tests.test_dashboard_cache import HELD, read_view

    cache.data_version()
    HELD["view"] = weakref.ref(cache.shared(read_view, name="piano"))


def test_a_data_change_drops_the_reads_of_the_older_counter(tmp_path):
    """An entry keyed on an older counter can never be read again: it goes at the next run after a save,
    not when pushed out by the number of entries."""
    with app_env(tmp_path / "app.sqlite3") as engine:
        prepared(engine)
        at = AppTest.from_function(_script, default_timeout=30)
        at.run()
        assert not at.exception, at.exception
        first = HELD["view"]
        at.run()  # same counter: the same object, from the cache
        assert HELD["view"]() is first() is not None
        with session_scope(engine) as s:
            bump_data_change(s)  # someone saves
        at.run()
        assert not at.exception, at.exception
        gc.collect()
        assert first() is None  # nothing holds the older read any more
        assert HELD["view"]() is not None

"""Builders for tests/test_file_worker.py, in a module of their own: the worker imports it by name, and this
one imports nothing heavy (a test module would bring pytest and Streamlit's testing into every worker)."""

from __future__ import annotations

import os


def builder_pid(*, session, actor) -> int:
    """A builder that says which process ran it."""
    return os.getpid()


def broken_builder(*, session, actor) -> bytes:
    raise ZeroDivisionError("a programming error")

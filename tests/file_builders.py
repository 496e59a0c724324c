"""Builders for tests/test_file_worker.py, in a module of their own: the worker imports it by name, and this
one imports nothing heavy (a test module would bring pytest and Streamlit's testing into every worker)."""

from __future__ import annotations

import os


def builder_pid(*, session, actor) -> int:
    """A builder that says which process ran it."""
    return os.getpid()


def broken_builder(*, session, actor) -> bytes:
    raise ZeroDivisionError("a programming error")


def builder_with_exit_hook(marker: str, *, session, actor) -> bytes:
    """A builder that asks the interpreter's clean-up to write `marker`: written only if the worker runs it."""
    import atexit
    from pathlib import Path

    atexit.register(Path(marker).write_text, "clean-up ran")
    return b"file"

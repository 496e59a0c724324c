"""Helpers to run the real app under streamlit.testing.v1.AppTest on a fresh database."""

from __future__ import annotations

import atexit
import functools
import os
import re
import shutil
import sqlite3
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Table as AppTestTable

from models.db import get_engine, make_engine, session_scope
from models.startup import prepare_database
from models.users import create_user
from tests.conftest import ROOT, SMALL_PLAN

APP = ROOT / "app.py"
PASSWORD = "password-di-prova-1"


@contextmanager
def app_env(db_path: Path, plan_dir: Path = SMALL_PLAN):
    old = {k: os.environ.get(k) for k in ("PDZ_DATABASE_URL", "PDZ_PLAN_DIR")}
    os.environ["PDZ_DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ["PDZ_PLAN_DIR"] = str(plan_dir)
    try:
        yield get_engine(os.environ["PDZ_DATABASE_URL"])
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


USERS = (("uff", "ufficio_di_piano", []), ("refa", "referente", ["A"]), ("com", "comitato", []))
_prepared_once: dict[str, Path] = {}  # users → a database file prepared for them, copied for every test


def seed(engine, users=USERS, plan_dir: Path = SMALL_PLAN) -> None:
    """The app's first start on `engine` (schema, plan, admin, current semester), then these users."""
    prepare_database(engine, plan_dir)
    add_users(engine, users)


def add_users(engine, users) -> None:
    """Users (username, role, areas) with the tests' password, already changed (no forced change at login)."""
    with session_scope(engine) as s:
        for username, role, areas in users:
            create_user(
                s,
                actor=None,
                username=username,
                name=username.upper(),
                role=role,
                areas=list(areas),
                password=PASSWORD,
                one_time=False,
            )


def prepared(engine, users=USERS):
    """The app's first start on `engine` (schema, small plan, admin, current semester) and these users. Done once
    per set of users in a file of its own, then copied (SQLite's backup API) into each test's database."""
    key = repr(users)
    if key not in _prepared_once:
        folder = tempfile.mkdtemp(prefix="pdz-prepared-")
        atexit.register(shutil.rmtree, folder, True)
        path = Path(folder) / "prepared.sqlite3"
        first = make_engine(f"sqlite:///{path}")
        seed(first, users)
        first.dispose()
        _prepared_once[key] = path
    source = sqlite3.connect(_prepared_once[key])
    raw = engine.raw_connection()
    try:
        source.backup(raw.driver_connection)
    finally:
        raw.close()
        source.close()
    return engine


def logged_in(username: str, page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()
    inputs = at.text_input
    inputs[0].input(username)
    inputs[1].input(PASSWORD)
    at.button[0].click().run()
    if page:
        at.switch_page(page).run()
    return at


def shown_table(table: AppTestTable) -> pd.DataFrame:
    """A plain_table's cells as the browser shows them (its Markdown escapes removed)."""
    unescape = functools.partial(re.compile(r"\\(.)").sub, r"\1")
    frame = table.value.map(lambda v: unescape(v) if isinstance(v, str) else v)
    frame.index = pd.Index([unescape(v) if isinstance(v, str) else v for v in frame.index])
    return frame


def ui_files_containing(text: str) -> list[str]:
    """The pages and components whose source contains `text` (for rules such as "only X draws Y")."""
    return [
        str(p.relative_to(ROOT))
        for folder in ("pages", "components")
        for p in sorted((ROOT / folder).glob("*.py"))
        if text in p.read_text(encoding="utf-8")
    ]

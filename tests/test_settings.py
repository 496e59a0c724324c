"""Settings: declared once in models/config.py; the README's one settings table lists exactly those; only the
settings module reads the environment."""

import re

from models import config
from tests.conftest import ROOT

HEADER = "| variabile | default | significato |"


def _readme_table() -> list[list[str]]:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert lines.count(HEADER) == 1, "the README has exactly one settings table"
    start = lines.index(HEADER) + 2  # after the header and the |---| line
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_readme_lists_exactly_the_settings_that_exist():
    rows = _readme_table()
    names = [re.fullmatch(r"`(\w+)`", row[0]).group(1) for row in rows]
    assert sorted(names) == sorted(s.name for s in config.SETTINGS)
    assert len(names) == len(set(names))
    assert all(len(row) == 3 and row[1] and row[2] for row in rows), "each row: variable, default, meaning"


def test_simple_defaults_match_the_readme():
    readme = {re.fullmatch(r"`(\w+)`", r[0]).group(1): r[1] for r in _readme_table()}
    for s in config.SETTINGS:
        if s.default and "/" not in s.default:  # paths and URLs are written relative in the README
            assert readme[s.name] == f"`{s.default}`", s.name


def test_only_the_settings_module_reads_the_environment():
    readers = []
    for folder in ("models", "components", "pages"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if re.search(r"os\.environ\.get|os\.getenv|os\.environ\[", text):
                readers.append(path.relative_to(ROOT).as_posix())
    assert readers == ["models/config.py"]
    assert "os.environ" not in (ROOT / "app.py").read_text(encoding="utf-8")


def test_the_ambito_name_comes_from_the_plan(tmp_path):
    from streamlit.testing.v1 import AppTest

    from tests.apptest_helpers import APP, app_env, logged_in, prepared

    with app_env(tmp_path / "app.sqlite3") as engine:
        prepared(engine)  # the small plan: "Ambito di prova", 2025-2027
        at = AppTest.from_file(str(APP), default_timeout=30)
        at.run()
        assert "Ambito di prova · Piano di Zona 2025-2027" in [c.value for c in at.caption]
        at = logged_in("uff")
        assert not at.exception
        assert "Ambito di prova" in [c.value for c in at.sidebar.caption]
        assert not any("Cremonese" in c.value for c in at.caption)

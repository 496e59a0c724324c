"""The house: models/ is a flat package without import cycles that never imports streamlit, and no module uses
another module's private name (a leading underscore). Read from the source with ast, nothing is imported."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"
SOURCES = ("models", "components", "pages", "tests")
OUR_PACKAGES = ("models", "components", "tests")


def _modules() -> dict[str, ast.Module]:
    return {p.stem: ast.parse(p.read_text(encoding="utf-8")) for p in sorted(MODELS.glob("*.py"))}


def _imported(tree: ast.Module) -> set[str]:
    """Every module name an import statement names, anywhere in the file (function-level imports included)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def import_graph() -> dict[str, set[str]]:
    """models/ module -> the models/ modules it imports."""
    modules = _modules()
    return {
        name: {n.split(".")[1] for n in _imported(tree) if n.startswith("models.") and n.split(".")[1] in modules}
        - {name}
        for name, tree in modules.items()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        path.pop()
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_models_have_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle in models/: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_models_never_import_streamlit():
    offenders = sorted(
        name
        for name, tree in _modules().items()
        if any(n == "streamlit" or n.startswith("streamlit.") for n in _imported(tree))
    )
    assert offenders == []


def test_models_is_flat():
    """No subpackages but Alembic's script directory: several people edit these files at once (README, «Struttura
    del codice»)."""
    assert [p.name for p in MODELS.iterdir() if p.is_dir() and p.name not in ("__pycache__", "migrations")] == []


def _private_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases: dict[str, str] = {}  # local name -> one of our modules
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in OUR_PACKAGES:
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: from {node.module} import {alias.name}")
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in OUR_PACKAGES:
                    aliases[alias.asname or alias.name.split(".")[0]] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
        ):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value.id}.{node.attr}")
    return found


def test_no_private_name_is_used_from_another_module():
    found = [use for folder in SOURCES for path in sorted((ROOT / folder).rglob("*.py")) for use in _private_uses(path)]
    assert found == []


SOURCE_DIRS = ("models", "components", "pages")
MAX_LINES = 700
EXPLAIN_OVER = 400


def _python_files() -> list[Path]:
    return [p for d in SOURCE_DIRS for p in sorted((ROOT / d).glob("*.py"))] + [ROOT / "app.py"]


def test_no_module_is_too_large_and_a_large_one_says_why():
    too_large, unexplained = [], []
    for path in _python_files():
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        if lines > MAX_LINES:
            too_large.append(f"{path.relative_to(ROOT)} ({lines})")
        elif lines > EXPLAIN_OVER and "Over 400 lines:" not in (ast.get_docstring(ast.parse(text)) or ""):
            unexplained.append(f"{path.relative_to(ROOT)} ({lines})")
    assert too_large == []
    assert unexplained == [], "a module over 400 lines says why in its docstring ('Over 400 lines: ...')"


def test_the_readme_code_map_names_every_module():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code_map = readme.split("## Struttura del codice", 1)[1].split("\n## ", 1)[0]
    missing = [
        str(p.relative_to(ROOT)) for p in _python_files() if f"`{p.name}`" not in code_map and p.name != "__init__.py"
    ]
    assert missing == []

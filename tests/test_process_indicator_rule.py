"""One rule for process indicators (data/SCHEMA.md, "Process indicators (X.23)"), checked against every card:
an X.23 entry is a `processo` indicator when the card calls it an indicator or it states something to count or
check; a description of how the work is organised is not, and neither is the form's own prompt."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CARDS = ROOT / "data/plan/cards"
SOURCE = ROOT.parent / "shared/seeds/003_4be68b8e0ea9bbb6.txt"

CALLED = re.compile(r"indicator", re.I)  # "Indicatore di processo:", "un indicatore potrebbe essere"
QUANTITY = re.compile(r"(\bn\.|\bnr\b|\bnumero\b|percentual|\bquant[ie]\b|%|\bse\b)", re.I)
FORM_PROMPT = re.compile(r"Individuazione di una batteria|di indicatori di processo\*?$", re.I)
SECTION_START = re.compile(r"^\**[A-K]\.23 ")
SECTION_END = re.compile(r"^\**[A-K]\.24 ")

# The cases the issue names, with the document's lines as evidence.
NOT_INDICATORS = {
    1318,
    1319,
    1320,  # card A: Cabina di regia, Comitato tecnico, Équipe di sistema
    2220,
    2221,
    2222,
    2224,  # card H: the same three governance bullets
    1852,
}  # card F: "Tavoli di lavoro interni all'Ambito e con ASST"


def rule(text: str, next_text: str) -> bool:
    """The SCHEMA.md rule on one non-empty line of an X.23 section."""
    if FORM_PROMPT.search(text):
        return False
    if CALLED.search(text) and not QUANTITY.search(text) and next_text.startswith("- ") and not text.startswith("- "):
        return False  # a sentence introducing a list of indicators (E 1670) is not itself one
    return bool(CALLED.search(text) or QUANTITY.search(text))


def x23_lines(lines: list[str]) -> dict[int, bool]:
    """line number -> does the rule make it a process indicator, for every X.23 section of the plan."""
    out: dict[int, bool] = {}
    inside = False
    numbered = [(n, t.strip()) for n, t in enumerate(lines, start=1)]
    for i, (n, text) in enumerate(numbered):
        if SECTION_START.match(text):
            inside = True
            continue
        if SECTION_END.match(text):
            inside = False
        if inside and text:
            following = next((t for _, t in numbered[i + 1 :] if t), "")
            out[n] = rule(text, following)
    return out


def yaml_process_lines() -> set[int]:
    found = set()
    for path in CARDS.glob("*.yaml"):
        for objective in yaml.safe_load(path.read_text(encoding="utf-8"))["objectives"]:
            found |= {i["line"] for i in objective["indicators"] if i["battery"] == "processo"}
    return found


@pytest.mark.skipif(not SOURCE.exists(), reason="source document not beside the project")
def test_every_card_applies_the_process_indicator_rule():
    decided = x23_lines(SOURCE.read_text(encoding="utf-8").split("\n"))
    by_rule = {n for n, yes in decided.items() if yes}
    assert yaml_process_lines() == by_rule
    assert by_rule == {1324, 1333, 1666, 1668, 1672, 1673, 2522, 2524, 2661, 2788}


@pytest.mark.skipif(not SOURCE.exists(), reason="source document not beside the project")
def test_the_cases_named_in_the_issue():
    decided = x23_lines(SOURCE.read_text(encoding="utf-8").split("\n"))
    assert all(decided[n] is False for n in NOT_INDICATORS)
    assert not NOT_INDICATORS & yaml_process_lines()


def test_rule_examples():
    assert rule("Indicatore di processo: numero di progettualità proposte", "")
    assert rule("Nr di scuole aderenti alla sperimentazione", "")
    assert not rule("Tavoli di lavoro interni all'Ambito e con ASST", "")
    assert not rule("- Costituzione di una Cabina di regia con compiti di indirizzo", "")
    assert not rule("Individuazione di una batteria di indicatori di processo per quanto concerne", "")
    assert not rule("Gli indicatori di risultato misurano gli effetti", "- Ottimizzazione delle risorse: ...")

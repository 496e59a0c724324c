"""Cards A, B, E of Chapter 6 (data/plan/cards/{A,B,E}.yaml) against counts taken from the source document.

Every expected number below was counted in shared/seeds/003_4be68b8e0ea9bbb6.txt (line ranges in the comments),
not read back from the YAML, so a dropped or doubled record makes a test fail.
Choices on ambiguous text are listed in data/notes/cards_ABE.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

CARDS_DIR = Path(__file__).resolve().parents[1] / "data/plan/cards"

# Enumerations of data/SCHEMA.md
BATTERIES = {"processo", "output", "outcome"}
UNITS = {"numero", "percentuale", "si_no", "testo"}
SOURCES = {"FNPS", "FSR", "FONDO_POVERTA", "FNA", "PNRR", "COMUNALE", "DOPO_DI_NOI", "ETEROFINANZIATO", "ALTRO", None}
KINDS = {"generale", "specifico"}
SERVICE_KINDS = {"nuovo", "rivisto", "esistente", None}
FLAG_KEYS = {
    "asst_analysis",
    "asst_delivery",
    "other_ambiti",
    "continuity",
    "new_service",
    "premiale",
    "co_programmed",
    "co_designed",
    "other_actors",
    "digitalisation",
}

# Card ranges in the source: from the card's heading to the last line before the next heading.
# (A heading 1140, B heading "B. POLITICHE ABITATIVE" 1375, E heading "E. ANZIANI" 1534, F heading 1726.)
RANGES = {"A": (1140, 1374), "B": (1375, 1533), "E": (1534, 1725)}

EXPECTED = {
    "A": {
        "heading_line": 1140,
        "general": 1,  # "Ob. Generale" line 1144
        "specific": 2,  # Ob.1 line 1146, Ob.2 line 1152
        "actions": {
            "A.0": 0,
            "A.1": 7,  # sub-bullets 1159, 1160, 1161, 1162, 1163, 1165, 1166 (intro 1157 excluded)
            "A.2": 3,  # 1169-1171
        },
        "indicators": {
            "processo": 3,  # A.23: 1324 (Ob.1, one) + 1333 (Ob.2, "n. percorsi attivati; n. delle persone ...": two)
            "output": 10,  # A.24: Ob.1 1345-1350 (6) + Ob.2 1354-1357 (4)
            "outcome": 6,  # A.25: Ob.1 1365-1367 (3) + Ob.2 1371-1373 (3)
        },
        "indicators_by_objective": {"A.0": 0, "A.1": 10, "A.2": 9},  # Ob.1: 1+6+3 ; Ob.2: 2+4+3
        "budget_lines": 12,  # A.4: 1183-1199 (9: seven amounts + Fondo Povertà, FNPS placeholders) + Ob.2 1204-1206 (3)
        # 124838 (1183) + 99870,89 (1185) + 83.623,43 (1187) + 286.000 (1189) + 36.000 (1191) + 60.000 (1193)
        # + 105.012 (1195) + 50.000 (1205) + 190.000 (1206)
        "budget_sum": 124838 + 99870.89 + 83623.43 + 286000 + 36000 + 60000 + 105012 + 50000 + 190000,
        # 1197 "Fondo Povertà € – info da Vivi", 1199 "FNPS € – info da Vivi", 1204 "In.t uno da inserire"
        "to_be_completed": 3,
        # the 7 amounts under "A titolo di esempio ... circa" (1181) + 1205 "circa" + 1206 (previsione, 1203)
        "approximate": 9,
        "transversal": {"H", "B", "F", "G", "I", "J"},  # 1220
    },
    "B": {
        "heading_line": 1375,
        "general": 0,  # B.1 has no general objective
        "specific": 4,  # bullets 1379-1382
        "actions": {"B.1": 2, "B.2": 1, "B.3": 3, "B.4": 1},  # B.2 bullets 1386-1392: 7 in all
        "indicators": {
            "processo": 0,  # B.23 1511-1515 holds only the form's prompt, no indicator
            "output": 6,  # B.24 1519-1524
            "outcome": 4,  # B.25 1528-1530 + 1532
        },
        "indicators_by_objective": {"B.1": 2, "B.2": 2, "B.3": 4, "B.4": 2},
        "budget_lines": 3,  # B.4 1403-1405
        "budget_sum": 415000 + 85000 + 595000,  # 1403, 1404, 1405
        "to_be_completed": 0,
        "approximate": 0,
        "transversal": {"E", "G", "J", "A"},  # 1418-1421: Anziani, Giovani, Disabilità, Grave marginalità
    },
    "E": {
        "heading_line": 1534,
        "general": 0,  # E.1 has no general objective
        "specific": 7,  # bullets 1538-1544
        # E.2 bullets 1548-1549, 1551-1556: 8 in all
        "actions": {"E.1": 1, "E.2": 1, "E.3": 0, "E.4": 1, "E.5": 1, "E.6": 2, "E.7": 2},
        "indicators": {
            # E.23 prose: 1666 (two: number of young people; what and how many requests), 1668 (one),
            # 1672 (one), 1673 (three: family involvement, number of volunteers, Custode Sociale in the Ambito)
            "processo": 7,
            "output": 17,  # E.24: non-blank lines 1677-1706
            "outcome": 13,  # E.25: non-blank lines 1710-1724
        },
        "indicators_by_objective": {"E.1": 5, "E.2": 6, "E.3": 6, "E.4": 5, "E.5": 9, "E.6": 4, "E.7": 2},
        "budget_lines": 6,  # E.4 1565-1570: six funding sources, no amount
        "budget_sum": 0,
        "to_be_completed": 0,
        "approximate": 0,
        "transversal": {"J", "B", "A", "G"},  # 1582-1588: disabilità, Abitare, Inclusione sociale, Giovani
    },
}


def load(code: str) -> dict:
    return yaml.safe_load((CARDS_DIR / f"{code}.yaml").read_text(encoding="utf-8"))


def records_with_line(node, path="root"):
    """Every mapping of the file that carries a `line` (card, fields, flags, objectives, actions, ...)."""
    if isinstance(node, dict):
        if "line" in node:
            yield path, node
        for key, value in node.items():
            yield from records_with_line(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from records_with_line(value, f"{path}[{i}]")


@pytest.fixture(params=sorted(EXPECTED), scope="module")
def card(request):
    return request.param, load(request.param), EXPECTED[request.param]


def test_card_header(card):
    code, data, exp = card
    head = data["card"]
    assert head["code"] == code and head["area"] == code
    assert head["line"] == exp["heading_line"]
    assert set(head["transversal"]["areas"]) == exp["transversal"]
    assert head["service_kind"]["value"] in SERVICE_KINDS
    assert set(head["flags"]) == FLAG_KEYS
    for flag in head["flags"].values():
        assert flag["value"] in (True, False, None)


def test_objective_counts(card):
    code, data, exp = card
    kinds = [o["kind"] for o in data["objectives"]]
    assert kinds.count("generale") == exp["general"]
    assert kinds.count("specifico") == exp["specific"]
    codes = [o["code"] for o in data["objectives"]]
    expected_codes = ([f"{code}.0"] if exp["general"] else []) + [f"{code}.{i}" for i in range(1, exp["specific"] + 1)]
    assert codes == expected_codes


def test_actions_per_objective(card):
    _, data, exp = card
    assert {o["code"]: len(o["actions"]) for o in data["objectives"]} == exp["actions"]


def test_indicators_per_battery(card):
    _, data, exp = card
    batteries = [i["battery"] for o in data["objectives"] for i in o["indicators"]]
    assert {b: batteries.count(b) for b in BATTERIES} == exp["indicators"]
    assert {o["code"]: len(o["indicators"]) for o in data["objectives"]} == exp["indicators_by_objective"]


def test_budget(card):
    _, data, exp = card
    budget = data["budget"]
    assert len(budget) == exp["budget_lines"]
    assert sum(b["amount"] for b in budget if b["amount"] is not None) == pytest.approx(exp["budget_sum"])
    assert sum(1 for b in budget if b["to_be_completed"]) == exp["to_be_completed"]
    assert sum(1 for b in budget if b["approximate"]) == exp["approximate"]
    objective_codes = {o["code"] for o in data["objectives"]}
    for b in budget:
        if b["to_be_completed"]:
            assert b["amount"] is None
        assert b["objective"] is None or b["objective"] in objective_codes
        assert b["public"] in (True, False, None)


def test_every_line_within_card_range(card):
    code, data, _ = card
    low, high = RANGES[code]
    found = list(records_with_line(data))
    assert found
    for path, record in found:
        line = record["line"]
        assert isinstance(line, int) and not isinstance(line, bool), path
        assert low <= line <= high, (path, line)
    for o in data["objectives"]:  # objectives, actions, indicators, budget lines all carry a line
        assert "line" in o
        assert all("line" in r for r in o["actions"] + o["indicators"])
    assert all("line" in b for b in data["budget"])


def test_enums(card):
    _, data, _ = card
    for o in data["objectives"]:
        assert o["kind"] in KINDS
        for i in o["indicators"]:
            assert i["battery"] in BATTERIES
            assert i["unit"] in UNITS
            assert isinstance(i.get("higher_is_better", True), bool)
    for b in data["budget"]:
        assert b["source"] in SOURCES


def test_texts_are_clean_strings(card):
    _, data, _ = card
    for path, record in records_with_line(data):
        text = record.get("text")
        if text is not None:
            assert isinstance(text, str) and text.strip(), path
            assert "**" not in text, path


def test_a_known_values():
    data = load("A")
    by_line = {b["line"]: b for b in data["budget"]}
    assert by_line[1185]["amount"] == pytest.approx(99870.89)  # "€99870,89"
    assert by_line[1187]["amount"] == pytest.approx(83623.43)  # "€ 83.623,43"
    assert by_line[1206]["source"] == "PNRR" and by_line[1206]["amount"] == 190000
    a2 = next(o for o in data["objectives"] if o["code"] == "A.2")
    assert [i["line"] for i in a2["indicators"] if i["battery"] == "processo"] == [1333, 1333]

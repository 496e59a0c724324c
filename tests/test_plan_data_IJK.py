"""Checks of the Chapter 6 cards I, J1, J2, J3 and K (data/plan/cards/*.yaml) against counts taken by hand
from the source plan (shared/seeds/003_4be68b8e0ea9bbb6.txt). Line ranges of each count are in the comments.
Choices on ambiguous text are listed in data/notes/cards_IJK.md.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CARDS = ROOT / "data/plan/cards"
SOURCE = ROOT.parent / "shared/seeds/003_4be68b8e0ea9bbb6.txt"

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
LETTERS = set("ABDEFGHIJK")

# card -> expected figures, counted in the source document.
EXPECTED = {
    "I": {
        "area": "I",
        "range": (2244, 2411),  # "I.INTERVENTI PER LA FAMIGLIA" (2244) .. line before the J heading (2412)
        "general": 0,  # I.1 (2246-2262) has no "Ob. Generale"
        "specific": 8,  # I.1 paragraphs at 2248, 2250, 2252, 2254, 2256, 2258, 2260, 2262
        "actions_total": 5,  # I.2 bullets 2266-2270
        "actions": {"I.1": 1, "I.2": 0, "I.3": 2, "I.4": 0, "I.5": 1, "I.6": 0, "I.7": 0, "I.8": 1},
        "processo": 0,  # I.23 2386-2392: organisational prose, no indicator named
        "output": 4,  # I.24 lines 2396, 2398, 2400, 2402
        "outcome": 4,  # I.25 lines 2406, 2408, 2409, 2410
        "budget_lines": 4,  # I.4 2284 PIPIPI, 2286 HUG, 2288-2289 LIA 2 and ARCA
        "budget_sum": 0.0,  # I.4 2282-2289: no euro amount
        "to_be_completed": 2,  # 2284 PIPIPI and 2286 HUG: project named, amount missing
    },
    "J1": {
        "area": "J",
        "range": (2412, 2549),  # J heading 2412, "1-..." 2416, card 2418 .. 2548
        "general": 1,  # 2416 "1-Implementazione di percorsi formativi ..."
        "specific": 3,  # J.1 bullets 2420-2422
        "actions_total": 2,  # J.2 bullets 2426-2427
        "actions": {"J1.0": 0, "J1.1": 2, "J1.2": 0, "J1.3": 0},
        "processo": 2,  # J.23 lines 2522, 2524
        "output": 3,  # J.24 lines 2528, 2530, 2532
        "outcome": 7,  # J.25 lines 2536, 2538, 2540, 2542, 2544, 2546, 2548
        "budget_lines": 1,  # J.4 2438 "Risorse reperibili attraverso bandi e progetti specifici"
        "budget_sum": 0.0,  # no euro amount
        "to_be_completed": 0,
    },
    "J2": {
        "area": "J",
        "range": (2550, 2678),  # "2-Sperimentazione ..." 2550-2552, card 2554 .. 2677
        "general": 1,  # 2550 + 2552
        "specific": 4,  # J.1 bullets 2556-2559
        "actions_total": 4,  # J.2 bullets 2563-2566
        "actions": {"J2.0": 0, "J2.1": 1, "J2.2": 1, "J2.3": 2, "J2.4": 0},
        "processo": 1,  # J.23 line 2661
        "output": 2,  # J.24 lines 2665, 2666
        "outcome": 7,  # J.25 bullets 2670-2674, 2676-2677
        "budget_lines": 3,  # J.4 2574: bandi e progetti; educativa scolastica; risorse proprie dei comuni
        "budget_sum": 0.0,
        "to_be_completed": 0,
    },
    "J3": {
        "area": "J",
        "range": (2679, 2811),  # "3-Implementazione ... Educativa di Plesso" 2679, card 2681 .. 2810
        "general": 1,  # 2679
        "specific": 7,  # J.1 bullets 2683-2689
        "actions_total": 4,  # J.2 bullets 2693, 2694, 2696, 2697
        "actions": {"J3.0": 0, "J3.1": 1, "J3.2": 1, "J3.3": 1, "J3.4": 1, "J3.5": 0, "J3.6": 0, "J3.7": 0},
        "processo": 1,  # J.23 line 2788
        "output": 2,  # J.24 lines 2792, 2793
        "outcome": 8,  # J.25 lines 2797, 2798, 2800, 2802, 2804, 2806, 2808, 2810
        "budget_lines": 2,  # J.4 2705: spesa corrente dei comuni; risorse regionali
        "budget_sum": 0.0,
        "to_be_completed": 0,
    },
    "K": {
        "area": "K",
        "range": (2812, 2922),  # "K. INTERVENTI DI SISTEMA ..." 2812 .. line before CAPITOLO 7 (2923)
        "general": 0,
        "specific": 1,  # K.1 paragraph 2816
        "actions_total": 1,  # K.2 paragraph 2820
        "actions": {"K.1": 1},
        "processo": 0,  # K.23 2913-2915: template text + "Individuazione di una batteria ..."; none named
        "output": 1,  # K.24 line 2919 "Convenzioni, accordi e protocolli"
        "outcome": 0,  # K.25 2921: empty
        "budget_lines": 1,  # K.4 2828 "Le risorse saranno quantificate ..."
        "budget_sum": 0.0,
        "to_be_completed": 1,  # 2828: amount deferred to the annual programme
    },
}


def load(code: str) -> dict:
    return yaml.safe_load((CARDS / f"{code}.yaml").read_text(encoding="utf-8"))


def all_records(data: dict):
    """Every record carrying a `line`, with a label for messages."""
    card = data["card"]
    yield "card", card
    for key in ("target_group", "staff", "transversal", "service_kind"):
        yield f"card.{key}", card[key]
    for key, flag in card["flags"].items():
        yield f"flags.{key}", flag
    for obj in data["objectives"]:
        yield obj["code"], obj
        for i, action in enumerate(obj["actions"]):
            yield f"{obj['code']}.actions[{i}]", action
        for i, ind in enumerate(obj["indicators"]):
            yield f"{obj['code']}.indicators[{i}]", ind
    for i, line in enumerate(data.get("budget") or []):
        yield f"budget[{i}]", line


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_yaml_loads_with_safe_load(code):
    data = load(code)
    assert set(data) == {"card", "objectives", "budget"}
    assert data["card"]["code"] == code
    assert data["card"]["area"] == EXPECTED[code]["area"]


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_objective_counts(code):
    exp = EXPECTED[code]
    objs = load(code)["objectives"]
    kinds = [o["kind"] for o in objs]
    assert kinds.count("generale") == exp["general"]
    assert kinds.count("specifico") == exp["specific"]
    assert len(objs) == exp["general"] + exp["specific"]
    # codes: <card>.0 for the general objective, <card>.1 .. <card>.n for the specific ones, in order
    specific_codes = [o["code"] for o in objs if o["kind"] == "specifico"]
    assert specific_codes == [f"{code}.{n}" for n in range(1, exp["specific"] + 1)]
    general_codes = [o["code"] for o in objs if o["kind"] == "generale"]
    assert general_codes == ([f"{code}.0"] if exp["general"] else [])
    lines = [o["line"] for o in objs]
    assert lines == sorted(lines), "objectives must follow document order"


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_action_counts(code):
    exp = EXPECTED[code]
    objs = load(code)["objectives"]
    per_objective = {o["code"]: len(o["actions"]) for o in objs}
    assert sum(per_objective.values()) == exp["actions_total"]
    for obj_code, n in exp["actions"].items():
        assert per_objective[obj_code] == n, obj_code
    all_lines = [a["line"] for o in objs for a in o["actions"]]
    assert len(set(all_lines)) == len(all_lines), "each action line is used once"


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_indicator_counts_per_battery(code):
    exp = EXPECTED[code]
    inds = [i for o in load(code)["objectives"] for i in o["indicators"]]
    for battery in ("processo", "output", "outcome"):
        assert sum(1 for i in inds if i["battery"] == battery) == exp[battery], battery
    lines = [i["line"] for i in inds]
    assert len(set(lines)) == len(lines), "each indicator line is used once"


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_budget(code):
    exp = EXPECTED[code]
    budget = load(code)["budget"]
    assert len(budget) == exp["budget_lines"]
    amounts = [b["amount"] for b in budget if b["amount"] is not None]
    assert sum(amounts) == pytest.approx(exp["budget_sum"])
    assert sum(1 for b in budget if b["to_be_completed"]) == exp["to_be_completed"]
    codes = {o["code"] for o in load(code)["objectives"]}
    for b in budget:
        assert b["source"] in SOURCES
        assert b["public"] in (True, False, None)
        assert isinstance(b["approximate"], bool)
        assert isinstance(b["to_be_completed"], bool)
        assert b["year"] is None or isinstance(b["year"], int)
        assert b["objective"] is None or b["objective"] in codes
        if b["to_be_completed"]:
            assert b["amount"] is None
        assert isinstance(b["text"], str) and b["text"].strip()


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_every_record_has_line_within_card_range(code):
    low, high = EXPECTED[code]["range"]
    for label, record in all_records(load(code)):
        line = record.get("line")
        assert isinstance(line, int) and not isinstance(line, bool), label
        assert low <= line <= high, f"{label}: line {line} outside {low}-{high}"


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_enum_values(code):
    data = load(code)
    card = data["card"]
    assert set(card["flags"]) == FLAG_KEYS
    for key, flag in card["flags"].items():
        assert flag["value"] in (True, False, None), key
    assert card["service_kind"]["value"] in SERVICE_KINDS
    assert set(card["transversal"]["areas"]) <= LETTERS
    for obj in data["objectives"]:
        assert obj["kind"] in KINDS
        for ind in obj["indicators"]:
            assert ind["battery"] in BATTERIES
            assert ind["unit"] in UNITS
            assert ind.get("higher_is_better", True) in (True, False)
    for b in data["budget"]:
        assert b["source"] in SOURCES


def _norm(s: str) -> str:
    s = s.replace("**", "")
    s = re.sub(r"^(\s*-\s*)+", "", s)
    s = re.sub(r"^\d-", "", s)
    return re.sub(r"\s+", " ", s).strip().lower()


@pytest.mark.skipif(not SOURCE.exists(), reason="source plan not available")
@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_texts_are_found_at_their_line(code):
    """Objectives, actions and indicators are copied from the line they point to (first 40 characters)."""
    src = SOURCE.read_text(encoding="utf-8").split("\n")
    for obj in load(code)["objectives"]:
        records = [obj, *obj["actions"], *obj["indicators"]]
        for rec in records:
            head = _norm(rec["text"])[:40]
            assert head in _norm(src[rec["line"] - 1]), f"{code}: {rec['text'][:60]!r} not at line {rec['line']}"

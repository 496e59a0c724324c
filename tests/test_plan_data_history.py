"""The real plan files data/plan/plan.yaml and data/plan/history_2021_2023.yaml against figures counted by hand
in shared/seeds/003_4be68b8e0ea9bbb6.txt (line numbers below are 1-based lines of that file).
Choices on ambiguous text: data/notes/plan_history.md."""

from collections import Counter
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PLAN_FILE = ROOT / "data/plan/plan.yaml"
HISTORY_FILE = ROOT / "data/plan/history_2021_2023.yaml"
SOURCE_LINES = 2935  # `grep -c '' 003_4be68b8e0ea9bbb6.txt`

BANDS = ("nullo", "insufficiente", "sufficiente", "buono", "ottimo")
ADEQUACY = ("gravemente_inadeguato", "inadeguato", "sufficientemente_adeguato", "adeguato", "perfettamente_adeguato")
SPEND = ("sotto_100", "ottimo", "sottostimato")


@pytest.fixture(scope="module")
def plan():
    return yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def outcomes():
    return yaml.safe_load(HISTORY_FILE.read_text(encoding="utf-8"))["outcomes"]


def _line_ok(value):
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= SOURCE_LINES


# --- plan.yaml --------------------------------------------------------------------------------


def test_header(plan):
    assert plan["plan"] == {
        "title": "Piano di Zona 2025-2027",
        "ambito": "Ambito Sociale Cremonese",
        "first_year": 2025,
        "last_year": 2027,
    }


def test_sub_areas_and_municipalities(plan):
    # lines 956-968: AT 1 (956) 5 names, AT 2 (958) 6, AT 3 (960) 7, AT 4 (962) 8, AT 5 (964) 12,
    # AT 6 (966) 9, AT 7 (968) "CREMONA città" 1.
    subs = plan["sub_areas"]
    assert [s["code"] for s in subs] == ["AT1", "AT2", "AT3", "AT4", "AT5", "AT6", "AT7"]
    assert [s["line"] for s in subs] == [956, 958, 960, 962, 964, 966, 968]
    assert {s["code"]: len(s["municipalities"]) for s in subs} == {
        "AT1": 5,
        "AT2": 6,
        "AT3": 7,
        "AT4": 8,
        "AT5": 12,
        "AT6": 9,
        "AT7": 1,
    }
    assert subs[-1]["municipalities"] == ["CREMONA"]
    # The list adds up to the Ambito's 48 municipalities (lines 432 and 523 say 48): 5+6+7+8+12+9+1 = 48.
    names = [m for s in subs for m in s["municipalities"]]
    assert len(names) == 48
    assert len(set(names)) == 48
    assert all(isinstance(m, str) and m == m.strip() and m for m in names)


def test_macro_area_letters_in_order(plan):
    # catalogue lines 128-232: A B D E F G H I J (no C); K from the K card, line 2812
    assert [a["letter"] for a in plan["macro_areas"]] == ["A", "B", "D", "E", "F", "G", "H", "I", "J", "K"]
    assert [a["line"] for a in plan["macro_areas"]] == [130, 144, 153, 166, 181, 190, 201, 211, 224, 2812]


def test_macro_area_titles(plan):
    titles = {a["letter"]: a["title"] for a in plan["macro_areas"]}
    assert titles["A"] == "Contrasto alla povertà e all'emarginazione sociale e promozione dell'inclusione attiva"
    assert titles["D"] == "Domiciliarità"
    assert titles["J"] == "Interventi a favore di persone con disabilità"
    assert titles["K"].startswith("Interventi di sistema per il potenziamento dell'Ufficio di Piano")
    assert not any("'" in t.split()[-1] for t in titles.values())  # no POVERTA'-style apostrophe left


def test_key_points_per_area(plan):
    # A 133-142 (10), B 147-151 (5), D 156-164 (9), E 169-179 (11), F 184-188 (5), G 193-199 (7),
    # H 204-209 (6), I 214-222 (9), J 227-232 (6); K has no catalogue section (0).
    counts = {a["letter"]: len(a["key_points"]) for a in plan["macro_areas"]}
    assert counts == {"A": 10, "B": 5, "D": 9, "E": 11, "F": 5, "G": 7, "H": 6, "I": 9, "J": 6, "K": 0}
    assert sum(counts.values()) == 68
    ranges = {
        "A": (133, 142),
        "B": (147, 151),
        "D": (156, 164),
        "E": (169, 179),
        "F": (184, 188),
        "G": (193, 199),
        "H": (204, 209),
        "I": (214, 222),
        "J": (227, 232),
    }
    for area in plan["macro_areas"]:
        if area["letter"] in ranges:
            first, last = ranges[area["letter"]]
            assert [p["line"] for p in area["key_points"]] == list(range(first, last + 1))
        assert all(p["text"].strip() == p["text"] and p["text"] for p in area["key_points"])


def test_plan_lines_are_ints_in_range(plan):
    records = plan["sub_areas"] + plan["macro_areas"] + [p for a in plan["macro_areas"] for p in a["key_points"]]
    assert all(_line_ok(r["line"]) for r in records)


# --- history_2021_2023.yaml -------------------------------------------------------------------


def test_number_of_cards(outcomes):
    # 17 grids printed in 332-584; the one at 392-400 repeats 377-390 and is loaded once -> 16
    assert len(outcomes) == 16
    assert [o["line"] for o in outcomes] == [
        335,
        346,
        357,
        367,
        377,
        404,
        414,
        426,
        472,
        485,
        497,
        509,
        543,
        554,
        565,
        576,
    ]
    assert len({o["objective"] for o in outcomes}) == 16


def test_cards_per_band(outcomes):
    # 1-49%: 577; 50-79%: 336 358 368 378 405 566; 80-99%: 347 415 462 474 486 499 510 544 555
    assert Counter(o["band"] for o in outcomes) == {"insufficiente": 1, "sufficiente": 6, "buono": 9}
    ranges = {"insufficiente": "1-49%", "sufficiente": "50-79%", "buono": "80-99%"}
    assert all(o["achievement_range"] == ranges[o["band"]] for o in outcomes)


def test_cards_per_area(outcomes):
    # A: POVERTA' 335 346 357 + PROMOZIONE INCLUSIONE ATTIVA 414 426; B: ABITATIVE 367 377 + no heading 404;
    # E: DOMICILIARITA'/ANZIANI 472 485 497 509 543; I: FAMIGLIE E MINORI 554 565; F: DIGITALIZZAZIONE 576
    assert Counter(o["area"] for o in outcomes) == {"A": 5, "B": 3, "E": 5, "I": 2, "F": 1}
    assert [o["line"] for o in outcomes if o["area_title"] is None] == [404]


def test_cards_per_resource_adequacy(outcomes):
    # Adeguato: 338 349 360 464 476 488 501 512 546 557; Sufficientemente adeguato: 371 380 407 417 569;
    # Inadeguato: 579
    assert Counter(o["resource_adequacy"] for o in outcomes) == {
        "adeguato": 10,
        "sufficientemente_adeguato": 5,
        "inadeguato": 1,
    }


def test_cards_per_spend_class(outcomes):
    # >100%: 361; 100%: 465 477; <100%: the other 13
    assert Counter(o["spend_class"] for o in outcomes) == {"sotto_100": 13, "ottimo": 2, "sottostimato": 1}


def test_yes_no_answers(outcomes):
    # every BISOGNO row says SI/Si; RIPROPOSTO: NO at 469, no SI/NO at 412 and 422, SI elsewhere;
    # no card has the 2018-2020 continuity row
    assert all(o["need_answered"] is True for o in outcomes)
    assert Counter(o["proposed_again"] for o in outcomes) == {True: 13, False: 1, None: 2}
    assert [o["line"] for o in outcomes if o["proposed_again"] is None] == [404, 414]
    assert all(o["continuity_previous"] is None for o in outcomes)


def test_history_enums_and_lines(outcomes, plan):
    letters = {a["letter"] for a in plan["macro_areas"]}
    for o in outcomes:
        assert o["area"] is None or o["area"] in letters
        assert o["band"] in BANDS
        assert o["resource_adequacy"] in ADEQUACY
        assert o["spend_class"] in SPEND
        assert _line_ok(o["line"]) and 332 <= o["line"] <= 585
        assert isinstance(o["objective"], str) and o["objective"].strip()
        assert "Obiettivo" not in o["objective"][:10]
        assert "<" not in (o["output"] or "").replace("<100%", "")  # no HTML left

"""The regional grid: band edges, spend classes, bad inputs (DOMAIN.md)."""

import math

import pytest

from models.scoring import (
    BANDS,
    Band,
    SpendClass,
    achievement_band,
    band_label,
    expected_share,
    expected_share_of_year,
    indicator_achievement,
    objective_achievement,
    spend_class,
    spend_class_label,
    spend_ratio,
)


@pytest.mark.parametrize(
    "percent, band",
    [
        (0, "nullo"),
        (0.0, "nullo"),
        (0.4, "insufficiente"),
        (0.5, "insufficiente"),
        (1, "insufficiente"),
        (49, "insufficiente"),
        (49.5, "insufficiente"),
        (49.9, "insufficiente"),
        (50, "sufficiente"),
        (79.99, "sufficiente"),
        (80, "buono"),
        (99.5, "buono"),
        (99.9, "buono"),
        (100, "ottimo"),
        (100.0, "ottimo"),
        (137, "ottimo"),
    ],
)
def test_band_edges(percent, band):
    assert achievement_band(percent).label == band


@pytest.mark.parametrize("bad", [-0.1, -5, float("nan"), float("inf"), "50", None, True])
def test_band_refuses_bad_input_with_message(bad):
    with pytest.raises(ValueError, match="Grado di raggiungimento"):
        achievement_band(bad)


def test_bands_in_grid_order_with_distinct_labels_and_colours():
    assert [b.label for b in BANDS] == ["nullo", "insufficiente", "sufficiente", "buono", "ottimo"]
    assert len({b.colour for b in BANDS}) == 5
    assert Band.OTTIMO.range_label == "100%" and Band.INSUFFICIENTE.range_label == "1-49%"


@pytest.mark.parametrize("done, planned, expected", [(0, 4, 0), (1, 4, 25), (4, 4, 100), (1, 3, 100 / 3)])
def test_objective_achievement(done, planned, expected):
    assert objective_achievement(done, planned) == pytest.approx(expected)


def test_objective_with_no_planned_actions_is_not_computable():
    assert objective_achievement(0, 0) is None
    assert band_label(objective_achievement(0, 0)) == "non calcolabile"


@pytest.mark.parametrize("done, planned", [(-1, 3), (4, 3), (1.5, 3), (1, "3")])
def test_objective_achievement_refuses_bad_counts(done, planned):
    with pytest.raises(ValueError):
        objective_achievement(done, planned)


def test_indicator_achievement_higher_is_better():
    assert indicator_achievement(5, 10) == 50
    assert indicator_achievement(15, 10) == 150
    assert achievement_band(indicator_achievement(15, 10)) is Band.OTTIMO
    assert indicator_achievement(5, 0) is None  # target 0: no ratio
    assert indicator_achievement(None, 10) is None and indicator_achievement(5, None) is None


def test_indicator_achievement_lower_is_better():
    assert indicator_achievement(20, 30, higher_is_better=False) == 100  # beat the target
    assert indicator_achievement(30, 30, higher_is_better=False) == 100
    assert indicator_achievement(60, 30, higher_is_better=False) == 50  # twice the target
    assert indicator_achievement(0, 0, higher_is_better=False) == 100
    assert indicator_achievement(5, 0, higher_is_better=False) == 0


@pytest.mark.parametrize(
    "paid, budget, ratio, cls",
    [
        (0, 1000, 0, SpendClass.SOTTO_100),
        (994, 1000, 99.4, SpendClass.SOTTO_100),
        (999, 1000, 99.9, SpendClass.SOTTO_100),
        (1000, 1000, 100, SpendClass.OTTIMO),
        (1006, 1000, 100.6, SpendClass.SOTTOSTIMATO),
        (0.3, 0.1, 300, SpendClass.SOTTOSTIMATO),
    ],
)
def test_spend_classes(paid, budget, ratio, cls):
    r = spend_ratio(paid, budget)
    assert r == pytest.approx(ratio)
    assert spend_class(r) is cls


def test_spend_class_on_ratios_at_the_edges():
    assert spend_class(0) is SpendClass.SOTTO_100
    assert spend_class(99.4) is SpendClass.SOTTO_100
    assert spend_class(100) is SpendClass.OTTIMO
    assert spend_class(100.6) is SpendClass.SOTTOSTIMATO
    assert SpendClass.SOTTO_100.label == "non realizzato come programmato o sovrastimato"
    assert SpendClass.SOTTOSTIMATO.label == "sottostimato"


def test_budget_zero_is_not_computable():
    assert spend_ratio(100, 0) is None
    assert spend_class(spend_ratio(0, 0)) is None
    assert spend_class_label(spend_ratio(5, 0)) == "non calcolabile"


@pytest.mark.parametrize("paid, budget", [(-1, 10), (10, -1), ("10", 10), (math.nan, 10)])
def test_spend_ratio_refuses_bad_input(paid, budget):
    with pytest.raises(ValueError):
        spend_ratio(paid, budget)


def test_expected_share_pro_rata():
    assert expected_share(2025, 1, 2025, 2027) == pytest.approx(100 / 6)
    assert expected_share(2026, 2, 2025, 2027) == pytest.approx(400 / 6)
    assert expected_share(2027, 2, 2025, 2027) == 100
    assert expected_share(2024, 2, 2025, 2027) == 0
    assert expected_share_of_year(1) == 50 and expected_share_of_year(2) == 100
    with pytest.raises(ValueError, match="Semestre"):
        expected_share(2025, 3, 2025, 2027)

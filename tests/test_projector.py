"""The projector's slides (models/charts.py slide_ranges, components/dashboard_controls.py stepping), the
objectives chart's readability settings and the screen size from the bookmark (&schermo=1920)."""

import pytest

from models import charts
from models.dashboard_results import AreaRow, Money, ObjectiveRow, Tally
from tests.apptest_helpers import app_env, logged_in, prepared


@pytest.mark.parametrize(
    "n, expected",
    [
        (0, [(0, 0)]),
        (1, [(0, 1)]),
        (7, [(0, 7)]),
        (8, [(0, 4), (4, 8)]),
        (9, [(0, 5), (5, 9)]),
        (14, [(0, 7), (7, 14)]),
        (15, [(0, 5), (5, 10), (10, 15)]),
    ],
)
def test_slide_ranges_are_balanced_and_cover_every_objective(n, expected):
    ranges = charts.slide_ranges(n)
    assert ranges == expected
    assert [i for a, b in ranges for i in range(a, b)] == list(range(n))
    assert all(b - a <= charts.PROJECTOR_OBJECTIVES_PER_SLIDE for a, b in ranges)


def _rows(n: int) -> list[ObjectiveRow]:
    return [
        ObjectiveRow(
            id=i,
            code=f"J{i}",
            text="Un obiettivo dal testo piuttosto lungo " * 3,
            state="approvata",
            counted=True,
            done=i % 3,
            planned=2,
            money=Money(),
        )
        for i in range(n)
    ]


def test_objectives_chart_draws_every_label_and_keeps_text_large():
    area = AreaRow("J", "Disabilità", 14, Tally(), Money())
    fig = charts.objectives_achievement(
        _rows(7), area, "II semestre 2026", "solo report approvati", projector=1.0, height=390, slide="1 di 2"
    )
    assert "area J (1 di 2) · II semestre 2026" in fig.layout.title.text
    assert list(fig.layout.yaxis.tickvals) == list(fig.data[0].y)  # every category labelled, none skipped
    assert fig.layout.yaxis.tickmode == "array"
    assert fig.layout.xaxis.tickangle == 0 and list(fig.layout.xaxis.ticktext) == ["0 %", "50 %", "80 %", "100 %"]
    assert fig.layout.uniformtext.mode == "show" and fig.layout.uniformtext.minsize >= charts.BAR_TEXT_MIN_PX
    big = charts.objectives_achievement(_rows(7), area, "II semestre 2026", "", projector=1.45, height=565)
    assert big.layout.uniformtext.minsize > fig.layout.uniformtext.minsize


@pytest.fixture
def app_db(tmp_path):
    with app_env(tmp_path / "app.sqlite3") as engine:
        yield prepared(engine)


def test_bookmark_with_schermo_1920_opens_sized_for_1920(app_db):
    at = logged_in("com")
    at.query_params["proiettore"] = "1"
    at.query_params["schermo"] = "1920"
    at.switch_page("pages/cruscotto.py").run()
    assert not at.exception
    assert at.radio(key="cr_screen").value == "1920 × 1080"
    at.radio(key="cr_screen").set_value("1280 × 720").run()  # the choice in Opzioni rewrites the bookmark
    assert at.query_params["schermo"] == ["1280"] or at.query_params["schermo"] == "1280"
    assert at.radio(key="cr_screen").value == "1280 × 720"


def test_an_area_without_money_says_so_instead_of_an_empty_chart(app_db):
    from components.dashboard_sections import no_money_sentence

    area = AreaRow("K", "Sistema", 1, Tally(), Money(budget_missing=1))
    assert no_money_sentence(area, "II semestre 2026") == (
        "L'area K non ha budget con importo nel piano (1 voce di budget senza importo) e nessuna spesa "
        "registrata fino al II semestre 2026."
    )

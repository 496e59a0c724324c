"""One vocabulary (models/vocab.py): counts that agree with their noun, one way to write a semester, page
titles equal to the menu entries, and chart labels that do not sit on each other."""

import pytest

from components.navigation import PAGES
from models import charts
from models.dashboard_results import TrendPoint
from models.vocab import PAGE_TITLES, count_of, plural, semester_label, semester_short_label
from tests.apptest_helpers import app_env, logged_in, prepared


@pytest.mark.parametrize(
    "n, expected",
    [
        (0, "0 obiettivi"),
        (1, "1 obiettivo"),
        (2, "2 obiettivi"),
        (1463, "1.463 obiettivi"),  # grouped as every figure: the queue's "1.463 report" beside "Report 1–25 di 1.463"
        (10**6, "1.000.000 obiettivi"),
    ],
)
def test_plural(n, expected):
    assert plural(n, "obiettivo", "obiettivi") == expected


def test_count_of_agrees_with_the_first_number():
    assert count_of(1, 2, "obiettivo", "obiettivi") == "1 obiettivo su 2"
    assert count_of(3, 5, "azione realizzata", "azioni realizzate") == "3 azioni realizzate su 5"


def test_semester_written_one_way():
    assert semester_label(2026, 1) == "I semestre 2026" and semester_label(2025, 2) == "II semestre 2025"
    assert semester_short_label(2026, 1) == "I sem. 2026"
    assert charts.short_semester(2026 * 2 + 2) == "II sem. 2026"


def test_menu_entries_are_the_page_titles():
    assert {spec.key: spec.title for spec in PAGES} == {
        k: v for k, v in PAGE_TITLES.items() if k in {spec.key for spec in PAGES}
    }


@pytest.fixture
def app_db(tmp_path):
    with app_env(tmp_path / "app.sqlite3") as engine:
        yield prepared(engine)


@pytest.mark.parametrize("key", ["account", "revisione", "impostazione", "utenti", "report", "piano"])
def test_page_title_is_the_menu_entry(app_db, key):
    spec = next(s for s in PAGES if s.key == key)
    at = logged_in("uff", spec.file)
    assert at.title[0].value == PAGE_TITLES[key]


def test_panoramica_and_scheda_count_the_same_objectives(app_db):
    at = logged_in("uff", "pages/home.py")
    table = at.table[0].value
    a_row = table[table["Area"] == "A"].iloc[0]
    assert a_row["Obiettivi specifici"] == 2  # A.1 and A.2; A.0 is the general objective
    at = logged_in("uff", "pages/piano.py")
    captions = [c.value for c in at.caption]
    assert any(c.startswith("2 obiettivi specifici (più 1 obiettivo generale)") for c in captions), captions


def test_trend_labels_of_one_semester_never_on_the_same_side():
    points = [
        TrendPoint(
            area="",
            semester="II semestre 2026",
            ordinal=2026 * 2 + 2,
            achievement=56.2,
            ratio=58.0,
            expected_share=66.7,
        )
    ]
    fig = charts.trend_chart(points, "Tutto il piano", "II semestre 2026", "solo report approvati")
    achievement, ratio, expected = fig.data
    assert (achievement.textposition, ratio.textposition) == (("bottom center",), ("top center",))
    assert expected.text is None and "66,7 %" in expected.name

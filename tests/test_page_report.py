"""Report ed Excel under AppTest: each role sees its part of the page, and only that."""
import pytest

from tests.apptest_helpers import app_env, logged_in, prepared

PAGE = "pages/report.py"


@pytest.fixture
def app_db(tmp_path):
    with app_env(tmp_path / "app.sqlite3") as engine:
        yield prepared(engine)


def _headings(at) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("### ")]


def _downloads(at) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def test_lead_gets_the_template_of_their_areas_and_no_reports(app_db):
    at = logged_in("refa", PAGE)
    assert not at.exception, at.exception
    assert _headings(at) == ["### Inserimento offline con Excel"]
    assert at.multiselect(key="tpl_areas").options == ["A"] and at.multiselect(key="tpl_areas").value == ["A"]
    assert _downloads(at) == ["Scarica il modello Excel"]


def test_comitato_gets_the_reports_and_no_template(app_db):
    at = logged_in("com", PAGE)
    assert not at.exception, at.exception
    assert _headings(at) == ["### Report semestrale e annuale"]
    assert _downloads(at) == ["Report semestrale .xlsx", "Report annuale .xlsx", "Report annuale .html"]
    assert at.radio(key="rep_submitted").value is False  # only approved reports, unless asked


def test_office_gets_both(app_db):
    at = logged_in("uff", PAGE)
    assert not at.exception, at.exception
    assert _headings(at) == ["### Inserimento offline con Excel", "### Report semestrale e annuale"]
    assert len(_downloads(at)) == 4

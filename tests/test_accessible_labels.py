"""Every field of the lead's form has its own accessible name (a screen reader announces only the label):
repeated fields say which indicator or funding source they belong to, and what submission needs says so in text."""

import pytest

from models.formatting import shorten
from tests.apptest_helpers import app_env, logged_in, prepared

PAGE = "pages/inserimento.py"


@pytest.fixture
def app_db(tmp_path):
    with app_env(tmp_path / "app.sqlite3") as engine:
        yield prepared(engine)


def form_labels(at) -> list[str]:
    widgets = [*at.text_input, *at.text_area, *at.selectbox, *at.radio, *at.checkbox]
    return [w.label for w in widgets]


def test_every_field_of_the_form_has_a_unique_label(app_db):
    at = logged_in("refa", PAGE)
    assert not at.exception
    # a second funding source, so that the spend fields repeat
    at.selectbox(key=next(s.key for s in at.selectbox if s.label == "Aggiungi una fonte")).select("FSR").run()
    labels = form_labels(at)
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    assert not repeated, repeated
    spend = [label for label in labels if label.startswith("Impegnato (€)")]
    assert len(spend) >= 2 and all(" – " in label for label in spend), spend
    values = [label for label in labels if label.startswith("Valore")]
    assert values and all(" – " in label and len(label.split(" – ", 1)[1]) > 5 for label in values), values


def test_value_label_names_its_indicator(app_db):
    at = logged_in("refa", PAGE)
    first = next(t for t in at.text_input if t.label.startswith("Valore"))
    indicator = first.label.split(" – ", 1)[1]
    assert shorten(indicator) == indicator
    shown = [m.value.replace("\\", "") for m in at.markdown]  # markdown-escaped text
    assert any(indicator.rstrip("…") in text for text in shown)  # the indicator's text is shown above it


def test_fields_needed_for_submission_say_so_in_text(app_db):
    at = logged_in("refa", PAGE)
    labels = form_labels(at)
    for start in (
        "Valutazione da parte degli utenti",
        "Adeguatezza delle risorse",
        "L'obiettivo ha risposto",
        "L'obiettivo verrà riproposto",
        "Motivazione",
    ):
        matching = [label for label in labels if label.startswith(start)]
        assert matching and all("obbligatori" in label for label in matching), (start, matching)
    assert not [label for label in labels if label.startswith("Nota") and " – " in label and "obbligatori" in label]

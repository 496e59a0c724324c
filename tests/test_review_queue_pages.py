"""The review queue one page at a time (issue 19: 1,463 rows with a checkbox and a link each took seconds): the
range control, moving between pages, a selection kept across pages for the bulk approval; the table's filters."""

from datetime import date

import pytest
from sqlmodel import select

from components import pager
from models.db import session_scope
from models.permissions import Actor
from models.reports import ReportInput, save_report
from models.tables import Objective, Report, Semester, User
from tests.apptest_helpers import app_env, logged_in, prepared

PAGE = "pages/revisione.py"


@pytest.fixture
def all_submitted(tmp_path):
    """The small plan with every monitored objective submitted by the office."""
    with app_env(tmp_path / "app.sqlite3") as engine:
        prepared(engine)
        with session_scope(engine) as s:
            sem = s.exec(select(Semester)).first()
            uff = s.exec(select(User).where(User.username == "uff")).one()
            for obj in s.exec(select(Objective).where(Objective.kind == "specifico", Objective.retired == False)):
                save_report(
                    ReportInput(
                        obj.id,
                        sem.id,
                        None,
                        users_not_relevant=True,
                        resource_adequacy="adeguato",
                        need_answered="SI",
                        need_reason="sì",
                        proposed_again="SI",
                        proposed_reason="sì",
                    ),
                    actor=Actor(uff.id, "uff", "ufficio_di_piano"),
                    session=s,
                    submit=True,
                    today=date(sem.year, 1, 1),
                )
        yield engine


def _picks(at) -> list[str]:
    return [c.label for c in at.checkbox if c.key and c.key.startswith("rev_pick_")]


def _range(at) -> str:
    box = next(s for s in at.selectbox if s.label == "Pagina della coda di revisione")
    return box.format_func(box.value)


def test_range_label_in_italian():
    assert pager.range_label(0, 1463, "Report") == "Report 1–25 di 1.463"
    assert pager.range_label(58, 1463, "Report") == "Report 1.451–1.463 di 1.463"
    assert pager.page_count(1463) == 59 and pager.page_count(25) == 1 and pager.page_count(0) == 1


def test_a_short_queue_has_no_pager(all_submitted):
    at = logged_in("uff", PAGE)
    assert not at.exception, at.exception
    assert len(_picks(at)) > 2  # the small plan's queue fits in one page: every row, no control
    assert not [s for s in at.selectbox if s.label == "Pagina della coda di revisione"]
    assert not [b for b in at.button if b.key in ("rev_queue_page_back", "rev_pick_page")]


def test_pages_and_a_selection_across_pages(all_submitted, monkeypatch):
    monkeypatch.setattr(pager, "PAGE_SIZE", 1)  # the small plan's three reports: three pages
    at = logged_in("uff", PAGE)
    assert not at.exception, at.exception
    first = _picks(at)
    assert len(first) == 1
    assert _range(at) == "Report 1–1 di 3"
    assert at.button(key="rev_queue_page_back").disabled
    at.checkbox(key=next(c.key for c in at.checkbox if c.label == first[0])).check().run()
    at.button(key="rev_queue_page_forward").click().run()
    assert not at.exception, at.exception
    second = _picks(at)
    assert _range(at) == "Report 2–2 di 3" and second != first
    at.checkbox(key=next(c.key for c in at.checkbox if c.label == second[0])).check().run()
    assert at.button(key="rev_bulk").label == "Approva i selezionati (2)"  # one on this page, one on the first
    at.selectbox(key="rev_queue_page_of_3").select(2).run()  # the last page, through the range selector
    assert _range(at) == "Report 3–3 di 3" and at.button(key="rev_queue_page_forward").disabled
    at.button(key="rev_queue_page_back").click().run()
    at.button(key="rev_queue_page_back").click().run()
    assert _picks(at) == first and at.checkbox[0].value  # the tick survived the other pages
    at.button(key="rev_bulk").click().run()
    assert not at.exception, at.exception
    assert any("Approvati 2 report" in s.value for s in at.success)
    with session_scope(all_submitted) as s:
        approved = {o.code for r, o in s.exec(select(Report, Objective).join(Objective)) if r.state == "approvata"}
    assert approved == {label.removeprefix("Seleziona ").split(" ")[0] for label in (*first, *second)}
    assert not at.checkbox[0].value and at.button(key="rev_bulk").label == "Approva i selezionati (0)"
    assert not [s for s in at.selectbox if s.label == "Pagina della coda di revisione"]  # one report left


def test_select_a_page_and_clear(all_submitted, monkeypatch):
    monkeypatch.setattr(pager, "PAGE_SIZE", 2)
    at = logged_in("uff", PAGE)
    at.button(key="rev_pick_page").click().run()
    assert all(c.value for c in at.checkbox if c.key.startswith("rev_pick_"))
    assert at.button(key="rev_bulk").label == "Approva i selezionati (2)"
    at.button(key="rev_queue_page_forward").click().run()
    assert not any(c.value for c in at.checkbox if c.key.startswith("rev_pick_"))
    assert any(c.value == "Selezionati anche in altre pagine: 2." for c in at.caption)
    at.button(key="rev_pick_none").click().run()
    assert at.button(key="rev_bulk").label == "Approva i selezionati (0)"


def test_table_filters_by_area_and_state(all_submitted):
    at = logged_in("uff", PAGE)
    table = at.dataframe[0].value
    areas = sorted(set(table["Area"]))
    assert len(areas) > 1 and set(table["Stato"]) == {"inviata"}
    at.multiselect(key="rev_areas").select(areas[0]).run()
    shown = at.dataframe[0].value
    assert set(shown["Area"]) == {areas[0]} and 0 < len(shown) < len(table)
    at.multiselect(key="rev_states").select("approvata").run()
    assert len(at.dataframe[0].value) == 0


def test_a_ticked_box_is_not_sent_back_to_the_browser_on_later_runs(all_submitted):
    """The boxes show the kept selection, but a box whose value already agrees is not set again: a value set by the
    script is pushed to the browser (set_value), and it unticked a box ticked while another tick's run was going."""
    at = logged_in("uff", PAGE)
    boxes = [c for c in at.checkbox if c.key and c.key.startswith("rev_pick_")]
    assert len(boxes) >= 2
    first, second = boxes[0].key, boxes[1].key
    at.checkbox(key=first).check().run()
    assert not at.exception, at.exception
    assert at.checkbox(key=first).value and not at.checkbox(key=second).value
    assert not at.checkbox(key=first).proto.set_value and not at.checkbox(key=second).proto.set_value
    at.button(key="rev_bulk").click().run()  # approving unticks what it approved: set by the script, once
    assert not at.exception, at.exception


def test_the_page_selector_is_pushed_only_when_the_page_changes(all_submitted, monkeypatch):
    """components/pager.py: the range selector is set by the script when the page moves (a button), not on every
    run, where the pushed value could undo a page chosen during another run."""
    monkeypatch.setattr(pager, "PAGE_SIZE", 1)
    at = logged_in("uff", PAGE)
    at.run()  # a run that changes nothing
    assert not at.selectbox(key="rev_queue_page_of_3").proto.set_value
    at.button(key="rev_queue_page_forward").click().run()
    assert at.selectbox(key="rev_queue_page_of_3").proto.set_value  # moved by a button: shown in the selector
    assert _range(at) == "Report 2–2 di 3"

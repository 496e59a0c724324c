"""Inserimento dati under AppTest: a lead sees only their objectives, saves a draft, bad input is refused."""

import pytest
from sqlmodel import Session, select

from models.tables import IndicatorValue, Report
from tests.apptest_helpers import app_env, logged_in, prepared

PAGE = "pages/inserimento.py"


@pytest.fixture
def app_db(tmp_path):
    with app_env(tmp_path / "app.sqlite3") as engine:
        yield prepared(engine)


def test_lead_sees_only_own_area_objectives(app_db):
    at = logged_in("refa", PAGE)
    assert not at.exception
    options = next(s for s in at.selectbox if s.label == "Obiettivo").options
    assert options and all(" A · A." in o or o.startswith("A ·") for o in options)


def test_lead_saves_a_draft_and_bad_input_is_refused(app_db):
    at = logged_in("refa", PAGE)
    value_inputs = [t for t in at.text_input if t.label.startswith("Valore (numero")]
    value_inputs[0].input("dodici")
    next(b for b in at.button if b.label == "Salva bozza").click().run()
    assert not at.exception
    assert any("non è un numero" in e.value for e in at.error)
    with Session(app_db) as s:
        assert s.exec(select(Report)).first() is None
    value_inputs = [t for t in at.text_input if t.label.startswith("Valore (numero")]
    value_inputs[0].input("1.234")
    next(b for b in at.button if b.label == "Salva bozza").click().run()
    assert not at.exception, at.exception
    with Session(app_db) as s:
        assert s.exec(select(Report)).one().state == "bozza"
        assert 1234 in [v.value_num for v in s.exec(select(IndicatorValue))]


@pytest.mark.parametrize("page", ["pages/revisione.py", "pages/impostazione.py"])
def test_office_pages_render(app_db, page):
    at = logged_in("uff", page)
    assert not at.exception, at.exception
    assert at.title[0].value in ("Revisione semestrale", "Impostazione piano")


def test_lead_sees_waiting_reports_on_every_page(app_db):
    at = logged_in("refa")
    assert any("obiettivi ancora senza dati" in i.value for i in at.info)
    at = logged_in("uff")
    assert not any("Da fare" in i.value for i in at.info)


def test_conflict_keeps_typed_values_and_can_rebase(app_db):
    from datetime import date

    from models.db import session_scope
    from models.permissions import Actor
    from models.reports import ReportInput, save_report
    from models.tables import Objective, Semester, User

    at = logged_in("refa", PAGE)
    with session_scope(app_db) as s:  # someone else saves A.1 first
        obj = s.exec(select(Objective).where(Objective.code == "A.1")).one()
        sem = s.exec(select(Semester)).first()
        uff = s.exec(select(User).where(User.username == "uff")).one()
        save_report(
            ReportInput(obj.id, sem.id, None, critical_issues="Scritto dall'ufficio"),
            actor=Actor(uff.id, "uff", "ufficio_di_piano"),
            session=s,
            today=date(sem.year, 1, 1),
        )
    box = next(t for t in at.text_area if t.label.startswith("Criticità"))
    box.input("Scritto dal referente")
    next(b for b in at.button if b.label == "Salva bozza").click().run()
    assert not at.exception
    assert any("Qualcun altro" in e.value for e in at.error)
    assert next(t for t in at.text_area if t.label.startswith("Criticità")).value == "Scritto dal referente"
    next(b for b in at.button if b.label.startswith("Tieni i miei valori")).click().run()
    next(b for b in at.button if b.label == "Salva bozza").click().run()
    assert not at.exception
    with Session(app_db) as s:
        assert s.exec(select(Report)).one().critical_issues == "Scritto dal referente"


def test_reviewer_sees_the_note_of_a_report_sent_with_data_missing(app_db):
    from datetime import date

    from models.db import session_scope
    from models.permissions import Actor
    from models.reports import ReportInput, SpendInput
    from models.submission import submit_report
    from models.tables import Objective, Semester, User

    with session_scope(app_db) as s:
        obj = s.exec(select(Objective).where(Objective.code == "A.1")).one()
        sem = s.exec(select(Semester)).first()
        lead = s.exec(select(User).where(User.username == "refa")).one()
        data = ReportInput(
            obj.id,
            sem.id,
            None,
            spend=[SpendInput("FNPS", "", "")],
            users_not_relevant=True,
            resource_adequacy="adeguato",
            need_answered="SI",
            need_reason="sì",
            proposed_again="SI",
            proposed_reason="sì",
        )
        submit_report(
            data,
            actor=Actor(lead.id, "refa", "referente", frozenset({"A"})),
            session=s,
            note="Spesa FNPS non ancora liquidata",
            today=date(sem.year, sem.half * 6, 1),
        )
    at = logged_in("uff", "pages/revisione.py")
    next(s for s in at.selectbox if s.label == "Obiettivo").set_value(obj.id).run()
    assert not at.exception, at.exception
    assert any(
        "Inviato con dati mancanti (1 fonte senza spesa)" in w.value and "Spesa FNPS non ancora liquidata" in w.value
        for w in at.warning
    )


def test_lead_opens_on_the_first_objective_to_do_and_the_list_links_to_each(app_db):
    from datetime import date

    from models.db import session_scope
    from models.permissions import Actor
    from models.reports import ReportInput, save_report
    from models.review import review_report
    from models.tables import Objective, Semester, User

    with session_scope(app_db) as s:  # A.1 approved: read-only for the lead, so the page opens on A.2
        obj = s.exec(select(Objective).where(Objective.code == "A.1")).one()
        sem = s.exec(select(Semester)).first()
        uff = s.exec(select(User).where(User.username == "uff")).one()
        office = Actor(uff.id, "uff", "ufficio_di_piano")
        sent = save_report(
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
            actor=office,
            session=s,
            submit=True,
            today=date(sem.year, 1, 1),
        )
        review_report(obj.id, sem.id, "approve", actor=office, session=s, expected_version=sent.version)
    at = logged_in("refa", PAGE)
    assert not at.exception, at.exception
    picker = next(s for s in at.selectbox if s.label == "Obiettivo")
    assert picker.format_func(picker.value).startswith("A · A.2 ")
    assert any(i.value.startswith("Scadenza per l'inserimento:") for i in [*at.info, *at.warning])
    assert [b.label for b in at.button if b.key and b.key.startswith("todo_")] == ["A.2 (nessun dato)"]
    with session_scope(app_db) as s:  # back to the lead: the list's link opens A.1
        review_report(
            obj.id,
            sem.id,
            "send_back",
            actor=office,
            session=s,
            expected_version=sent.version + 1,
            comment="Manca la spesa",
        )
    at.run()
    next(b for b in at.button if b.label == "A.1 (da rivedere)").click().run()
    picker = next(s for s in at.selectbox if s.label == "Obiettivo")
    assert "A.1" in picker.format_func(picker.value) and "da rivedere" in picker.format_func(picker.value)


def test_the_list_to_complete_is_paged_when_long(app_db, monkeypatch):
    """Issue 19: at a hundred times the plan the office had 2,148 buttons; a page of them, with the range."""
    from components import pager

    at = logged_in("uff", PAGE)
    assert not at.exception, at.exception
    everything = [b.label for b in at.button if b.key and b.key.startswith("todo_")]
    assert len(everything) == 3  # the small plan fits in one page: every button, no control
    assert not [s for s in at.selectbox if s.label == "Pagina degli obiettivi da completare"]

    monkeypatch.setattr(pager, "BUTTON_PAGE_SIZE", 1)
    at.run()
    todo = lambda: [b.label for b in at.button if b.key and b.key.startswith("todo_") and "_page_" not in b.key]  # noqa: E731
    box = lambda: next(s for s in at.selectbox if s.label == "Pagina degli obiettivi da completare")  # noqa: E731
    assert todo() == everything[:1]
    assert box().format_func(box().value) == "Obiettivi 1–1 di 3"
    next(b for b in at.button if b.label == "Successivi ›").click().run()
    assert todo() == everything[1:2]
    assert box().format_func(box().value) == "Obiettivi 2–2 di 3"
    next(b for b in at.button if b.label == everything[1]).click().run()  # a button of the second page opens it
    picker = next(s for s in at.selectbox if s.label == "Obiettivo")
    assert f"· {everything[1].split(' ')[0]} ·" in picker.format_func(picker.value)
    assert todo() == everything[1:2]  # still on the second page


def test_a_large_plan_is_chosen_by_area_and_a_button_opens_its_objective_in_its_area(app_db, monkeypatch):
    """Past BY_AREA_OVER objectives (here 2 for the small plan's 4) the office picks an area, then one of its
    objectives; a button of the list to complete opens its objective with the area it belongs to."""
    from components import selectors

    monkeypatch.setattr(selectors, "BY_AREA_OVER", 2)
    at = logged_in("uff", PAGE)
    assert not at.exception, at.exception
    area = lambda: next(s for s in at.selectbox if s.label == "Area")  # noqa: E731
    picker = lambda: next(s for s in at.selectbox if s.label == "Obiettivo")  # noqa: E731
    assert area().value == "A"
    assert all(label.startswith("A · ") for label in picker().options)
    other = next(b for b in at.button if b.key and b.key.startswith("todo_") and not b.label.startswith("A."))
    other.click().run()
    assert not at.exception, at.exception
    assert area().value == other.label[0]
    assert picker().format_func(picker().value).startswith(f"{other.label[0]} · {other.label.split(' ')[0]} ")
    area().set_value("A").run()  # back to A: its first objective still with the lead
    assert picker().format_func(picker().value).startswith("A · A.")


def test_the_split_by_sub_area_is_drawn_when_opened_and_a_closed_split_keeps_what_was_typed(app_db):
    """The split's fields are drawn only while its expander is open (70 of 440 elements of the largest
    objective); closing it keeps what was typed, and the save writes it."""
    from models.tables import SubAreaValue

    at = logged_in("refa", PAGE)
    assert not at.exception, at.exception
    split_fields = lambda: [t for t in at.text_input if "ripartizione" in t.label]  # noqa: E731
    value_input = next(t for t in at.text_input if t.label.startswith("Valore (numero"))
    indicator = value_input.key.removesuffix(":v")
    assert not split_fields()  # nothing split yet: closed, no field drawn
    at.session_state[f"{indicator}:split_open"] = True  # the lead opens the first indicator's split
    at.run()
    fields = split_fields()
    assert fields and all(f.key.startswith(f"{indicator}:s") for f in fields)
    value_input = next(t for t in at.text_input if t.key == f"{indicator}:v")
    value_input.input("12")
    fields[0].input("12")  # the whole total in the first sub-area (the split must add up)
    at.run()
    at.session_state[f"{indicator}:split_open"] = False  # closed again before saving
    at.run()
    assert not split_fields()
    next(b for b in at.button if b.label == "Salva bozza").click().run()
    assert not at.exception, at.exception
    with Session(app_db) as s:
        assert [v.value for v in s.exec(select(SubAreaValue))] == [12], [e.value for e in at.error]


def test_a_refused_split_opens_with_its_error_and_can_be_closed_again(app_db):
    """A split typed, closed, then refused at the save (here its sum is not the total): the split opens with the
    error under it, so what to correct is in sight; the lead may close it again; the next refusal opens it again."""
    at = logged_in("refa", PAGE)
    assert not at.exception, at.exception
    split_fields = lambda: [t for t in at.text_input if "ripartizione" in t.label]  # noqa: E731
    indicator = next(t for t in at.text_input if t.label.startswith("Valore (numero")).key.removesuffix(":v")
    at.session_state[f"{indicator}:split_open"] = True
    at.run()
    next(t for t in at.text_input if t.key == f"{indicator}:v").input("12")
    split_fields()[0].input("5")  # 5 of 12: the split does not add up
    at.run()
    at.session_state[f"{indicator}:split_open"] = False  # closed before saving
    at.run()
    assert not split_fields()
    save = lambda: next(b for b in at.button if b.label == "Salva bozza").click().run()  # noqa: E731
    save()
    assert not at.exception, at.exception
    assert split_fields() and split_fields()[0].value == "5"  # opened, with what was typed
    assert any("la somma per sub" in e.value for e in at.error)
    at.session_state[f"{indicator}:split_open"] = False  # the lead closes it: it stays closed
    at.run()
    assert not split_fields() and any("la somma per sub" in e.value for e in at.error)
    save()  # refused again: open again
    assert split_fields()

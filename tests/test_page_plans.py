"""Two plans in the app (issue 20): the sidebar's plan selector appears only with two plans and switches what Il
Piano, the Cruscotto and the history page show; Impostazione piano closes the plan after a confirmation, and
the next plan's history page then shows the closed plan's results."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from components.plan_selector import K_WIDGET
from models import plans
from models.db import session_scope
from models.permissions import Actor
from models.plan_closing import close_plan
from models.plan_import import apply_plan_import
from models.tables import Objective, Semester, User, pk
from tests.apptest_helpers import app_env, logged_in, prepared
from tests.report_helpers import add_report
from tests.test_plans import next_plan_workbook


@pytest.fixture
def app_db(tmp_path):
    with app_env(tmp_path / "app.sqlite3") as engine:
        yield prepared(engine)  # the small plan 2025-2027, today's semester open


def load_second_plan(engine, tmp_path) -> int:
    folder = tmp_path / "piano-vuoto"
    folder.mkdir()
    with session_scope(engine) as s:
        uff = s.exec(select(User).where(User.username == "uff")).one()
        office = Actor(uff.id, "uff", "ufficio_di_piano", name="UFF")
        apply_plan_import(next_plan_workbook(engine), actor=office, session=s, plan_dir=folder)
    with Session(engine) as s:
        return plans.list_plans(session=s)[1].id


def captions(at) -> str:
    return " ".join(c.value for c in at.caption)


def test_the_selector_appears_with_two_plans_and_switches_il_piano_and_the_cruscotto(app_db, tmp_path):
    at = logged_in("com")  # the sidebar is drawn by the app's frame (AppTest's switch_page runs the page alone)
    assert not [s for s in at.sidebar.selectbox if s.key == K_WIDGET]  # one plan: no selector
    second = load_second_plan(app_db, tmp_path)
    with session_scope(app_db) as s:
        s.add(Semester(year=2028, half=1))
    at = logged_in("com")
    chooser = at.sidebar.selectbox(key=K_WIDGET)
    assert chooser.options == [
        "Piano 2025-2027 (in corso)",
        "Piano 2028-2030 (in corso)",
    ]
    at.switch_page("pages/piano.py").run()
    assert "Piano di Zona di prova ·" in captions(at)  # the current plan first
    at = logged_in("com")
    at.sidebar.selectbox(key=K_WIDGET).set_value(second).run()
    at.switch_page("pages/piano.py").run()
    assert not at.exception and "Piano di Zona di prova 2028-2030" in captions(at)
    at.switch_page("pages/cruscotto.py").run()
    assert not at.exception
    semester = at.selectbox(key="cr_semester")
    assert semester.options == ["I semestre 2028"]


def test_closing_the_plan_in_impostazione_fills_the_next_plan_s_history_page(app_db, tmp_path):
    second = load_second_plan(app_db, tmp_path)
    at = logged_in("uff", "pages/impostazione.py")
    at.session_state["imp_tab"] = "Semestri"
    at.run()
    at.button(key="close_plan").click().run()
    at.button(key="close_plan:yes").click().run()
    assert any("ancora aperto" in e.value for e in at.error), [e.value for e in at.error]  # today's semester
    with session_scope(app_db) as s:
        for sem in s.exec(select(Semester)):
            sem.state = "chiuso"
    at.button(key="close_plan").click().run()
    at.button(key="close_plan:yes").click().run()
    assert not at.exception
    with Session(app_db) as s:
        assert plans.current_plan(session=s).id == second
    at = logged_in("com")
    history_link = next(link for link in at.sidebar.get("page_link") if link.proto.page == "piano-2021-2023")
    assert history_link.proto.label == "Piano 2025-2027"  # the menu names the plan before the current one
    at.switch_page("pages/storico.py").run()
    assert at.title[0].value == "Piano 2025-2027"  # the history of the current plan, now 2028-2030
    assert "Risultati finali del piano 2025-2027" in captions(at)
    assert [m.value for m in at.metric][0] == "3"  # A.1, A.2, B.1
    at = logged_in("com")
    at.sidebar.selectbox(key=K_WIDGET).set_value(plans_first_id(app_db)).run()
    at.switch_page("pages/storico.py").run()
    assert at.title[0].value == "Piano 2021-2023" and [m.value for m in at.metric][0] == "1"


def plans_first_id(engine) -> int:
    with Session(engine) as s:
        return plans.list_plans(session=s)[0].id


def test_the_cruscotto_drill_down_shows_a_carried_over_objective_s_earlier_plan(app_db, tmp_path):
    folder = tmp_path / "piano-vuoto"
    folder.mkdir()
    with session_scope(app_db) as s:
        uff = s.exec(select(User).where(User.username == "uff")).one()
        office = Actor(uff.id, "uff", "ufficio_di_piano", name="UFF")
        apply_plan_import(next_plan_workbook(app_db, {"A.1": "A.1"}), actor=office, session=s, plan_dir=folder)
        first, second = (p.id for p in plans.list_plans(session=s))
        today = s.exec(select(Semester)).one()  # the first start opened today's semester (2025-2027)
        old_a1, new_a1 = (
            s.exec(select(Objective.id).where(Objective.code == "A.1", *plans.objectives_of(p))).one()
            for p in (first, second)
        )
        add_report(s, objective_id=old_a1, semester_id=pk(today), done=2, planned=4, state="approvata")
        today.state = "chiuso"
        s.flush()
        close_plan(first, actor=office, session=s)
        later = Semester(year=2028, half=1)
        s.add(later)
        s.flush()
        add_report(s, objective_id=new_a1, semester_id=pk(later), done=4, planned=4, state="approvata")
    at = logged_in("com")
    at.switch_page("pages/cruscotto.py").run()
    at.session_state["cr_tab"] = "Obiettivi e indicatori"
    at.run()
    assert not at.exception, at.exception
    tables = [d.value for d in at.dataframe if "Obiettivo" in d.value.columns and "Semestre" in d.value.columns]
    assert tables and list(tables[0]["Fascia"]) == ["sufficiente", "ottimo"], tables
    assert list(tables[0]["Obiettivo"]) == ["A.1 (piano precedente)", "A.1"]


def test_impostazione_links_an_objective_of_the_next_plan_to_its_predecessor(app_db, tmp_path):
    second = load_second_plan(app_db, tmp_path)
    with session_scope(app_db) as s:
        for sem in s.exec(select(Semester)):
            sem.state = "chiuso"
        uff = s.exec(select(User).where(User.username == "uff")).one()
        close_plan(plans_first_id(app_db), actor=Actor(uff.id, "uff", "ufficio_di_piano"), session=s)
    at = logged_in("uff", "pages/impostazione.py")
    assert not at.exception, at.exception
    objective = at.session_state["set_obj"]  # the current plan's first objective: A.1 of 2028-2030
    picker = next(s for s in at.selectbox if s.label.startswith("Lo stesso obiettivo nel piano precedente"))
    assert picker.value == 0 and picker.options[0] == "nessuno (obiettivo nuovo)"
    old = next(o for o in picker.options if o.startswith("A.1 ·"))
    picker.select(old).run()
    at.button(key="pred_save").click().run()
    assert not at.exception and not at.error
    with Session(app_db) as s:
        new = s.get(Objective, objective)
        assert new.predecessor_id is not None and s.get(Objective, new.predecessor_id).code == "A.1"
        assert objective in set(s.exec(select(Objective.id).where(*plans.objectives_of(second))))


def test_impostazione_chooses_the_predecessor_by_area_past_one_selector_s_worth(app_db, tmp_path, monkeypatch):
    """The previous plan's objectives (5,304 at a hundred times the plan) past BY_AREA_OVER (here 2): an area of
    the previous plan first, "nessuno" heading every area's list; the link saved is the one chosen there."""
    from components import selectors

    load_second_plan(app_db, tmp_path)
    with session_scope(app_db) as s:
        for sem in s.exec(select(Semester)):
            sem.state = "chiuso"
        uff = s.exec(select(User).where(User.username == "uff")).one()
        close_plan(plans_first_id(app_db), actor=Actor(uff.id, "uff", "ufficio_di_piano"), session=s)
    monkeypatch.setattr(selectors, "BY_AREA_OVER", 2)
    at = logged_in("uff", "pages/impostazione.py")
    assert not at.exception, at.exception
    objective = at.session_state["set_obj"]

    def picker():
        return next(s for s in at.selectbox if s.label.startswith("Lo stesso obiettivo nel piano precedente"))

    area = next(s for s in at.selectbox if s.label == "Area del piano precedente")
    assert area.value == "A" and picker().value == 0
    assert picker().options[0] == "nessuno (obiettivo nuovo)"
    assert {o[0] for o in picker().options[1:]} == {"A"}  # that area's objectives only
    letter = next(label.split()[1] for label in area.options if not label.startswith("Area A "))
    area.select(letter).run()
    assert not at.exception, at.exception
    assert picker().value == 0 and picker().options[0] == "nessuno (obiettivo nuovo)"
    assert {o[0] for o in picker().options[1:]} == {letter}
    picker().select(picker().options[1]).run()
    at.button(key="pred_save").click().run()
    assert not at.exception and not at.error
    with Session(app_db) as s:
        linked = s.get(Objective, s.get(Objective, objective).predecessor_id)
        assert linked is not None and linked.code.startswith(letter)


def test_impostazione_chooses_the_objective_by_area_past_one_selector_s_worth(app_db, monkeypatch):
    """Past BY_AREA_OVER objectives (here 2 for the small plan's 4; 5,304 at a hundred times the plan): an Area
    selector first, the objective selector listing that area's objectives, and choosing another area opens its
    first objective's targets."""
    from components import selectors

    monkeypatch.setattr(selectors, "BY_AREA_OVER", 2)
    at = logged_in("uff", "pages/impostazione.py")
    assert not at.exception, at.exception
    area = next(s for s in at.selectbox if s.label == "Area")
    picker = next(s for s in at.selectbox if s.label == "Obiettivo")
    assert area.value == "A" and {label[0] for label in picker.options} == {"A"}
    # the objective's few budget lines: a real table, no scrolling grid (whose code the browser would load)
    assert any("Importo" in t.value.columns for t in at.table) and not at.dataframe
    letter = next(label.split()[1] for label in area.options if not label.startswith("Area A "))
    area.select(letter).run()
    assert not at.exception, at.exception
    picker = next(s for s in at.selectbox if s.label == "Obiettivo")
    assert {label[0] for label in picker.options} == {letter}
    with Session(app_db) as s:
        shown = s.get(Objective, at.session_state["set_obj"])
        assert shown is not None and shown.code.startswith(letter)
        assert any(m.value.startswith(f"**{shown.code}**") for m in at.markdown)

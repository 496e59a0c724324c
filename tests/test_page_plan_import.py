"""Impostazione piano under AppTest, for an Ambito without YAML files: the page starts with no plan, offers the
template and the import, shows the problems of a wrong file, then previews and imports a good one."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from components.safe import md_escape
from models.plan_export import export_plan_xlsx
from models.startup import prepare_database
from models.tables import Objective
from models.users import create_user
from models.xlsx import MIME
from tests.apptest_helpers import PASSWORD, app_env, logged_in
from tests.conftest import SMALL_PLAN

PAGE = "pages/impostazione.py"
TAB_KEY = "imp_tab"  # the page's tabs (st.tabs key)


@pytest.fixture
def small_plan_xlsx(small_plan) -> bytes:
    with Session(small_plan) as s:
        return export_plan_xlsx(session=s)


@pytest.fixture
def app_db(tmp_path):
    empty = tmp_path / "piano-vuoto"
    empty.mkdir()
    with app_env(tmp_path / "app.sqlite3", plan_dir=empty) as engine:
        prepare_database(engine, empty)
        with Session(engine) as s:
            create_user(
                s,
                actor=None,
                username="uff",
                name="UFF",
                role="ufficio_di_piano",
                areas=[],
                password=PASSWORD,
                one_time=False,
            )
            s.commit()
        yield engine


def _broken(data: bytes) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Obiettivi"]
    ws.cell(row=2, column=1, value="Z")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_import_flow_on_the_page(app_db, small_plan_xlsx):
    at = logged_in("uff", PAGE)
    assert not at.exception
    assert any("non è ancora stato caricato" in i.value for i in at.info)
    assert "Scarica il modello vuoto del piano" in [b.proto.label for b in at.get("download_button")]

    at.get("file_uploader")[0].set_value(("errato.xlsx", _broken(small_plan_xlsx), MIME)).run()
    assert any("Il file non è stato importato" in e.value for e in at.error)
    table = at.table[0].value
    assert md_escape("Obiettivi!A2") in table["Cella"].tolist() and "Area" in table["Campo"].tolist()
    with Session(app_db) as s:
        assert s.exec(select(Objective)).first() is None

    at.get("file_uploader")[0].set_value(("piano.xlsx", small_plan_xlsx, MIME)).run()
    assert not at.error
    assert any(m.value.startswith("**Anteprima:") for m in at.markdown)
    at.button(key="plan_import_confirm").click().run()
    assert not at.exception
    with Session(app_db) as s:
        assert sorted(o.code for o in s.exec(select(Objective))) == ["A.0", "A.1", "A.2", "B.1"]
    assert any("Piano importato" in s.value for s in at.success), "shown in the tab where it was confirmed"
    assert at.session_state[TAB_KEY] == "Piano da Excel"
    at.session_state[TAB_KEY] = "Obiettivi, target e budget"
    at.run()
    assert "Obiettivo" in [b.label for b in at.selectbox], "the page now shows the plan's set-up"


def test_a_plan_from_yaml_refuses_the_import_on_the_page(tmp_path, small_plan_xlsx):
    with app_env(tmp_path / "app.sqlite3", plan_dir=SMALL_PLAN) as engine:
        prepare_database(engine, SMALL_PLAN)
        with Session(engine) as s:
            create_user(
                s,
                actor=None,
                username="uff",
                name="UFF",
                role="ufficio_di_piano",
                areas=[],
                password=PASSWORD,
                one_time=False,
            )
            s.commit()
        at = logged_in("uff", PAGE)
        assert not at.get("file_uploader"), "only the open tab is drawn"
        at.session_state[TAB_KEY] = "Piano da Excel"
        at.run()
        at.get("file_uploader")[0].set_value(("piano.xlsx", small_plan_xlsx, MIME)).run()
        assert any(md_escape("PDZ_PLAN_DIR") in e.value for e in at.error)


def test_landing_page_without_a_plan_leads_the_office_to_the_import(app_db):
    at = logged_in("uff")
    assert not at.exception
    assert any("non è ancora stato caricato" in e.value for e in at.error)
    links = {el.proto.label: el.proto.page for el in at.get("page_link")}  # the menu's links too
    assert links["Carica il piano da Excel in Impostazione piano"] == links["Impostazione piano"]

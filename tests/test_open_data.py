"""Open data: the files' columns and format, only approved results of closed semesters, never a note, a free
text or a user's name, the public URL only while the Ufficio di Piano publishes (domain and HTTP)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from models import open_data
from models.db import create_db_and_tables, get_engine, session_scope
from models.errors import NotFound
from models.permissions import PermissionDenied
from models.plan_loader import load_plan
from models.plan_yaml import read_plan
from models.tables import Indicator, IndicatorValue, Objective, Report, Semester
from models.users import actor_for, create_user
from models.web_guard import asgi_routes, middleware
from tests.conftest import SMALL_PLAN
from tests.test_dashboard import populate

SECRET_NOTE, FREE_TEXT, USER_NAME = "NOTA-RISERVATA", "TESTO-LIBERO-DEL-REFERENTE", "MARIO ROSSI"


def fill(engine) -> dict:
    """test_dashboard's data (2025-1 closed: A.1, A.2 approved, B.1 sent; 2025-2 open) plus indicator values
    with a note and a free text, and users whose names must never appear."""
    populate(engine)
    with session_scope(engine) as s:
        actors = {}
        for key, username, role in (("uff", "zq.ufficio", "ufficio_di_piano"), ("refa", "zq.referente", "referente")):
            user = create_user(
                s,
                actor=None,
                username=username,
                name=USER_NAME,
                role=role,
                areas=["A"] if key == "refa" else [],
                password="x" * 12,
            )
            actors[key] = actor_for(s, user)
        first = s.exec(select(Semester).where(Semester.year == 2025, Semester.half == 1)).one()
        for code, value in (("A.1", 7.5), ("B.1", 99.0)):
            obj = s.exec(select(Objective).where(Objective.code == code)).one()
            report = s.exec(select(Report).where(Report.objective_id == obj.id, Report.semester_id == first.id)).one()
            for ind in s.exec(select(Indicator).where(Indicator.objective_id == obj.id)):
                text = ind.unit == "testo"
                s.add(
                    IndicatorValue(
                        report_id=report.id,
                        indicator_id=ind.id,
                        value_num=None if text else value,
                        value_text=FREE_TEXT if text else "",
                        note=SECRET_NOTE,
                    )
                )
    return actors


@pytest.fixture
def data(small_plan):
    return small_plan, fill(small_plan)


def file(engine, name: str, key: str = "2025-1", **kwargs) -> bytes:
    with session_scope(engine) as s:
        return open_data.open_data_file(key, name, session=s, **kwargs)


def read_csv(raw: bytes) -> list[list[str]]:
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the accents
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def test_columns_format_and_only_approved_rows(data):
    engine, _ = data
    results = read_csv(file(engine, "risultati.csv"))
    assert results[0] == [c.name for c in open_data.RESULT_COLUMNS]
    rows = [dict(zip(results[0], r, strict=True)) for r in results[1:]]
    assert [r["obiettivo_codice"] for r in rows] == ["A.1", "A.2"]  # B.1 was only sent, A.0 is not monitored
    a1 = rows[0]
    assert (a1["azioni_realizzate"], a1["azioni_previste"], a1["raggiungimento_pct"], a1["fascia"]) == (
        "2",
        "4",
        "50",
        "sufficiente",
    )
    assert a1["liquidato_eur"] == "11500" and a1["impegnato_eur"] == "23000"  # 10000 + 1500 paid, approved only
    indicators = read_csv(file(engine, "indicatori.csv"))
    assert indicators[0] == [c.name for c in open_data.INDICATOR_COLUMNS]
    values = {r[2]: r[7] for r in indicators[1:]}
    assert values and set(values) == {"A.1"} and set(values.values()) == {"7,5"}  # decimal comma; B.1's 99 absent
    twin = json.loads(file(engine, "dati.json"))
    assert [r["obiettivo_codice"] for r in twin["risultati"]] == ["A.1", "A.2"]
    assert twin["indicatori"][0]["valore"] == 7.5 and twin["risultati"][0]["raggiungimento_pct"] == 50.0


def test_the_dictionary_names_every_column(data):
    engine, _ = data
    rows = read_csv(file(engine, "dizionario.csv"))
    assert rows[0] == ["file", "colonna", "tipo", "significato"]
    described = {(r[0], r[1]) for r in rows[1:]}
    expected = {(name, c.name) for name, cols in open_data.FILES.items() for c in cols}
    assert described == expected and all(r[3] for r in rows[1:])


def test_no_open_semester_no_note_no_free_text_no_name(data):
    engine, _ = data
    with pytest.raises(NotFound, match="chiuso"):
        file(engine, "risultati.csv", key="2025-2")
    everything = b"".join(file(engine, n) for n in ("risultati.csv", "indicatori.csv", "dati.json", "dizionario.csv"))
    for secret in (SECRET_NOTE, FREE_TEXT, USER_NAME, "zq."):
        assert secret.encode() not in everything


def test_publishing_is_the_offices_choice(data):
    engine, actors = data
    with pytest.raises(NotFound, match="non pubblicati"):
        file(engine, "risultati.csv", public=True)
    with session_scope(engine) as s, pytest.raises(PermissionDenied):
        open_data.set_publishing(session=s, actor=actors["refa"], enabled=True)
    with session_scope(engine) as s:
        open_data.set_publishing(session=s, actor=actors["uff"], enabled=True)
    assert file(engine, "risultati.csv", public=True) == file(engine, "risultati.csv")
    with session_scope(engine) as s:
        assert [x["semestre"] for x in open_data.catalogue(session=s)["semestri"]] == ["2025-1"]


def test_public_url_only_while_published(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'od.sqlite3'}"
    monkeypatch.setenv("PDZ_DATABASE_URL", url)
    engine = get_engine(url)
    create_db_and_tables(engine)
    with session_scope(engine) as s:
        load_plan(s, read_plan(SMALL_PLAN))
    actors = fill(engine)
    with TestClient(Starlette(routes=asgi_routes(), middleware=middleware())) as client:
        for path in ("/api/v1/opendata", "/api/v1/opendata/2025-1/risultati.csv", "/api/v1/opendata/dizionario.csv"):
            assert client.get(path).status_code == 404
        with session_scope(engine) as s:
            open_data.set_publishing(session=s, actor=actors["uff"], enabled=True)
        assert client.get("/api/v1/opendata").json()["semestri"][0]["file"][0] == "2025-1/risultati.csv"
        got = client.get("/api/v1/opendata/2025-1/risultati.csv")
        assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
        assert got.headers["x-content-type-options"] == "nosniff"
        assert got.content == file(engine, "risultati.csv")
        assert client.get("/api/v1/opendata/2025-2/risultati.csv").status_code == 404  # still open
        assert client.get("/api/v1/opendata/2025-1/segreti.csv").status_code == 404
    engine.dispose()


def test_report_page_offers_the_files_and_the_office_publishes(tmp_path):
    from tests.apptest_helpers import app_env, logged_in, prepared

    with app_env(tmp_path / "p.sqlite3") as engine:
        prepared(engine)
        populate(engine)
        lead = logged_in("refa", "pages/report.py")
        assert not lead.exception and "Dati aperti" in [m.value for m in lead.markdown][-1]
        assert not [t for t in lead.toggle if t.key == "pdz_open_data_publish"]  # the office's choice only
        at = logged_in("uff", "pages/report.py")
        buttons = [b for b in at.get("download_button") if b.proto.id and "od_" in b.proto.id]
        assert len(buttons) == 4
        at.toggle(key="pdz_open_data_publish").set_value(True).run()
        assert not at.exception
        with session_scope(engine) as s:
            assert open_data.publishing_enabled(session=s)

"""The read API over HTTP (Starlette's TestClient on the routes and middleware app.py gives st.App): 401, 403,
400, 404, tokens only in the header, every use logged, the OpenAPI description, the Cruscotto's figures in JSON."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from models import api_data, dashboard, dashboard_sql, demo, plans
from models.api_openapi import openapi_document
from models.api_tokens import create_token, list_tokens, revoke_token
from models.db import create_db_and_tables, get_engine, session_scope
from models.plan_loader import load_plan
from models.plan_yaml import read_plan
from models.tables import ApiTokenUse, Objective
from models.users import actor_for, create_user, set_active
from models.web_api import PREFIX
from models.web_guard import asgi_routes, middleware
from tests.conftest import SMALL_PLAN

SEMS = [(2025, 1), (2025, 2)]


@pytest.fixture
def db(tmp_path, monkeypatch):
    """A file database named by PDZ_DATABASE_URL, as the server finds it: small plan, demo data, four users."""
    url = f"sqlite:///{tmp_path / 'api.sqlite3'}"
    monkeypatch.setenv("PDZ_DATABASE_URL", url)
    engine = get_engine(url)
    create_db_and_tables(engine)
    actors = {}
    with session_scope(engine) as s:
        load_plan(s, read_plan(SMALL_PLAN))
        demo.generate(s, seed=7, semesters=SEMS)
        for name, role, areas in (
            ("uff", "ufficio_di_piano", []),
            ("refa", "referente", ["A"]),
            ("refb", "referente", ["B"]),
            ("com", "comitato", []),
        ):
            user = create_user(s, actor=None, username=name, name=name, role=role, areas=areas, password="x" * 12)
            actors[name] = actor_for(s, user)
    yield engine, actors
    engine.dispose()


def make_app() -> Starlette:
    return Starlette(routes=asgi_routes(), middleware=middleware())


@pytest.fixture
def client(db):
    with TestClient(make_app()) as c:
        yield c


def token_for(db, who: str, days: int = 30) -> str:
    engine, actors = db
    with session_scope(engine) as s:
        return create_token(session=s, actor=actors[who], name="prova", days=days)[1]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def last_semester(db) -> int:
    with session_scope(db[0]) as s:
        return dashboard_sql.semester_options(session=s)[-1].id


def test_no_token_or_a_token_in_the_url_is_401(client, db):
    token = token_for(db, "com")
    missing = client.get(f"{PREFIX}/semesters")
    assert missing.status_code == 401 and "Authorization" in missing.json()["errore"]
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert missing.headers["x-content-type-options"] == "nosniff"  # the headers are on API errors too
    for query in (f"?token={token}", f"?access_token={token}", f"?x={token}"):
        refused = client.get(f"{PREFIX}/semesters{query}", headers=auth(token))
        assert refused.status_code == 401 and "indirizzo" in refused.json()["errore"]
    assert client.get(f"{PREFIX}/semesters", headers={"Authorization": f"Basic {token}"}).status_code == 401
    with session_scope(db[0]) as s:
        assert s.exec(select(ApiTokenUse)).all() == []  # refused before the token was even looked up


def test_every_use_is_logged_with_path_and_status(client, db):
    token = token_for(db, "refa")
    sem = last_semester(db)
    assert client.get(f"{PREFIX}/semesters", headers=auth(token)).status_code == 200
    assert client.get(f"{PREFIX}/semesters/{sem}/reports?area=B", headers=auth(token)).status_code == 403
    assert client.get(f"{PREFIX}/semesters/{sem + 50}/summary", headers=auth(token)).status_code == 404
    assert client.get(f"{PREFIX}/semesters/{sem}/results?limit=x", headers=auth(token)).status_code == 400
    with session_scope(db[0]) as s:
        logged = [(u.path, u.status) for u in s.exec(select(ApiTokenUse).order_by(ApiTokenUse.id))]
    assert logged == [
        (f"{PREFIX}/semesters", 200),
        (f"{PREFIX}/semesters/{sem}/reports", 403),  # never the query string
        (f"{PREFIX}/semesters/{sem + 50}/summary", 404),
        (f"{PREFIX}/semesters/{sem}/results", 400),
    ]


def test_revoked_expired_and_deactivated_are_401(client, db):
    engine, actors = db
    token = token_for(db, "refb")
    assert client.get(f"{PREFIX}/areas", headers=auth(token)).status_code == 200
    with session_scope(engine) as s:
        set_active(session=s, actor=actors["uff"], user_id=actors["refb"].user_id, active=False)
    gone = client.get(f"{PREFIX}/areas", headers=auth(token))
    assert gone.status_code == 401 and "disattivato" in gone.json()["errore"]
    other = token_for(db, "com")
    with session_scope(engine) as s:
        (mine,) = list_tokens(session=s, actor=actors["com"])
        revoke_token(session=s, actor=actors["com"], token_id=mine.id)
    assert client.get(f"{PREFIX}/areas", headers=auth(other)).json()["errore"] == "Token revocato."


def test_scoping_lead_comitato_office(client, db):
    sem = last_semester(db)
    url = f"{PREFIX}/semesters/{sem}/reports"
    lead, com, office = (token_for(db, w) for w in ("refa", "com", "uff"))
    own = client.get(url, headers=auth(lead)).json()["items"]
    assert own and {r["area"] for r in own} == {"A"}
    assert client.get(url + "?area=A", headers=auth(lead)).status_code == 200
    assert client.get(url + "?area=B", headers=auth(lead)).status_code == 403
    assert client.get(url, headers=auth(com)).status_code == 403
    every = client.get(url + "?limit=500", headers=auth(office)).json()
    assert {r["area"] for r in every["items"]} == {"A", "B"}
    assert any(r["state"] != "approvata" for r in every["items"])  # demo data leaves the last semester in play


def test_results_in_json_equal_the_cruscotto(client, db):
    token = token_for(db, "com")
    with session_scope(db[0]) as s:
        for sem in dashboard_sql.semester_options(session=s):
            for include in (False, True):
                body = client.get(
                    f"{PREFIX}/semesters/{sem.id}/results?limit=500&include_submitted={str(include).lower()}",
                    headers=auth(token),
                ).json()
                rows = dashboard.objective_rows(session=s, semester_id=sem.id, include_submitted=include)
                assert [(r["id"], r["band"], r["achievement"], r["paid"], r["spend_class"]) for r in body["items"]] == [
                    (r.id, r.band if r.counted else None, r.achievement, r.money.paid, r.money.spend_class)
                    for r in rows
                ]
                tiles = client.get(
                    f"{PREFIX}/semesters/{sem.id}/summary?include_submitted={str(include).lower()}", headers=auth(token)
                ).json()
                summary = dashboard.semester_summary(session=s, semester_id=sem.id, include_submitted=include)
                assert (tiles["achievement"], tiles["bands"], tiles["paid"]) == (
                    summary.tally.achievement,
                    summary.tally.counts,
                    summary.money.paid,
                )
    assert client.get(f"{PREFIX}/semesters/1/results?include_submitted=forse", headers=auth(token)).status_code == 400


def test_openapi_describes_every_route_and_nothing_else(client):
    doc = client.get(f"{PREFIX}/openapi.json").json()
    assert doc == openapi_document() and doc["openapi"].startswith("3.")
    served = {
        r.path.removeprefix(PREFIX).replace(":int", "").replace(":str", "")
        for r in asgi_routes()
        if r.path.startswith(PREFIX)
        and "{rest" not in r.path
        and r.path not in (PREFIX, PREFIX + "/", PREFIX + "/openapi.json")
    }
    assert served == set(doc["paths"])
    assert client.get(f"{PREFIX}/nulla").status_code == 404
    assert client.get(f"{PREFIX}/").json()["openapi"] == f"{PREFIX}/openapi.json"
    assert api_data.MAX_LIMIT >= api_data.DEFAULT_LIMIT


def test_one_plan_at_a_time_the_current_one_unless_another_is_named(client, db, tmp_path):
    """Two plans in the database: /plans lists both; the plan's lists are the current plan's by default and
    another's with ?plan=; an unknown plan is 404; a semester's figures are its own plan's."""
    from models.plan_import import apply_plan_import
    from tests.test_plans import next_plan_workbook

    engine, actors = db
    empty = tmp_path / "senza-yaml"
    empty.mkdir()
    with session_scope(engine) as s:
        apply_plan_import(next_plan_workbook(engine), actor=actors["uff"], session=s, plan_dir=empty)
    token = auth(token_for(db, "com"))
    listed = client.get(f"{PREFIX}/plans", headers=token).json()["items"]
    assert [(p["first_year"], p["last_year"], p["current"]) for p in listed] == [
        (2025, 2027, True),
        (2028, 2030, False),
    ]
    first, following = listed[0]["id"], listed[1]["id"]

    default = client.get(f"{PREFIX}/semesters", headers=token).json()["items"]
    assert default and all(2025 <= s["year"] <= 2027 for s in default)
    assert client.get(f"{PREFIX}/semesters?plan={following}", headers=token).json()["items"] == []
    assert client.get(f"{PREFIX}/semesters?plan={first}", headers=token).json()["items"] == default
    letters = [a["letter"] for a in client.get(f"{PREFIX}/areas", headers=token).json()["items"]]
    assert letters == sorted(set(letters)), "one plan's areas, not both plans' (each letter once)"
    with Session(engine) as s:
        ids = {
            plan: {o.id for o in s.exec(select(Objective).where(*plans.objectives_of(plan)))}
            for plan in (first, following)
        }
    objectives = client.get(f"{PREFIX}/plan/objectives?plan={following}&limit=500", headers=token).json()
    assert {o["id"] for o in objectives["items"]} == ids[following] and ids[following].isdisjoint(ids[first])
    assert client.get(f"{PREFIX}/areas?plan=9999", headers=token).status_code == 404
    results = client.get(f"{PREFIX}/semesters/{default[-1]['id']}/results?limit=500", headers=token).json()
    assert {r["id"] for r in results["items"]} <= ids[first]

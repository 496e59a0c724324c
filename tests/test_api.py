"""The read API's domain: tokens (create, use, revoke, expire, deactivate), what each role's token may read, and
figures equal to the Cruscotto's on random data (models.demo with several seeds)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from models import api_data, dashboard, dashboard_sql, demo
from models.api_tokens import (
    MAX_DAYS,
    TokenRefused,
    authenticate_token,
    create_token,
    hash_token,
    list_tokens,
    revoke_token,
    token_uses,
)
from models.db import session_scope
from models.errors import InputRefused, NotFound
from models.permissions import PermissionDenied
from models.tables import ApiToken, ApiTokenUse, Objective, Report, Semester, utcnow
from models.users import actor_for, create_user, set_active
from tests.report_helpers import add_report

SEMS = [(2025, 1), (2025, 2)]


def make_user(engine, username: str, role: str, areas: list[str]):
    with session_scope(engine) as s:
        user = create_user(
            s, actor=None, username=username, name=username.upper(), role=role, areas=areas, password="x" * 12
        )
        return actor_for(s, user)


@pytest.fixture
def people(small_plan):
    return {
        "uff": make_user(small_plan, "uff", "ufficio_di_piano", []),
        "refa": make_user(small_plan, "refa", "referente", ["A"]),
        "refb": make_user(small_plan, "refb", "referente", ["B"]),
        "com": make_user(small_plan, "com", "comitato", []),
    }


def call(engine, fn, **kwargs):
    with session_scope(engine) as s:
        return fn(session=s, **kwargs)


# --- token lifecycle ----------------------------------------------------------------------------


def test_a_token_is_shown_once_stored_as_its_hash_and_logged_at_every_use(small_plan, people):
    view, token = call(small_plan, create_token, actor=people["refa"], name="  Foglio   Regione ", days=30)
    assert token.startswith("pdz_") and len(token) > 40
    with session_scope(small_plan) as s:
        row = s.get(ApiToken, view.id)
        assert row.token_hash == hash_token(token) != token
        assert token not in (row.hint, row.name) and token.startswith(row.hint)
        assert row.name == "Foglio Regione"
        assert (row.expires_at - row.created_at) == timedelta(days=30)
    listed = call(small_plan, list_tokens, actor=people["refa"])
    assert [(t.name, t.status()) for t in listed] == [("Foglio Regione", "attivo")]
    assert not any(token in repr(t) for t in listed)  # the list never holds the token itself
    actor, token_id = call(small_plan, authenticate_token, token=token, path="/api/v1/areas")
    assert (actor.username, actor.areas, token_id) == ("refa", frozenset({"A"}), view.id)
    assert call(small_plan, list_tokens, actor=people["refa"])[0].last_used_at is not None


def test_revoked_expired_and_deactivated_tokens_are_refused_and_logged(small_plan, people):
    _, revoked = call(small_plan, create_token, actor=people["refa"], name="revocato")
    _, expired = call(small_plan, create_token, actor=people["refa"], name="scaduto", days=1)
    _, deact = call(small_plan, create_token, actor=people["refb"], name="utente disattivato")
    view = call(small_plan, list_tokens, actor=people["refa"])
    call(small_plan, revoke_token, actor=people["refa"], token_id=next(t.id for t in view if t.name == "revocato"))
    call(small_plan, set_active, actor=people["uff"], user_id=people["refb"].user_id, active=False)
    later = utcnow() + timedelta(days=1, seconds=1)
    for token, message, now in (
        (revoked, "revocato", None),
        (expired, "scaduto", later),
        (deact, "disattivato", None),
        ("pdz_inventato", "non valido", None),
    ):
        with session_scope(small_plan) as s:  # as the API does: the refusal is logged, the block commits
            with pytest.raises(TokenRefused, match=message):
                authenticate_token(session=s, token=token, path="/api/v1/semesters", now=now)
    # the expired token still worked the day before
    call(small_plan, authenticate_token, token=expired, path="/api/v1/semesters")
    with session_scope(small_plan) as s:
        logged = sorted((u.status, u.path) for u in s.exec(select(ApiTokenUse)))
    assert logged == [(401, "/api/v1/semesters")] * 3  # the unknown token has no row to log against
    states = {t.name: t.status(later) for t in call(small_plan, list_tokens, actor=people["refa"])}
    assert states == {"revocato": "revocato", "scaduto": "scaduto"}


def test_token_input_is_checked_and_only_the_owner_or_the_office_revokes(small_plan, people):
    for name, days, field in (
        ("", 30, "Nome"),
        ("x" * 81, 30, "Nome"),
        ("ok", 0, "Durata"),
        ("ok", MAX_DAYS + 1, "Durata"),
    ):
        with pytest.raises(InputRefused, match=field):
            call(small_plan, create_token, actor=people["refa"], name=name, days=days)
    view, _ = call(small_plan, create_token, actor=people["refa"], name="mio")
    with pytest.raises(NotFound):
        call(small_plan, revoke_token, actor=people["refb"], token_id=view.id)
    with pytest.raises(NotFound):
        call(small_plan, token_uses, actor=people["com"], token_id=view.id)
    call(small_plan, revoke_token, actor=people["uff"], token_id=view.id)
    assert call(small_plan, list_tokens, actor=people["refa"])[0].status() == "revocato"


def test_a_password_reset_revokes_the_users_tokens_and_an_own_change_keeps_them(small_plan, people):
    """A reset by the office (or `make user`) is how a stolen account is taken back: the thief's token must stop
    working with the old password. A password changed by its owner leaves the owner's tokens alone."""
    from models.audit import audit_trail
    from models.users import UserError, change_own_password, issue_one_time_password, reset_password

    _, kept = call(small_plan, create_token, actor=people["refa"], name="tenuto")
    with session_scope(small_plan) as s:
        change_own_password(s, user_id=people["refa"].user_id, current="x" * 12, new="Nuova-password-2025")
    call(small_plan, authenticate_token, token=kept, path="/api/v1/areas")  # still valid
    _, other = call(small_plan, create_token, actor=people["refb"], name="altro utente")
    _, expired = call(small_plan, create_token, actor=people["refa"], name="scaduto", days=1)
    with session_scope(small_plan) as s:
        s.get(ApiToken, s.exec(select(ApiToken.id).where(ApiToken.name == "scaduto")).one()).expires_at = utcnow()
    with session_scope(small_plan) as s, pytest.raises(UserError, match="Password"):  # refused: nothing revoked
        reset_password(s, actor=people["uff"], user_id=people["refa"].user_id, password="corta")
    call(small_plan, authenticate_token, token=kept, path="/api/v1/areas")
    with session_scope(small_plan) as s:
        issue_one_time_password(s, actor=people["uff"], user_id=people["refa"].user_id)
    with session_scope(small_plan) as s, pytest.raises(TokenRefused, match="revocato"):
        authenticate_token(session=s, token=kept, path="/api/v1/areas")
    call(small_plan, authenticate_token, token=other, path="/api/v1/areas")  # another user's token: untouched
    with session_scope(small_plan) as s:
        revoked = [e for e in audit_trail(s, limit=50) if e.entity == "apitoken" and e.field == "revocato"]
        assert [(e.new, e.username) for e in revoked] == [("tenuto (password reimpostata)", "uff")]
        assert s.exec(select(ApiToken).where(ApiToken.name == "scaduto")).one().revoked_at is None
    _, again = call(small_plan, create_token, actor=people["refa"], name="dopo il ripristino")
    with session_scope(small_plan) as s:  # the command line's reset (`make user`) too
        reset_password(s, actor=None, user_id=people["refa"].user_id, password="Altra-password-2025")
    with session_scope(small_plan) as s, pytest.raises(TokenRefused, match="revocato"):
        authenticate_token(session=s, token=again, path="/api/v1/areas")
    assert expired  # never revoked: it had already stopped working


# --- scoping --------------------------------------------------------------------------------------


@pytest.fixture
def drafts(small_plan, people):
    """2025-I open: a draft in area A (A.1) and one in area B (B.1), an approved report in A (A.2)."""
    with session_scope(small_plan) as s:
        sem = Semester(year=2025, half=1, state="aperto")
        s.add(sem)
        s.flush()
        objs = {o.code: o.id for o in s.exec(select(Objective))}
        add_report(s, objective_id=objs["A.1"], semester_id=sem.id, state="bozza", done=2, planned=4)
        add_report(s, objective_id=objs["B.1"], semester_id=sem.id, state="bozza", done=1, planned=2)
        add_report(s, objective_id=objs["A.2"], semester_id=sem.id, state="approvata", done=1, planned=1)
        return sem.id


def codes(page: dict) -> list[tuple[str, str]]:
    return [(r["objective_code"], r["state"]) for r in page["items"]]


def test_a_leads_token_sees_its_areas_drafts_and_not_another_areas(small_plan, people, drafts):
    mine = call(small_plan, api_data.reports, actor=people["refa"], semester_id=drafts)
    assert codes(mine) == [("A.1", "bozza"), ("A.2", "approvata")]
    assert codes(call(small_plan, api_data.reports, actor=people["refa"], semester_id=drafts, area="A")) == codes(mine)
    with pytest.raises(PermissionDenied, match="area B"):
        call(small_plan, api_data.reports, actor=people["refa"], semester_id=drafts, area="B")
    assert codes(call(small_plan, api_data.reports, actor=people["refb"], semester_id=drafts)) == [("B.1", "bozza")]


def test_the_office_sees_every_draft_and_the_comitato_none(small_plan, people, drafts):
    every = call(small_plan, api_data.reports, actor=people["uff"], semester_id=drafts)
    assert codes(every) == [("A.1", "bozza"), ("A.2", "approvata"), ("B.1", "bozza")]
    for area in (None, "A"):
        with pytest.raises(PermissionDenied, match="Comitato"):
            call(small_plan, api_data.reports, actor=people["com"], semester_id=drafts, area=area)


def test_counted_figures_never_include_a_draft(small_plan, people, drafts):
    """Results are the Cruscotto's: a draft is a state, never a counted value, for every role."""
    for who in people.values():
        for include in (False, True):
            res = call(small_plan, api_data.results, actor=who, semester_id=drafts, include_submitted=include)
            by_code = {r["code"]: r for r in res["items"]}
            assert by_code["A.1"]["state"] == "bozza" and by_code["A.1"]["counted"] is False
            assert by_code["A.1"]["band"] is None and by_code["A.1"]["achievement"] is None
            assert by_code["A.2"]["band"] == "ottimo"


def test_bad_parameters_are_named(small_plan, people, drafts):
    with pytest.raises(InputRefused, match="area"):
        call(small_plan, api_data.results, actor=people["uff"], semester_id=drafts, area="Z")
    with pytest.raises(InputRefused, match="limit"):
        call(small_plan, api_data.plan_objectives, actor=people["uff"], limit=0)
    with pytest.raises(NotFound):
        call(small_plan, api_data.results, actor=people["uff"], semester_id=drafts + 99)


# --- the same figures as the Cruscotto -------------------------------------------------------------


@pytest.mark.parametrize("seed", [3, 11])
def test_api_figures_equal_the_cruscottos_on_random_data(small_plan, people, seed):
    with session_scope(small_plan) as s:
        demo.generate(s, seed=seed, semesters=SEMS)
    actor = people["com"]
    with session_scope(small_plan) as s:
        assert s.exec(select(Report)).first() is not None
        for sem in dashboard_sql.semester_options(session=s):
            for include in (False, True):
                args = {"session": s, "semester_id": sem.id, "include_submitted": include}
                mine, theirs = api_data.summary(actor=actor, **args), dashboard.semester_summary(**args)
                assert mine["achievement"] == theirs.tally.achievement and mine["band"] == theirs.tally.band
                assert mine["bands"] == theirs.tally.counts and mine["paid"] == theirs.money.paid
                assert mine["budget"] == theirs.money.planned and mine["spend_class"] == theirs.money.spend_class
                assert [(a["letter"], a["achievement"], a["paid"]) for a in mine["areas"]] == [
                    (a.letter, a.tally.achievement, a.money.paid) for a in theirs.areas
                ]
                rows = dashboard.objective_rows(**args)
                got = api_data.results(actor=actor, limit=api_data.MAX_LIMIT, **args)
                assert got["total"] == len(rows)
                for row, item in zip(rows, got["items"], strict=True):
                    assert (item["id"], item["state"], item["achievement"], item["committed"], item["paid"]) == (
                        row.id,
                        row.state,
                        row.achievement,
                        row.money.committed,
                        row.money.paid,
                    )
                    assert (item["spend_ratio"], item["spend_class"]) == (row.money.ratio, row.money.spend_class)
                    series = dashboard.objective_indicators(objective_id=row.id, **args)
                    assert [i["value"] for i in item["indicators"]] == [
                        x.points[-1].value_num if x.points[-1].state else None for x in series
                    ]
                    assert [i["achievement"] for i in item["indicators"]] == [x.latest_achievement for x in series]


def test_results_are_paged_and_filtered_by_area(small_plan, people):
    with session_scope(small_plan) as s:
        demo.generate(s, seed=5, semesters=SEMS)
        sem = dashboard_sql.semester_options(session=s)[-1].id
    every = call(small_plan, api_data.results, actor=people["com"], semester_id=sem, limit=500)
    first = call(small_plan, api_data.results, actor=people["com"], semester_id=sem, limit=1)
    second = call(small_plan, api_data.results, actor=people["com"], semester_id=sem, limit=1, offset=1)
    assert [r["id"] for r in first["items"] + second["items"]] == [r["id"] for r in every["items"][:2]]
    only_a = call(small_plan, api_data.results, actor=people["com"], semester_id=sem, area="A", limit=500)
    assert {r["area"] for r in only_a["items"]} == {"A"} and 0 < only_a["total"] < every["total"]
    plan = call(small_plan, api_data.plan_objectives, actor=people["com"], area="A", limit=500)
    assert plan["items"] and {o["area"] for o in plan["items"]} == {"A"}
    assert all(o["id"] > 0 for o in plan["items"])

"""The permission matrix (role × area × action) at the domain layer, whatever the UI shows.

Area writes: models.permissions.require_area_write for every role and area A..K (report saving has its own
matrix in the reports tests). User management: every write function of models.users, called by each role.
"""

from __future__ import annotations

import string

import pytest
from sqlmodel import func, select

from models import users
from models.db import session_scope
from models.permissions import (
    PAGES_BY_ROLE,
    Actor,
    PermissionDenied,
    can_edit_area,
    can_open_page,
    require_area_write,
    require_office,
)
from models.tables import AuditEntry, User
from models.vocab import Role

AREAS = tuple(string.ascii_uppercase[:11])  # A..K, the macro-areas of the plan
PASSWORD = "password-di-prova-1"

OFFICE = Actor(1, "uff", Role.UFFICIO_DI_PIANO)
COMITATO = Actor(3, "com", Role.COMITATO)
# A lead of each single area, a lead of two areas, and a lead with no area left (all refused).
LEADS = [Actor(10 + i, f"ref{a.lower()}", Role.REFERENTE, frozenset({a})) for i, a in enumerate(AREAS)]
LEAD_AB = Actor(30, "refab", Role.REFERENTE, frozenset({"A", "B"}))
LEAD_NONE = Actor(31, "refnone", Role.REFERENTE, frozenset())
ALL_ACTORS = [OFFICE, COMITATO, *LEADS, LEAD_AB, LEAD_NONE]


def _may_write(actor: Actor, area: str) -> bool:
    """The rule, spelled out independently of the code under test."""
    return actor.role == Role.UFFICIO_DI_PIANO or (actor.role == Role.REFERENTE and area in actor.areas)


@pytest.mark.parametrize("area", AREAS)
@pytest.mark.parametrize("actor", ALL_ACTORS, ids=lambda a: a.username)
def test_area_write_matrix(actor, area):
    assert can_edit_area(actor, area) is _may_write(actor, area)
    if _may_write(actor, area):
        require_area_write(actor, area)
    else:
        with pytest.raises(PermissionDenied) as exc:
            require_area_write(actor, area)
        if actor.role == Role.COMITATO:
            assert str(exc.value) == "Il Comitato Ristretto ha accesso in sola lettura."
        else:
            assert str(exc.value) == (f"Non autorizzato: l'area {area} non è tra le aree assegnate a {actor.username}.")


def test_a_lead_of_area_b_cannot_write_area_a():
    lead_b = Actor(5, "mario", Role.REFERENTE, frozenset({"B"}))
    require_area_write(lead_b, "B")
    with pytest.raises(PermissionDenied, match="l'area A non è tra le aree assegnate a mario"):
        require_area_write(lead_b, "A")


def test_unknown_role_may_write_nothing():
    stranger = Actor(9, "x", "amministratore", frozenset(AREAS))
    for area in AREAS:
        with pytest.raises(PermissionDenied):
            require_area_write(stranger, area)
    with pytest.raises(PermissionDenied):
        require_office(stranger)


@pytest.mark.parametrize("actor", ALL_ACTORS, ids=lambda a: a.username)
def test_office_only_matrix(actor):
    if actor.role == Role.UFFICIO_DI_PIANO:
        require_office(actor, "la chiusura del semestre")
    else:
        with pytest.raises(
            PermissionDenied, match="Non autorizzato: la chiusura del semestre è riservata all'Ufficio di Piano."
        ):
            require_office(actor, "la chiusura del semestre")


def test_pages_by_role():
    office_only = {"revisione", "impostazione", "utenti"}
    for role in Role:
        assert can_open_page(role, "home") and can_open_page(role, "account")
        for key in office_only:
            assert can_open_page(role, key) is (role == Role.UFFICIO_DI_PIANO)
        assert can_open_page(role, "inserimento") is (role != Role.COMITATO)
    assert not can_open_page("sconosciuto", "home")
    assert set(PAGES_BY_ROLE[Role.UFFICIO_DI_PIANO]) >= set().union(*PAGES_BY_ROLE.values())


# --- user management: every write function × every role ----------------------------------------------


@pytest.fixture
def people(small_plan):
    """Small plan (areas A, B, D) with one user per role; returns (engine, {username: Actor}, target id)."""
    with session_scope(small_plan) as s:
        for username, role, areas in (
            ("uff", "ufficio_di_piano", []),
            ("refa", "referente", ["A"]),
            ("refabd", "referente", ["A", "B", "D"]),
            ("com", "comitato", []),
            ("target", "referente", ["B"]),
        ):
            users.create_user(
                s,
                actor=None,
                username=username,
                name=username.upper(),
                role=role,
                areas=areas,
                password=PASSWORD,
                one_time=False,
            )
        actors = {u.username: users.actor_for(s, u) for u in s.exec(select(User))}
        target = users.get_user(s, "target").id
        users.get_user(s, "target").failed_logins = 3
    return small_plan, actors, target


USER_WRITES = {
    "create_user": lambda s, a, t: users.create_user(
        s, actor=a, username="nuovo", name="Nuovo", role="comitato", areas=[], password=PASSWORD
    ),
    "add_user": lambda s, a, t: users.add_user(
        s, actor=a, username="nuovo", name="Nuovo", role="referente", areas=["A"]
    ),
    "update_user": lambda s, a, t: users.update_user(s, actor=a, user_id=t, role="comitato", areas=[], name="Target"),
    "reset_password": lambda s, a, t: users.reset_password(s, actor=a, user_id=t, password="altra-password-1"),
    "issue_one_time_password": lambda s, a, t: users.issue_one_time_password(s, actor=a, user_id=t),
    "deactivate": lambda s, a, t: users.set_active(s, actor=a, user_id=t, active=False),
    "unlock_user": lambda s, a, t: users.unlock_user(s, actor=a, user_id=t),
    "list_users": lambda s, a, t: users.list_users(s, actor=a),
}


def _snapshot(session) -> tuple:
    rows = session.exec(select(User).order_by(User.id)).all()
    audit = session.exec(select(func.count()).select_from(AuditEntry)).one()
    return tuple(
        (u.username, u.role, u.name, u.password_hash, u.active, u.failed_logins, u.version) for u in rows
    ), audit


@pytest.mark.parametrize("action", USER_WRITES)
@pytest.mark.parametrize("who", ["uff", "refa", "refabd", "com"])
def test_user_management_matrix(people, who, action):
    engine, actors, target = people
    with session_scope(engine) as s:
        before = _snapshot(s)
    if who == "uff":
        with session_scope(engine) as s:
            USER_WRITES[action](s, actors[who], target)
        with session_scope(engine) as s:
            changed = _snapshot(s) != before
        assert changed is (action != "list_users")  # every write changes something and is audited
        if changed:
            with session_scope(engine) as s:
                assert _snapshot(s)[1] > before[1]
        return
    with session_scope(engine) as s:
        with pytest.raises(PermissionDenied, match="è riservata all'Ufficio di Piano"):
            USER_WRITES[action](s, actors[who], target)
    with session_scope(engine) as s:
        assert _snapshot(s) == before  # nothing written, not even an audit entry


def test_a_lead_cannot_manage_even_users_of_its_own_area(people):
    engine, actors, target = people
    with session_scope(engine) as s:
        with pytest.raises(PermissionDenied):
            users.update_user(
                s, actor=actors["refabd"], user_id=target, role="referente", areas=["B", "D"], name="Target"
            )

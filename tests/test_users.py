"""Users at the domain layer: first-start bootstrap, passwords, lockout, login validity, user management;
and the Utenti page and the cookie-key refusal under AppTest."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from components import auth_gate, pager
from models import config, users
from models.audit import audit_trail
from models.db import create_db_and_tables, make_engine, session_scope
from models.permissions import Actor
from models.sessions import SessionUser, login, logout, resolve_login
from models.startup import prepare_database
from models.tables import AuditEntry, User, utcnow
from models.users import (
    LOCK_AFTER_FAILURES,
    LOCK_DURATION,
    LOGIN_FAILED,
    LoginError,
    UserError,
    add_user,
    area_choices,
    authenticate,
    bootstrap_admin,
    change_own_password,
    create_user,
    issue_one_time_password,
    list_users,
    reset_password,
    set_active,
    unlock_user,
    update_user,
)
from tests.apptest_helpers import APP, app_env, logged_in, prepared, shown_table
from tests.conftest import ROOT, SMALL_PLAN

PASSWORD = "password-di-prova-1"


def _make(session, username, role="ufficio_di_piano", areas=(), password=PASSWORD, one_time=False) -> User:
    return create_user(
        session,
        actor=None,
        username=username,
        name=username.upper(),
        role=role,
        areas=list(areas),
        password=password,
        one_time=one_time,
    )


def shown(markdown: str) -> str:
    """What the reader sees of an escaped message (user data goes through md_escape)."""
    import re

    return re.sub(r"\\(.)", r"\1", markdown)


def _actor(session, username) -> Actor:
    return users.actor_for(session, users.get_user(session, username))


@pytest.fixture
def office(small_plan):
    """Small plan plus an office user 'uff'; returns the engine."""
    with session_scope(small_plan) as s:
        _make(s, "uff")
    return small_plan


# --- first start --------------------------------------------------------------------------------------


def test_first_start_creates_admin_once_with_one_time_password(tmp_path):
    path = tmp_path / "pdz.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    first = prepare_database(engine, SMALL_PLAN)
    second = prepare_database(engine, SMALL_PLAN)
    assert first.admin_password and len(first.admin_password) >= users.MIN_PASSWORD_LENGTH
    assert second.admin_password is None  # never again, not even with the same database
    with session_scope(engine) as s:
        all_users = s.exec(select(User)).all()
        assert [u.username for u in all_users] == ["admin"]
        admin = all_users[0]
        assert admin.role == "ufficio_di_piano" and admin.must_change_password and admin.active
        assert admin.password_hash.startswith("$2") and first.admin_password not in admin.password_hash
        authenticate(s, "admin", first.admin_password)
        audit = " ".join(f"{e.old} {e.new} {e.reason}" for e in s.exec(select(AuditEntry)))
        assert first.admin_password not in audit
    engine.dispose()
    # The password is nowhere in the database file (nor in its write-ahead log).
    for file in tmp_path.glob("pdz.sqlite3*"):
        assert first.admin_password.encode() not in file.read_bytes()


def test_bootstrap_does_nothing_when_a_user_exists(engine):
    with session_scope(engine) as s:
        _make(s, "mario")
        assert bootstrap_admin(s) is None
        assert users.get_user(s, "admin") is None


def test_no_default_password_in_the_code():
    """No built-in password: the bootstrap password is random each time."""
    assert users.random_password() != users.random_password()


def test_first_login_requires_password_change(engine):
    with session_scope(engine) as s:
        password = bootstrap_admin(s)
    with session_scope(engine) as s:
        user, error = login("admin", password, session=s)
        assert error == "" and user.must_change_password
        assert resolve_login("admin", time.time(), session=s).must_change_password
        with pytest.raises(UserError, match="Nuova password: deve essere diversa"):
            change_own_password(s, user_id=user.id, current=password, new=password)
        change_own_password(s, user_id=user.id, current=password, new="nuova-password-123")
    with session_scope(engine) as s:
        assert not resolve_login("admin", time.time(), session=s).must_change_password
        with pytest.raises(LoginError):
            authenticate(s, "admin", password)  # the one-time password no longer works
        authenticate(s, "admin", "nuova-password-123")


# --- passwords ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["", "corta", "123456789", " 12345678 "])
def test_password_shorter_than_10_is_refused_everywhere(engine, password):
    with session_scope(engine) as s:
        with pytest.raises(UserError, match="Password: deve avere almeno 10 caratteri"):
            _make(s, "mario", password=password)
        user = _make(s, "luigi")
        with pytest.raises(UserError, match="Password: deve avere almeno 10 caratteri"):
            reset_password(s, actor=None, user_id=user.id, password=password)
        with pytest.raises(UserError, match="Password: deve avere almeno 10 caratteri"):
            change_own_password(s, user_id=user.id, current=PASSWORD, new=password)


def test_password_of_10_characters_is_accepted_and_stored_hashed(engine):
    with session_scope(engine) as s:
        user = _make(s, "mario", password="1234567890")
        assert "1234567890" not in user.password_hash
        authenticate(s, "mario", "1234567890")


def test_password_longer_than_bcrypt_limit_is_refused(engine):
    with session_scope(engine) as s:
        with pytest.raises(UserError, match="Password: al massimo 72 byte"):
            _make(s, "mario", password="x" * 73)


def test_wrong_current_password_refused_on_change(engine):
    with session_scope(engine) as s:
        user = _make(s, "mario")
        with pytest.raises(UserError, match="Password attuale: non corretta"):
            change_own_password(s, user_id=user.id, current="sbagliata-12345", new="nuova-password-123")


# --- login, lockout -----------------------------------------------------------------------------------


def test_unknown_user_and_wrong_password_get_the_same_message(engine):
    with session_scope(engine) as s:
        _make(s, "mario")
        user = _make(s, "spento")
        user.active = False
    messages = []
    for username in ("mario", "nessuno", "spento"):
        with session_scope(engine) as s:
            with pytest.raises(LoginError) as exc:
                authenticate(s, username, "sbagliata-12345" if username == "mario" else PASSWORD)
            messages.append(str(exc.value))
    assert messages == [LOGIN_FAILED] * 3


def test_unknown_user_costs_a_hash_of_the_configured_cost():
    # same bcrypt cost as real hashes, so the response time does not tell which usernames exist
    assert users.dummy_hash().startswith(f"$2b${users.bcrypt_rounds():02d}$")


def _fail(engine, username, times, now=None):
    for _ in range(times):
        with session_scope(engine) as s:
            with pytest.raises(LoginError):
                authenticate(s, username, "sbagliata-12345", now=now)


def test_five_failures_lock_and_the_lock_survives_a_restart(tmp_path):
    url = f"sqlite:///{tmp_path / 'pdz.sqlite3'}"
    engine = make_engine(url)
    create_db_and_tables(engine)
    with session_scope(engine) as s:
        _make(s, "mario")
    start = utcnow()
    _fail(engine, "mario", LOCK_AFTER_FAILURES - 1, now=start)
    with session_scope(engine) as s:
        with pytest.raises(LoginError, match="troppi tentativi falliti"):
            authenticate(s, "mario", "sbagliata-12345", now=start)
    with session_scope(engine) as s:
        assert users.is_locked(users.get_user(s, "mario"), now=start)
        event = audit_trail(s, field_contains=users.LOCK_FIELD)[0]
        assert event.new == "bloccato per 15 minuti dopo 5 tentativi falliti" and event.username == "sistema"
    engine.dispose()

    restarted = make_engine(url)  # a new process: nothing kept in memory
    with session_scope(restarted) as s:
        with pytest.raises(LoginError) as exc:
            authenticate(s, "mario", PASSWORD, now=start + timedelta(minutes=1))  # right password, still locked
        assert str(exc.value) == LOGIN_FAILED  # the same words as a wrong password: locks are not revealed
        with pytest.raises(LoginError):
            authenticate(s, "mario", PASSWORD, now=start + LOCK_DURATION - timedelta(seconds=30))
    with session_scope(restarted) as s:
        user = authenticate(s, "mario", PASSWORD, now=start + LOCK_DURATION + timedelta(seconds=1))
        assert user.failed_logins == 0 and user.locked_until is None
    restarted.dispose()


def test_an_expired_lock_grants_five_new_checks_only(engine):
    with session_scope(engine) as s:
        _make(s, "mario")
    start = utcnow()
    _fail(engine, "mario", LOCK_AFTER_FAILURES, now=start)
    later = start + LOCK_DURATION + timedelta(seconds=1)
    _fail(engine, "mario", LOCK_AFTER_FAILURES, now=later)
    with session_scope(engine) as s:
        with pytest.raises(LoginError):
            authenticate(s, "mario", PASSWORD, now=later)  # locked again after five more
        assert len(audit_trail(s, field_contains=users.LOCK_FIELD)) == 2


def test_a_success_resets_the_failure_count(engine):
    with session_scope(engine) as s:
        _make(s, "mario")
    _fail(engine, "mario", LOCK_AFTER_FAILURES - 1)
    with session_scope(engine) as s:
        authenticate(s, "mario", PASSWORD)
    _fail(engine, "mario", LOCK_AFTER_FAILURES - 1)
    with session_scope(engine) as s:
        authenticate(s, "mario", PASSWORD)  # 4 + 4 failures, never 5 in a row: not locked


def test_failures_are_committed_even_though_login_fails(engine):
    """The login helper returns the error instead of raising, so the transaction keeps the count."""
    with session_scope(engine) as s:
        _make(s, "mario")
    for _ in range(LOCK_AFTER_FAILURES):
        with session_scope(engine) as s:
            user, error = login("mario", "sbagliata-12345", session=s)
            assert user is None and error
    with session_scope(engine) as s:
        user, error = login("mario", PASSWORD, session=s)
        assert user is None and error == LOGIN_FAILED


# --- login validity (cookies) -------------------------------------------------------------------------


def test_login_issued_before_logout_password_change_or_deactivation_is_refused(office):
    with session_scope(office) as s:
        mario = _make(s, "mario")
        admin = _actor(s, "uff")
    before = time.time()
    time.sleep(0.01)
    with session_scope(office) as s:
        assert resolve_login("mario", before, session=s) is not None
        logout(mario.id, session=s)
    with session_scope(office) as s:
        assert resolve_login("mario", before, session=s) is None
    after_logout = time.time()
    with session_scope(office) as s:
        assert resolve_login("mario", after_logout, session=s) is not None
        change_own_password(s, user_id=mario.id, current=PASSWORD, new="nuova-password-123")
    with session_scope(office) as s:
        assert resolve_login("mario", after_logout, session=s) is None
    after_change = time.time()
    with session_scope(office) as s:
        set_active(s, actor=admin, user_id=mario.id, active=False)
    with session_scope(office) as s:
        assert resolve_login("mario", after_change, session=s) is None
        assert resolve_login("mario", time.time(), session=s) is None  # deactivated: no login at all
        set_active(s, actor=admin, user_id=mario.id, active=True)
    with session_scope(office) as s:
        assert resolve_login("mario", after_change, session=s) is None  # reactivation does not revive it
        assert resolve_login("mario", time.time(), session=s) is not None
        assert resolve_login("nessuno", time.time(), session=s) is None
        assert resolve_login("mario", None, session=s) is None
        assert resolve_login("mario", 1e20, session=s) is None  # absurd time: refused, no crash


def test_password_reset_by_the_office_ends_the_users_logins(office):
    with session_scope(office) as s:
        mario = _make(s, "mario")
        admin = _actor(s, "uff")
    before = time.time()
    time.sleep(0.01)
    with session_scope(office) as s:
        issue_one_time_password(s, actor=admin, user_id=mario.id)
    with session_scope(office) as s:
        assert resolve_login("mario", before, session=s) is None


def test_role_change_applies_at_the_next_page_load(office):
    with session_scope(office) as s:
        mario = _make(s, "mario", role="comitato")
        admin = _actor(s, "uff")
    issued = time.time()
    with session_scope(office) as s:
        update_user(s, actor=admin, user_id=mario.id, role="referente", areas=["A", "B"], name="Mario")
    with session_scope(office) as s:
        actor = resolve_login("mario", issued, session=s).actor
        assert actor.role == "referente" and actor.areas == frozenset({"A", "B"})


# --- user management ----------------------------------------------------------------------------------


def test_area_choices_come_from_the_plan_catalogue(small_plan):
    with session_scope(small_plan) as s:
        assert [a["letter"] for a in area_choices(session=s)] == ["A", "B", "D"]
        assert area_choices(session=s)[0]["title"] == "Contrasto alla povertà"


def test_add_user_returns_a_one_time_password_and_audits(office):
    with session_scope(office) as s:
        admin = _actor(s, "uff")
        password = add_user(
            s, actor=admin, username=" Mario.Rossi ", name="Mario Rossi", role="referente", areas=["b", "A"]
        )
    with session_scope(office) as s:
        mario = users.get_user(s, "mario.rossi")
        assert mario.must_change_password and users.user_areas(s, mario.id) == {"A", "B"}
        authenticate(s, "mario.rossi", password)
        entry = audit_trail(s, username="uff")[0]
        assert entry.entity == "user" and entry.field == "creato" and "referente: A,B" in entry.new
        assert password not in f"{entry.old} {entry.new}"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"username": "uff"}, "Nome utente: 'uff' esiste già"),
        ({"username": "mario rossi"}, "Nome utente: usare da 1 a 64 caratteri"),
        ({"username": ""}, "Nome utente: usare"),
        ({"name": "  "}, "Nome e cognome: campo obbligatorio"),
        ({"role": "admin"}, "Ruolo: valore 'admin' non ammesso"),
        ({"role": "referente", "areas": []}, "Aree: un referente deve avere almeno un'area"),
        ({"role": "comitato", "areas": ["A"]}, "Aree: solo un referente ha aree assegnate"),
        ({"role": "referente", "areas": ["A", "Z"]}, r"Aree: Z non è una macro-area del piano \(ammesse: A, B, D\)"),
        ({"role": "referente", "areas": ["Y", "Z"]}, "Aree: Y, Z non sono macro-aree del piano"),
    ],
)
def test_invalid_user_data_is_refused_naming_the_field(office, kwargs, message):
    data = {"username": "mario", "name": "Mario Rossi", "role": "referente", "areas": ["A"], **kwargs}
    with session_scope(office) as s:
        admin = _actor(s, "uff")
        with pytest.raises(UserError, match=message):
            add_user(s, actor=admin, **data)


def test_update_user_changes_role_areas_and_name_with_audit(office):
    with session_scope(office) as s:
        admin = _actor(s, "uff")
        mario = _make(s, "mario", role="referente", areas=["A"])
    with session_scope(office) as s:
        update_user(s, actor=admin, user_id=mario.id, role="referente", areas=["B", "D"], name="Mario R.")
    with session_scope(office) as s:
        assert users.user_areas(s, mario.id) == {"B", "D"}
        assert s.get(User, mario.id).name == "Mario R."
        entry = audit_trail(s, field_contains="ruolo e aree")[0]
        assert entry.old == "MARIO (referente: A)" and entry.new == "Mario R. (referente: B,D)"
        update_user(s, actor=admin, user_id=mario.id, role="referente", areas=["D", "B"], name="Mario R.")
        assert len(audit_trail(s, field_contains="ruolo e aree")) == 1  # no change, no entry


def test_office_cannot_demote_or_deactivate_itself(office):
    with session_scope(office) as s:
        admin = _actor(s, "uff")
        with pytest.raises(UserError, match="Ruolo: non è possibile togliere a se stessi"):
            update_user(s, actor=admin, user_id=admin.user_id, role="comitato", areas=[], name="Uff")
        with pytest.raises(UserError, match="Attivo: non è possibile disattivare il proprio account"):
            set_active(s, actor=admin, user_id=admin.user_id, active=False)


def test_deactivate_never_deletes_and_keeps_the_audit_author(office):
    with session_scope(office) as s:
        admin = _actor(s, "uff")
        mario = _make(s, "mario", role="comitato")
        create_user(
            s, actor=_actor(s, "uff"), username="luigi", name="Luigi", role="comitato", areas=[], password=PASSWORD
        )
    with session_scope(office) as s:
        set_active(s, actor=admin, user_id=admin.user_id, active=True)  # no change: no audit entry
        set_active(s, actor=admin, user_id=mario.id, active=False)
    with session_scope(office) as s:
        assert s.get(User, mario.id) is not None and not s.get(User, mario.id).active
        with pytest.raises(LoginError, match=LOGIN_FAILED):
            authenticate(s, "mario", PASSWORD)
        entry = audit_trail(s, field_contains="attivo")[0]
        assert (entry.username, entry.old, entry.new) == ("uff", "sì", "no")
        assert {r["username"]: r["active"] for r in list_users(s, actor=admin)}["mario"] is False


def test_unlock_and_one_time_reset_lift_a_lock(office):
    with session_scope(office) as s:
        admin = _actor(s, "uff")
        mario = _make(s, "mario")
        luigi = _make(s, "luigi")
    for name in ("mario", "luigi"):
        _fail(office, name, LOCK_AFTER_FAILURES)
    with session_scope(office) as s:
        assert {r["username"]: r["locked"] for r in list_users(s, actor=admin)} == {
            "luigi": True,
            "mario": True,
            "uff": False,
        }
        unlock_user(s, actor=admin, user_id=mario.id)
        password = issue_one_time_password(s, actor=admin, user_id=luigi.id)
    with session_scope(office) as s:
        authenticate(s, "mario", PASSWORD)
        assert authenticate(s, "luigi", password).must_change_password
        assert audit_trail(s, field_contains="blocco")[0].new == "sbloccato"
        assert audit_trail(s, field_contains="password")[0].new == "reimpostata (monouso)"
        unlock_user(s, actor=admin, user_id=mario.id)  # not locked: nothing to do, no entry
        assert [e.new for e in audit_trail(s, field_contains="blocco")].count("sbloccato") == 1


def test_unknown_user_id_is_refused(office):
    with session_scope(office) as s:
        admin = _actor(s, "uff")
        for fn, kwargs in (
            (set_active, {"active": False}),
            (unlock_user, {}),
            (issue_one_time_password, {}),
            (update_user, {"role": "comitato", "areas": [], "name": "X"}),
        ):
            with pytest.raises(UserError, match="Utente: non trovato"):
                fn(s, actor=admin, user_id=9999, **kwargs)


# --- the Utenti page and the gate under AppTest -------------------------------------------------------


@pytest.fixture
def app_db(tmp_path):
    with app_env(tmp_path / "app.sqlite3") as engine:
        yield prepared(engine)


def test_utenti_page_lists_creates_and_shows_the_one_time_password_once(app_db):
    at = logged_in("uff", "pages/utenti.py")
    assert not at.exception and at.title[0].value == "Utenti"
    listed = shown_table(at.table[0])  # an HTML table, not the grid
    assert not at.dataframe
    assert set(listed["Nome utente"]) >= {"uff", "refa", "com"}
    new_user = [t for t in at.text_input if t.label == "Nome utente"][0]
    new_user.input("mario")
    [t for t in at.text_input if t.label == "Nome e cognome"][0].input("Mario Rossi")
    at.selectbox[0].select("referente")
    at.multiselect[0].select("A").select("D")
    [b for b in at.button if b.label == "Crea utente"][0].click().run()
    assert not at.exception and not at.error
    assert shown(at.success[0].value) == "Utente mario creato."
    password = at.code[0].value
    with session_scope(app_db) as s:
        assert authenticate(s, "mario", password).must_change_password
        assert users.user_areas(s, users.get_user(s, "mario").id) == {"A", "D"}
    assert "mario" in set(shown_table(at.table[0])["Nome utente"])
    at.run()
    assert not at.code  # shown once only


def test_utenti_page_refuses_with_a_message_naming_the_field(app_db):
    at = logged_in("uff", "pages/utenti.py")
    [t for t in at.text_input if t.label == "Nome utente"][0].input("uff")
    [t for t in at.text_input if t.label == "Nome e cognome"][0].input("Doppione")
    [b for b in at.button if b.label == "Crea utente"][0].click().run()
    assert shown(at.error[0].value) == "Nome utente: 'uff' esiste già."
    assert not at.code


def test_utenti_page_resets_deactivates_and_unlocks(app_db):
    _fail(app_db, "refa", LOCK_AFTER_FAILURES)
    at = logged_in("uff", "pages/utenti.py")
    events = shown_table(at.table[1])  # the lock events, for the office to see who gets locked
    assert list(events["Utente"]) == ["refa"] and "5 tentativi falliti" in events["Evento"][0]
    at.selectbox(key="edit_user").select_index(
        [o.split(" · ")[0] for o in at.selectbox(key="edit_user").options].index("refa")
    ).run()
    with session_scope(app_db) as s:
        refa_id = users.get_user(s, "refa").id
    at.button(key=f"unlock_{refa_id}").click().run()
    assert shown(at.success[0].value) == "Utente refa sbloccato."
    at.button(key=f"reset_{refa_id}").click().run()
    password = at.code[0].value
    at.button(key=f"deactivate_{refa_id}").click().run()
    assert "Disattivare refa?" in shown(at.warning[-1].value)  # asks first: nothing changed yet
    with session_scope(app_db) as s:
        assert users.get_user(s, "refa").active
    at.button(key=f"deactivate_{refa_id}:no").click().run()  # Annulla
    assert not [w for w in at.warning if "Disattivare" in w.value]
    at.button(key=f"deactivate_{refa_id}").click().run()
    at.button(key=f"deactivate_{refa_id}:yes").click().run()
    assert shown(at.success[0].value) == "Utente refa disattivato."
    with session_scope(app_db) as s:
        refa = users.get_user(s, "refa")
        assert not refa.active and refa.must_change_password and refa.locked_until is None
        assert users.check_password(password, refa.password_hash)
    at.button(key=f"reactivate_{refa_id}").click().run()
    with session_scope(app_db) as s:
        assert users.get_user(s, "refa").active


def test_utenti_page_file_refuses_a_non_office_user_even_if_run_directly(app_db):
    """Defence in depth: the page checks the role itself, not only the navigation."""
    with session_scope(app_db) as s:
        for username in ("refa", "com"):
            at = AppTest.from_file(str(ROOT / "pages" / "utenti.py"), default_timeout=30)
            at.session_state[auth_gate.RESOLVED] = SessionUser(actor=_actor(s, username), must_change_password=False)
            at.run()
            assert not at.exception
            assert at.warning[0].value == auth_gate.DENIED
            assert not at.table and not at.dataframe and not at.text_input
    at = AppTest.from_file(str(ROOT / "pages" / "utenti.py"), default_timeout=30)
    at.run()  # nobody logged in
    assert at.warning[0].value == auth_gate.DENIED and not at.table and not at.dataframe


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "Chiave dei cookie mancante"),
        ("some_signature_key", "Chiave dei cookie predefinita/pubblica"),
        ("some_key", "Chiave dei cookie troppo corta"),
        ("x" * 31, "Chiave dei cookie troppo corta: servono almeno 32 byte"),
        ("x" * 32, "Chiave dei cookie prevedibile: contiene solo 1 caratteri diversi"),
        ("abcdefghi" * 8, "Chiave dei cookie prevedibile: contiene solo 9 caratteri diversi"),
    ],
)
def test_app_refuses_to_start_with_a_bad_cookie_key(app_db, monkeypatch, tmp_path, key, message):
    monkeypatch.setattr(config, "SECRETS_FILE", tmp_path / "no-secrets.toml")
    monkeypatch.setattr("components.data.ensure_cookie_key", lambda *a, **k: None)  # no key generated here
    if key:
        monkeypatch.setenv("PDZ_COOKIE_KEY", key)
    else:
        monkeypatch.delenv("PDZ_COOKIE_KEY", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()
    assert not at.exception
    assert at.error[0].value.startswith("L'applicazione non può partire. " + message)
    assert not at.text_input  # no login form


def test_app_refuses_to_start_with_a_bad_refresh_period(app_db, monkeypatch):
    monkeypatch.setenv("PDZ_REFRESH_SECONDS", "2")
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()
    assert not at.exception
    assert at.error[0].value.startswith("L'applicazione non può partire. PDZ_REFRESH_SECONDS: '2' non è un numero")
    assert not at.text_input  # no login form


def test_config_hides_error_details_and_keeps_xsrf_on():
    import tomllib

    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert settings["server"]["enableXsrfProtection"] is True
    assert settings["client"]["showErrorDetails"] in ("none", False)


def test_config_keeps_each_run_free_of_watcher_and_full_collection():
    """A served app watches no source file (the watcher walked every loaded module on each run, half the server's
    event loop while pages opened, and could re-import a module in the middle of a session), and runs no full
    garbage collection after each script (it held the GIL ~0.5 s, delaying the page's last messages)."""
    import tomllib

    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert settings["server"]["fileWatcherType"] == "none"
    assert settings["server"]["runOnSave"] is False
    assert settings["runner"]["postScriptGC"] is False


def test_first_login_forces_the_password_change_then_opens_the_pages(app_db):
    with session_scope(app_db) as s:
        one_time = add_user(s, actor=_actor(s, "uff"), username="nuova", name="Nuova", role="comitato", areas=[])
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()
    at.text_input(key=auth_gate.LOGIN_USERNAME).input("nuova")
    at.text_input(key=auth_gate.LOGIN_PASSWORD).input(one_time)
    at.button[0].click().run()
    assert not at.exception and at.title[0].value == "Cambio password"
    assert "Primo accesso" in at.info[0].value
    at.text_input(key="pdz_pw_current").input(one_time)
    at.text_input(key="pdz_pw_new").input("nuova-password-1")
    at.text_input(key="pdz_pw_repeat").input("nuova-password-2")
    [b for b in at.button if b.label == "Cambia password"][0].click().run()
    assert at.error[0].value == "Ripeti la nuova password: le due password non coincidono."
    assert at.text_input(key="pdz_pw_current").value == ""  # passwords are not kept in the session
    at.text_input(key="pdz_pw_current").input(one_time)
    at.text_input(key="pdz_pw_new").input("nuova-password-1")
    at.text_input(key="pdz_pw_repeat").input("nuova-password-1")
    [b for b in at.button if b.label == "Cambia password"][0].click().run()
    assert not at.exception and not at.error
    assert at.title[0].value != "Cambio password"  # the plan overview opens
    assert at.session_state[auth_gate.SET_COOKIE]  # a fresh cookie for the new password is on its way
    with session_scope(app_db) as s:
        assert not users.get_user(s, "nuova").must_change_password


def test_logout_revokes_the_logins_and_shows_the_login_form(app_db):
    at = logged_in("com")
    with session_scope(app_db) as s:
        before = users.get_user(s, "com").tokens_valid_after
    at.sidebar.button(key="pdz_logout").click().run()
    assert not at.exception
    assert at.info[0].value.startswith("Uscita effettuata")
    assert [t.label for t in at.text_input] == ["Nome utente", "Password"]
    assert at.session_state[auth_gate.RESOLVED] is None
    with session_scope(app_db) as s:
        assert users.get_user(s, "com").tokens_valid_after > before  # copied cookies stop working


def test_login_form_does_not_keep_the_password_in_the_session(app_db):
    at = logged_in("com")
    assert at.session_state[auth_gate.LOGIN_PASSWORD] == ""


def test_cookie_issue_time_survives_a_daylight_saving_change(monkeypatch):
    """The library stamps exp_date from naive local time; in Italy a cookie issued 3 days before the end
    of summer time expires after it. The gate must recover the real issue time, not one an hour later
    (which would let a cookie issued just before a logout pass as issued after it)."""
    from datetime import datetime as dt

    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset non disponibile")
    monkeypatch.setenv("TZ", "Europe/Rome")
    time.tzset()
    try:
        issued = dt(2026, 10, 22, 12, 0, 0)  # CEST; + 7 days is CET (clocks go back on 25 October)
        exp_date = (issued + timedelta(days=auth_gate.COOKIE_EXPIRY_DAYS)).timestamp()  # as the library does
        assert exp_date - 7 * 86400 - issued.timestamp() == 3600  # the naive inversion is an hour late
        assert auth_gate.issued_at(exp_date) == issued.timestamp()
    finally:
        monkeypatch.undo()
        time.tzset()


def test_utenti_page_lists_users_one_page_at_a_time_past_the_page_size(app_db, monkeypatch):
    monkeypatch.setattr(pager, "HTML_TABLE_PAGE_SIZE", 2)
    at = logged_in("uff", "pages/utenti.py")
    with session_scope(app_db) as s:
        everyone = [r["username"] for r in users.list_users(s, actor=users.actor_for(s, users.get_user(s, "uff")))]
    seen = list(shown_table(at.table[0])["Nome utente"])
    while not at.button(key="utenti_pagina_forward").disabled:
        at.button(key="utenti_pagina_forward").click().run()
        page = list(shown_table(at.table[0])["Nome utente"])
        assert 1 <= len(page) <= 2
        seen += page
    assert len(everyone) > 2 and seen == everyone

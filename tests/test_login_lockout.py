"""The login lockout under attack, on SQLite (file, WAL) and PostgreSQL: parallel attempts, a per-address
throttle, the same words and the same time for every refusal, the password-change form on the same lock.

Each attempt is counted atomically before bcrypt runs (_reserve_attempt in models/users.py), so however many requests
arrive at once, at most LOCK_AFTER_FAILURES passwords are checked per lock period.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import select

from models import users
from models.audit import audit_trail
from models.db import create_db_and_tables, make_engine, session_scope
from models.sessions import login
from models.tables import LoginAttempt, User
from models.users import (
    ADDRESS_FAILURES_PER_ACCOUNT,
    CURRENT_PASSWORD_WRONG,
    LOCK_AFTER_FAILURES,
    LOGIN_FAILED,
    UserError,
    change_own_password,
    create_user,
    lock_events,
)

pytestmark = pytest.mark.both_databases  # its SQL runs on SQLite and on PostgreSQL (tests/conftest.py)

PASSWORD = "password-di-prova-1"
WRONG = "sbagliata-12345"
CHECK_DELAY_S = 0.05  # widens the race: without atomic counting every parallel attempt would be checked


@pytest.fixture
def file_engine(empty_database_url):
    """A database in a file (SQLite) or a server (PostgreSQL): threads need connections of their own."""
    engine = make_engine(empty_database_url)
    create_db_and_tables(engine)
    with session_scope(engine) as s:
        for name in ("mario", "uff"):
            create_user(
                s,
                actor=None,
                username=name,
                name=name.upper(),
                role="ufficio_di_piano",
                areas=[],
                password=PASSWORD,
                one_time=False,
            )
    yield engine
    engine.dispose()


class CheckCounter:
    """Wraps users.check_password: counts the checks against mario's real hash (not the dummy ones)."""

    def __init__(self, engine, monkeypatch):
        with session_scope(engine) as s:
            self.hash = users.get_user(s, "mario").password_hash
        self.real = 0
        self.wrong = 0  # checks of a wrong password
        self.lock = threading.Lock()
        original = users.check_password

        def counted(password: str, hashed: str) -> bool:
            if hashed == self.hash:
                with self.lock:
                    self.real += 1
                    self.wrong += password != PASSWORD
            time.sleep(CHECK_DELAY_S)
            return original(password, hashed)

        monkeypatch.setattr(users, "check_password", counted)


def _attempt(engine, password: str, address: str | None = None) -> str:
    with session_scope(engine) as s:
        user, error = login("mario", password, address, session=s)
    return "ok" if user is not None else error


def _parallel(engine, passwords: list[str]) -> list[str]:
    start = threading.Barrier(len(passwords))

    def run(password: str) -> str:
        start.wait()
        return _attempt(engine, password)

    with ThreadPoolExecutor(max_workers=len(passwords)) as pool:
        return list(pool.map(run, passwords))


def test_parallel_wrong_passwords_check_at_most_five_then_lock(file_engine, monkeypatch, backend):
    counter = CheckCounter(file_engine, monkeypatch)
    outcomes = _parallel(file_engine, [WRONG] * 12)
    assert outcomes == [LOGIN_FAILED] * 12
    assert counter.real == LOCK_AFTER_FAILURES  # not 12: the 7 others were refused without a check
    assert _attempt(file_engine, PASSWORD) == LOGIN_FAILED  # the right password now finds the lock
    assert counter.real == LOCK_AFTER_FAILURES
    with session_scope(file_engine) as s:
        assert users.is_locked(users.get_user(s, "mario"))
        assert len(audit_trail(s, field_contains=users.LOCK_FIELD)) == 1


def test_the_right_tenth_password_is_refused_while_nine_wrong_ones_run(file_engine, monkeypatch, backend):
    """10 parallel attempts: 9 wrong at once, the right one sent while the first five are being checked."""
    counter = CheckCounter(file_engine, monkeypatch)
    start = threading.Barrier(9)

    def wrong() -> str:
        start.wait()
        return _attempt(file_engine, WRONG)

    def right_tenth() -> str:
        deadline = time.monotonic() + 10
        while counter.real < LOCK_AFTER_FAILURES and time.monotonic() < deadline:
            time.sleep(0.002)
        return _attempt(file_engine, PASSWORD)

    with ThreadPoolExecutor(max_workers=10) as pool:
        wrongs = [pool.submit(wrong) for _ in range(9)]
        tenth = pool.submit(right_tenth)
        outcomes = [f.result() for f in wrongs]
        assert tenth.result() == LOGIN_FAILED
    assert outcomes == [LOGIN_FAILED] * 9
    assert counter.real <= LOCK_AFTER_FAILURES


def test_parallel_attempts_with_the_right_password_among_them_check_at_most_five(file_engine, monkeypatch, backend):
    counter = CheckCounter(file_engine, monkeypatch)
    outcomes = _parallel(file_engine, [WRONG] * 9 + [PASSWORD])
    # The right password logs in only if it was among the first five checked; it then resets the counter and
    # starts a new period, in which the attempts still waiting get at most five checks again.
    successes = outcomes.count("ok")
    assert successes <= 1 and outcomes.count(LOGIN_FAILED) == 10 - successes
    assert counter.wrong <= LOCK_AFTER_FAILURES * (1 + successes)
    if not successes:
        assert counter.real <= LOCK_AFTER_FAILURES


def test_a_single_address_cannot_lock_an_account(file_engine, backend):
    for _ in range(ADDRESS_FAILURES_PER_ACCOUNT + 3):
        assert _attempt(file_engine, WRONG, address="203.0.113.7") == LOGIN_FAILED
    with session_scope(file_engine) as s:
        mario = users.get_user(s, "mario")
        assert not users.is_locked(mario) and mario.failed_logins == ADDRESS_FAILURES_PER_ACCOUNT
    assert _attempt(file_engine, PASSWORD, address="203.0.113.7") == LOGIN_FAILED  # this address waits
    assert _attempt(file_engine, PASSWORD, address="198.51.100.2") == "ok"  # the owner elsewhere gets in
    with session_scope(file_engine) as s:
        assert users.get_user(s, "mario").failed_logins == 0
        assert s.exec(select(LoginAttempt).where(LoginAttempt.address == "198.51.100.2")).all() == []


def test_wrong_current_passwords_in_the_change_form_lock_like_logins(file_engine, backend):
    with session_scope(file_engine) as s:
        mario_id = users.get_user(s, "mario").id
    for _ in range(LOCK_AFTER_FAILURES):
        with session_scope(file_engine) as s:
            with pytest.raises(UserError) as exc:
                change_own_password(s, user_id=mario_id, current=WRONG, new="nuova-password-123")
            assert str(exc.value) == CURRENT_PASSWORD_WRONG
    with session_scope(file_engine) as s:
        with pytest.raises(UserError):  # the sixth, with the right password, finds the lock
            change_own_password(s, user_id=mario_id, current=PASSWORD, new="nuova-password-123")
    with session_scope(file_engine) as s:
        assert users.is_locked(users.get_user(s, "mario"))
        assert users.check_password(PASSWORD, s.get(User, mario_id).password_hash)  # unchanged
    assert _attempt(file_engine, PASSWORD) == LOGIN_FAILED  # the same lock stops the login


def test_lock_events_are_listed_for_the_office_only(file_engine, backend):
    for _ in range(LOCK_AFTER_FAILURES):
        _attempt(file_engine, WRONG)
    with session_scope(file_engine) as s:
        office = users.actor_for(s, users.get_user(s, "uff"))
        events = lock_events(s, actor=office)
        assert [(e["username"], e["event"]) for e in events] == [
            ("mario", "bloccato per 15 minuti dopo 5 tentativi falliti")
        ]
        with pytest.raises(users.PermissionDenied):
            lock_events(s, actor=users.Actor(99, "com", "comitato"))


def _fastest_ms(engine, attempts: dict[str, tuple[str, str]], rounds: int) -> dict[str, float]:
    """The fastest of `rounds` refusals per case (the cost of the work itself, less the noise of a shared
    machine), the cases taken in turn in every round, so that a busy moment falls on all of them alike."""
    times: dict[str, list[float]] = {case: [] for case in attempts}
    for _ in range(rounds):
        for case, (username, password) in attempts.items():
            t0 = time.perf_counter()
            with session_scope(engine) as s:
                user, error = login(username, password, session=s)
            times[case].append((time.perf_counter() - t0) * 1000)
            assert user is None
            assert error == LOGIN_FAILED
    return {case: min(ms) for case, ms in times.items()}


def test_unknown_wrong_and_locked_get_the_same_words_in_the_same_time(empty_database_url, monkeypatch, backend):
    """bcrypt at cost 10 (~70 ms) so that the check dominates, as it does in production (cost 12)."""
    monkeypatch.setenv("PDZ_BCRYPT_ROUNDS", "10")
    users.dummy_hash.cache_clear()
    engine = make_engine(empty_database_url)
    create_db_and_tables(engine)
    try:
        with session_scope(engine) as s:
            for name in ("wrong", "locked"):
                create_user(
                    s,
                    actor=None,
                    username=name,
                    name=name,
                    role="comitato",
                    areas=[],
                    password=PASSWORD,
                    one_time=False,
                )
        for _ in range(LOCK_AFTER_FAILURES):
            with session_scope(engine) as s:
                login("locked", WRONG, session=s)
        users.dummy_hash()  # made once per process, before the clock runs (not part of any refusal)
        timings = _fastest_ms(
            engine,
            {"unknown": ("nessuno", WRONG), "wrong": ("wrong", WRONG), "locked": ("locked", PASSWORD)},
            rounds=LOCK_AFTER_FAILURES - 1,  # one more wrong password would lock "wrong" too
        )
    finally:
        engine.dispose()
        users.dummy_hash.cache_clear()
    print(f"{backend} fastest login refusals (ms): " + ", ".join(f"{k} {v:.0f}" for k, v in timings.items()))
    reference = timings["wrong"]
    for case, ms in timings.items():
        assert 0.5 * reference <= ms <= 1.5 * reference, (case, timings)  # locked was ~100x faster before


@pytest.mark.parametrize(
    ("ip", "forwarded", "proxies", "expected"),
    [
        ("203.0.113.7", "", "", "203.0.113.7"),  # a direct client
        (None, "", "", None),  # localhost, or a proxy on this machine: no address, only the account lock
        ("10.0.0.2", "198.51.100.9, 203.0.113.7", "10.0.0.2", "203.0.113.7"),  # the hop our proxy appended
        ("10.0.0.2", "", "10.0.0.2", None),  # a listed proxy that sent no header
        ("10.0.0.2", "203.0.113.7", "", "10.0.0.2"),  # an unlisted proxy: its own address
    ],
)
def test_client_address_for_the_throttle(monkeypatch, ip, forwarded, proxies, expected):
    from types import SimpleNamespace

    from components import auth_gate

    monkeypatch.setenv("PDZ_PROXY_ADDRESSES", proxies)
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    monkeypatch.setattr(auth_gate, "st", SimpleNamespace(context=SimpleNamespace(ip_address=ip, headers=headers)))
    assert auth_gate.client_address() == expected

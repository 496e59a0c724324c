"""The login gate: streamlit-authenticator's signed cookie, checked against the database on every load.

Nothing about a user lives in module globals or st.cache_resource: only in this session's st.session_state.
app.py calls current_user() once per run, at the top; pages and components call signed_in().
"""
from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, NoReturn, TypeVar

import jwt
import streamlit as st
import streamlit_authenticator as stauth
from sqlalchemy.exc import InterfaceError, OperationalError

from components.data import DATABASE_UNAVAILABLE, call, engine
from models import config, sessions
from models.config import ConfigError, database_url, demo_mode
from models.db import DatabaseError, get_engine, session_scope
from models.permissions import can_open_page
from models.plan_loader import PlanFileError
from models.sessions import SessionUser

T = TypeVar("T")
COOKIE_NAME = "pdz_login"
COOKIE_EXPIRY_DAYS = 7.0  # re-login without password for a week, unless logged out or password changed
DENIED = "Accesso non consentito: questa pagina non è disponibile per il suo ruolo."
_USER = "pdz_username"
_LOGIN_AT = "pdz_login_at"
_SET_COOKIE = "pdz_set_cookie"
_LOGGED_OUT = "pdz_logged_out"  # this browser logged out: keep its cookie deleted
_RESOLVED = "pdz_resolved_user"  # this session's user as resolved at the top of the current run
_REQUESTED = "pdz_requested_page"
_LOGIN_USERNAME, _LOGIN_PASSWORD = "pdz_login_username", "pdz_login_password"
_LOGIN_ERROR = "pdz_login_error"
_REVOKE = "pdz_revoke_user_id"  # logout pressed: revoke this user's logins at the top of the next run
_SET_COMPONENT_KEY = "set"  # key of extra_streamlit_components' CookieManager.set: True once it ran


def _refuse_to_start(reason: str) -> NoReturn:
    """Show why the app cannot work (no traceback) and route every URL to that message only."""
    print(f"ERRORE: {reason}", file=sys.stderr, flush=True)

    def unavailable() -> None:
        st.title("Monitoraggio Piano di Zona")
        st.error(f"L'applicazione non può partire. {reason}")
        st.caption("Correggere la configurazione (vedere il README, sezione «Avvio») e riavviare l'applicazione.")

    st.navigation([st.Page(unavailable, title="Applicazione non disponibile", url_path="non-disponibile",
                           default=True)], position="hidden").run()
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises; this keeps type checkers honest


def _cookie_key() -> str:
    """Prepare the database (first start) and return the cookie key; refuse to start on a bad configuration."""
    try:
        engine()  # first start: schema, plan, first administrator, generated cookie key
        return config.cookie_key(config.SECRETS_FILE)
    except (ConfigError, DatabaseError, PlanFileError) as exc:
        _refuse_to_start(str(exc))


def _authenticator(key: str) -> stauth.Authenticate:
    """The library's cookie handler. Built only on runs that read, write or delete the cookie, at most once:
    it draws cookie components with fixed keys, and each one reruns the script when its frame first loads,
    which can swallow a click made in the meantime.
    """
    # Credentials stay in the database: the library is used for its signed cookie only.
    return stauth.Authenticate({"usernames": {}}, COOKIE_NAME, key, COOKIE_EXPIRY_DAYS,
                               auto_hash=False, login_sleep_time=0)


def _issued_at(exp_date: float) -> float | None:
    """When the library issued a cookie expiring at `exp_date`.

    The library computes exp_date = (datetime.now() + lifetime).timestamp() on naive local time; inverting
    it the same way keeps a daylight-saving change within the lifetime from shifting the result by an hour
    (which would let a cookie issued just before a logout pass as issued after it).
    """
    try:
        return (datetime.fromtimestamp(exp_date) - timedelta(days=COOKIE_EXPIRY_DAYS)).timestamp()
    except (OverflowError, OSError, ValueError):
        return None


def _read_cookie(auth: stauth.Authenticate) -> tuple[str, float] | None:
    """(username, issue time) of a well-formed cookie signed with our key and not expired, else None."""
    if not _cookie_present():
        return None
    try:
        token = auth.cookie_controller.get_cookie()
    except (jwt.PyJWTError, TypeError, ValueError, KeyError, AttributeError):
        return None  # e.g. another algorithm, or claims of the wrong type: treated as no cookie
    if not isinstance(token, dict):
        return None
    username, exp_date = token.get("username"), token.get("exp_date")
    if not isinstance(username, str) or isinstance(exp_date, bool) or not isinstance(exp_date, (int, float)):
        return None
    issued = _issued_at(float(exp_date))
    return None if issued is None else (username, issued)


def _cookie_present() -> bool:
    """Whether this browser sent our cookie when the session opened (st.context.cookies is not updated later)."""
    try:
        value = st.context.cookies.get(COOKIE_NAME)
    except Exception:  # noqa: BLE001  (no browser request behind this session, e.g. AppTest)
        return False
    return isinstance(value, str) and bool(value)


def _delete_cookie(auth: stauth.Authenticate) -> None:
    # Same component key on every run: drawn once, it deletes once; reruns leave it in place.
    auth.cookie_controller.delete_cookie()  # the library catches a KeyError for an absent cookie


def _set_cookie_until_confirmed(auth: stauth.Authenticate) -> None:
    """Draw the library's cookie-setting component on every run until the browser reports it has run.

    Drawn only once, it is often removed by the next rerun (a page switch remounts the cookie reader,
    which reruns the script) before its frame has loaded, and the cookie is never written.
    """
    if st.session_state.get(_SET_COMPONENT_KEY) is True:
        st.session_state.pop(_SET_COOKIE, None)
        return
    st.session_state["username"] = st.session_state[_USER]  # the library signs this name
    auth.cookie_controller.set_cookie()


def _finish_logout(run: Callable[..., Any] = call) -> None:
    """Revoke the logins of a user who pressed Esci (done at the top of the click's run, not in its callback,
    so that a rerun interrupting it cannot lose it: the flag stays until the database has it)."""
    user_id = st.session_state.get(_REVOKE)
    if user_id is not None:
        run(sessions.logout, user_id)
        st.session_state.pop(_REVOKE, None)


def current_user() -> SessionUser | None:
    """The logged-in user of this browser session, re-checked against the database on every load."""
    st.session_state[_RESOLVED] = None
    key = _cookie_key()
    _finish_logout()
    auth: stauth.Authenticate | None = None
    if not st.session_state.get(_USER):
        if st.session_state.get(_LOGGED_OUT):
            auth = _authenticator(key)
            _delete_cookie(auth)  # and never adopt this browser's cookie again in this session
        elif _cookie_present():
            auth = _authenticator(key)
            cookie = _read_cookie(auth)
            if cookie is not None and call(sessions.resolve_login, *cookie) is not None:
                st.session_state[_USER], st.session_state[_LOGIN_AT] = cookie
            else:
                _delete_cookie(auth)  # revoked, expired or forged: remove it from this browser
    if st.session_state.get(_SET_COOKIE) and st.session_state.get(_USER):
        _set_cookie_until_confirmed(auth or _authenticator(key))
    user = call(sessions.resolve_login, st.session_state.get(_USER), st.session_state.get(_LOGIN_AT))
    if user is None and st.session_state.get(_USER):
        _forget()
    st.session_state[_RESOLVED] = user
    return user


def signed_in() -> SessionUser:
    """The user resolved by app.py in this run (pages and components call this, never current_user).

    A page file run without app.py (possible only before the first st.navigation of the server) finds no
    user here and stops with the refusal message.
    """
    user = st.session_state.get(_RESOLVED)
    if user is None:
        st.warning(DENIED)
        st.stop()
    return user


def require_page(page_key: str) -> SessionUser:
    """The signed-in user, if their role may open `page_key`; otherwise the refusal message and stop."""
    user = signed_in()
    if user.must_change_password or not can_open_page(user.actor.role, page_key):
        st.warning(DENIED)
        st.stop()
    return user


def _forget() -> None:
    for key in (_USER, _LOGIN_AT, _RESOLVED, "username", "name", "authentication_status"):
        st.session_state.pop(key, None)


def start_session(username: str) -> None:
    st.session_state[_USER] = username
    st.session_state[_LOGIN_AT] = time.time()
    st.session_state["authentication_status"] = True
    st.session_state.pop(_LOGGED_OUT, None)
    st.session_state[_SET_COOKIE] = True  # written on the next run, when the page is fully drawn


class DatabaseUnavailable(RuntimeError):
    """in_callback could not reach the database; the message is for the user."""


def in_callback(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """components.data.call for widget callbacks.

    Streamlit stops a run for a newer rerun request at its checkpoints, and a call to an st.cache_resource
    function (data.engine()) is one. The cookie components rerun the script on their own right after a
    login or a logout: a callback stopped there would lose the click. So no cached call here (the engine
    was prepared by current_user() on the run that drew the widget).
    """
    try:
        with session_scope(get_engine(database_url())) as session:
            return fn(*args, session=session, **kwargs)
    except (OperationalError, InterfaceError) as exc:
        logging.getLogger(__name__).exception("database unavailable in %s", getattr(fn, "__name__", fn))
        raise DatabaseUnavailable(DATABASE_UNAVAILABLE) from exc



def _submit_login() -> None:
    _finish_logout(in_callback)  # a logout of this browser still pending is recorded before the new login
    username = st.session_state.get(_LOGIN_USERNAME, "")
    password = st.session_state.get(_LOGIN_PASSWORD, "")
    st.session_state[_LOGIN_PASSWORD] = ""  # not kept in the session
    try:
        user, error = in_callback(sessions.login, username, password)
    except DatabaseUnavailable as exc:
        user, error = None, str(exc)
    if user is None:
        st.session_state[_LOGIN_ERROR] = error
    else:
        start_session(user.username)


def login_page() -> None:
    st.title("Monitoraggio Piano di Zona")
    st.caption("Ambito Sociale Cremonese · Piano di Zona 2025-2027")
    requested = st.session_state.pop(_REQUESTED, None)
    if st.session_state.get(_LOGGED_OUT):
        st.info("Uscita effettuata: per rientrare occorre accedere di nuovo.")
    elif requested:
        st.info(f"Per aprire la pagina «{requested}» occorre accedere.")
    with st.form("login", clear_on_submit=False):
        st.subheader("Accesso")
        st.text_input("Nome utente", key=_LOGIN_USERNAME, autocomplete="username")
        st.text_input("Password", key=_LOGIN_PASSWORD, type="password", autocomplete="current-password")
        st.form_submit_button("Accedi", type="primary", on_click=_submit_login)
    error = st.session_state.pop(_LOGIN_ERROR, None)
    if error:
        st.error(error)
    if demo_mode():
        from components.demo import demo_accounts_box
        demo_accounts_box()
    else:
        st.caption("Primo avvio: l'utente `admin` e la sua password monouso sono stampati nel terminale "
                   "che ha eseguito `make run`. Credenziali perse: vedere il README (`make user`).")


def ask_login(page_title: str) -> None:
    """A page opened by URL while logged out: the login form, naming the page."""
    st.session_state[_REQUESTED] = page_title
    login_page()


def _logout(user_id: int) -> None:
    # A callback: Streamlit runs it at the start of the click's run even if another rerun interrupts it.
    # Only session-state changes here; the revocation follows at the top of the run (_finish_logout).
    _forget()
    st.session_state.pop(_SET_COOKIE, None)
    st.session_state[_LOGGED_OUT] = True
    st.session_state[_REVOKE] = user_id


def logout_button(user: SessionUser) -> None:
    """Esci: every cookie issued until now stops working, in every browser; this one is also deleted."""
    st.sidebar.button("Esci", key="pdz_logout", icon="🚪", width="stretch", on_click=_logout,
                      args=(user.actor.user_id,))


def refresh_cookie_after_password_change() -> None:
    st.session_state[_LOGIN_AT] = time.time()
    st.session_state[_SET_COOKIE] = True

"""The login gate: streamlit-authenticator's signed cookie, checked against the database on every load.

Nothing about a user lives in module globals or st.cache_resource: only in this session's st.session_state.
"""
from __future__ import annotations

import time

import streamlit as st
import streamlit_authenticator as stauth

from components.data import call
from models import sessions
from models.config import cookie_key, demo_mode
from models.sessions import SessionUser

COOKIE_NAME = "pdz_login"
COOKIE_EXPIRY_DAYS = 7.0  # re-login without password for a week, unless logged out or password changed
_USER = "pdz_username"
_LOGIN_AT = "pdz_login_at"
_SET_COOKIE = "pdz_set_cookie"
_RESOLVED = "pdz_resolved_user"  # this session's user as resolved at the top of the current run


def _authenticator() -> stauth.Authenticate:
    # Credentials stay in the database: the library is used for its signed cookie only.
    return stauth.Authenticate({"usernames": {}}, COOKIE_NAME, cookie_key(), COOKIE_EXPIRY_DAYS,
                               auto_hash=False, login_sleep_time=0)


def _cookie_login(auth: stauth.Authenticate) -> None:
    """Adopt a valid cookie of a previous visit (issue time = expiry - lifetime)."""
    if st.session_state.get(_USER):
        return
    token = auth.cookie_controller.get_cookie()
    if not token or "username" not in token or "exp_date" not in token:
        return
    issued_at = float(token["exp_date"]) - COOKIE_EXPIRY_DAYS * 86400
    if call(sessions.resolve_login, token["username"], issued_at) is not None:
        st.session_state[_USER], st.session_state[_LOGIN_AT] = token["username"], issued_at


def current_user() -> SessionUser | None:
    """The logged-in user of this browser session, re-checked against the database on every load."""
    auth = _authenticator()
    _cookie_login(auth)
    if st.session_state.pop(_SET_COOKIE, False) and st.session_state.get(_USER):
        st.session_state["username"] = st.session_state[_USER]
        auth.cookie_controller.set_cookie()
    user = call(sessions.resolve_login, st.session_state.get(_USER), st.session_state.get(_LOGIN_AT))
    if user is None and st.session_state.get(_USER):
        _forget()
    st.session_state[_RESOLVED] = user
    return user


def signed_in() -> SessionUser:
    """The user resolved by app.py in this run (pages and components call this, never current_user)."""
    user = st.session_state.get(_RESOLVED)
    if user is None:
        st.stop()
    return user


def _forget() -> None:
    for key in (_USER, _LOGIN_AT, "username", "name", "authentication_status"):
        st.session_state.pop(key, None)


def start_session(username: str) -> None:
    st.session_state[_USER] = username
    st.session_state[_LOGIN_AT] = time.time()
    st.session_state["authentication_status"] = True
    st.session_state[_SET_COOKIE] = True  # written on the next run, when the page is fully drawn


def login_page() -> None:
    st.title("Monitoraggio Piano di Zona")
    st.caption("Ambito Sociale Cremonese · Piano di Zona 2025-2027")
    requested = st.session_state.get("pdz_requested_page")
    if requested:
        st.info(f"Per aprire la pagina «{requested}» occorre accedere.")
    with st.form("login", clear_on_submit=False):
        st.subheader("Accesso")
        username = st.text_input("Nome utente", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Accedi", type="primary")
    if submitted:
        user, error = call(sessions.login, username, password)
        if user is None:
            st.error(error)
        else:
            start_session(user.username)
            st.rerun()
    if demo_mode():
        from components.demo import demo_accounts_box
        demo_accounts_box()
    else:
        st.caption("Primo avvio: l'utente `admin` e la sua password monouso sono stampati nel terminale "
                   "che ha eseguito `make run`. Credenziali perse: vedere il README (`make user`).")


def logout_button(user: SessionUser) -> None:
    if st.sidebar.button("Esci", key="logout", icon=":material/logout:", width="stretch"):
        call(sessions.logout, user.actor.user_id)
        auth = _authenticator()
        try:
            auth.cookie_controller.delete_cookie()
        except Exception:  # noqa: BLE001  (no cookie in this browser: nothing to delete)
            pass
        _forget()
        st.session_state["pdz_logged_out"] = True
        st.rerun()


def refresh_cookie_after_password_change() -> None:
    st.session_state[_LOGIN_AT] = time.time()
    st.session_state[_SET_COOKIE] = True

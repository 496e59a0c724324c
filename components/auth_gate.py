"""The login gate: streamlit-authenticator's signed cookie, checked against the database on every load.

Nothing about a user lives in module globals or st.cache_resource: only in this session's st.session_state.
app.py calls current_user() once per run, at the top; pages and components call signed_in().
"""

from __future__ import annotations

import html
import logging
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any, NoReturn, TypeVar

import jwt
import streamlit as st
from sqlalchemy.exc import InterfaceError, OperationalError

from components.data import DATABASE_UNAVAILABLE, call, engine
from components.safe import md_escape
from models import config, file_worker, sessions
from models.config import ConfigError, database_url, demo_mode
from models.db import DatabaseError, get_engine, session_scope
from models.errors import DomainError
from models.permissions import can_open_page
from models.plan_yaml import PlanFileError
from models.queries import plan_header
from models.sessions import SessionUser

T = TypeVar("T")
COOKIE_NAME = "pdz_login"
COOKIE_EXPIRY_DAYS = 7.0  # re-login without password for a week, unless logged out or password changed
DENIED = "Accesso non consentito: questa pagina non è disponibile per il suo ruolo."
_USER = "pdz_username"
_LOGIN_AT = "pdz_login_at"
SET_COOKIE = "pdz_set_cookie"
_LOGGED_OUT = "pdz_logged_out"  # this browser logged out: keep its cookie deleted
RESOLVED = "pdz_resolved_user"  # this session's user as resolved at the top of the current run
_REQUESTED = "pdz_requested_page"
LOGIN_USERNAME, LOGIN_PASSWORD = "pdz_login_username", "pdz_login_password"
_LOGIN_ERROR = "pdz_login_error"
_REVOKE = "pdz_revoke_user_id"  # logout pressed: revoke this user's logins at the top of the next run


def _refuse_to_start(reason: str) -> NoReturn:
    """Show why the app cannot work (no traceback) and route every URL to that message only."""
    print(f"ERRORE: {reason}", file=sys.stderr, flush=True)

    def unavailable() -> None:
        st.title("Monitoraggio Piano di Zona")
        st.error(f"L'applicazione non può partire. {reason}")
        st.caption("Correggere la configurazione (vedere il README, sezione «Avvio») e riavviare l'applicazione.")

    st.navigation(
        [st.Page(unavailable, title="Applicazione non disponibile", url_path="non-disponibile", default=True)],
        position="hidden",
    ).run()
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises; this keeps type checkers honest


def _cookie_key() -> str:
    """Prepare the database (first start) and return the cookie key; refuse to start on a bad configuration."""
    try:
        engine()  # first start: schema, plan, first administrator, generated cookie key
        config.refresh_seconds()  # checked here, so that a wrong value stops the app with its message
        return config.cookie_key(config.SECRETS_FILE)
    except (ConfigError, DatabaseError, PlanFileError) as exc:
        _refuse_to_start(str(exc))


# Why no cookie component: streamlit-authenticator writes, reads and deletes its cookie through
# extra_streamlit_components' CookieManager, an iframe component that reruns the whole script when its frame
# loads (right after a login, a logout, or a page load with the cookie). A menu click made during that rerun
# was dropped (Streamlit keeps the page of the newest rerun request, the component's), and the components
# appearing and disappearing at the top of the page shifted every element below, so a value typed in the first
# second after login could be lost. The cookie is the same (a JWT with username and exp_date, HS256, signed with
# our key, as the library writes it); it is read from the request (st.context.cookies) and written by a one-line
# script that triggers no rerun, always in the same slot at the top of the page.
COOKIE_ALGORITHM = "HS256"
_TOKEN = "pdz_cookie_token"  # (login time it was made for, token): the same token on every run of a session


def issued_at(exp_date: float) -> float | None:
    """When a cookie expiring at `exp_date` was issued.

    exp_date = (datetime.now() + lifetime).timestamp() on naive local time, as the library computes it;
    inverting it the same way keeps a daylight-saving change within the lifetime from shifting the result by
    an hour (which would let a cookie issued just before a logout pass as issued after it).
    """
    try:
        return (datetime.fromtimestamp(exp_date) - timedelta(days=COOKIE_EXPIRY_DAYS)).timestamp()
    except (OverflowError, OSError, ValueError):
        return None


def login_token(username: str, key: str, expires: datetime) -> str:
    """The login cookie's value: a JWT with username and exp_date (HS256), as streamlit-authenticator 0.4.2
    writes it, so that cookies issued by earlier releases stay valid (tests/test_login_cookie.py)."""
    return jwt.encode({"username": username, "exp_date": expires.timestamp()}, key, algorithm=COOKIE_ALGORITHM)


def token_claims(token: object, key: str) -> tuple[str, float] | None:
    """(username, issue time) of a well-formed token signed with `key` and not expired, else None."""
    try:
        claims = jwt.decode(token, key, algorithms=[COOKIE_ALGORITHM])  # type: ignore[arg-type]
    except (jwt.PyJWTError, TypeError, ValueError, KeyError, AttributeError):
        return None  # e.g. another algorithm, a forged signature, garbage
    if not isinstance(claims, dict):
        return None
    username, exp_date = claims.get("username"), claims.get("exp_date")
    if not isinstance(username, str) or isinstance(exp_date, bool) or not isinstance(exp_date, (int, float)):
        return None
    if exp_date <= datetime.now().timestamp():
        return None
    issued = issued_at(float(exp_date))
    return None if issued is None else (username, issued)


def _read_cookie(key: str) -> tuple[str, float] | None:
    """(username, issue time) of this browser's login cookie, when valid."""
    if not _cookie_present():
        return None
    return token_claims(st.context.cookies.get(COOKIE_NAME), key)


def _cookie_present() -> bool:
    """Whether this browser sent our cookie when the session opened (st.context.cookies is not updated later)."""
    try:
        value = st.context.cookies.get(COOKIE_NAME)
    except Exception:  # noqa: BLE001  (no browser request behind this session, e.g. AppTest)
        return False
    return isinstance(value, str) and bool(value)


def _token(key: str) -> tuple[str, datetime]:
    """This login's cookie value and expiry, made once per login (a password change makes a new one)."""
    login_at = st.session_state.get(_LOGIN_AT)
    made = st.session_state.get(_TOKEN)
    if not made or made[0] != login_at:
        expires = datetime.now() + timedelta(days=COOKIE_EXPIRY_DAYS)
        token = login_token(st.session_state[_USER], key, expires)
        made = st.session_state[_TOKEN] = (login_at, token, expires.astimezone(UTC))
    return made[1], made[2]


# Constant, so that the Content-Security-Policy allows it by its hash (models/web_guard.py): the value travels in
# the span's data attribute. currentScript is the copy Streamlit inserts in place of the sanitised one.
COOKIE_JS = (
    "(function(){var s=document.currentScript,v=s&&s.previousElementSibling||"
    "document.getElementById('pdz-cookie-value');"
    "document.cookie=v.dataset.cookie+(location.protocol==='https:'?'; Secure':'');})();"
)


def cookie_script(value: str | None, expires: datetime | None = None) -> str:
    """The script that writes (or, with None, deletes) the login cookie: path /, SameSite=Strict, Secure on
    https. Only our own token or nothing goes in, escaped as an HTML attribute."""
    when = format_datetime(expires, usegmt=True) if value is not None and expires else "Thu, 01 Jan 1970 00:00:00 GMT"
    cookie = html.escape(f"{COOKIE_NAME}={value or ''}; expires={when}; path=/; SameSite=Strict", quote=True)
    # The style hides the element's own container: no empty line, no gap above the page (it has run by then).
    return (
        "<style>[data-testid='stElementContainer']:has(#pdz-cookie){display:none}</style>"
        f"<span id='pdz-cookie-value' data-cookie=\"{cookie}\" hidden></span>"
        f"<script id='pdz-cookie'>{COOKIE_JS}</script>"
    )


def _write_cookie(slot, value: str | None, expires: datetime | None = None) -> None:
    slot.html(cookie_script(value, expires), unsafe_allow_javascript=True)


def _finish_logout(run: Callable[..., Any] = call) -> None:
    """Revoke the logins of a user who pressed Esci (done at the top of the click's run, not in its callback,
    so that a rerun interrupting it cannot lose it: the flag stays until the database has it)."""
    user_id = st.session_state.get(_REVOKE)
    if user_id is not None:
        run(sessions.logout, user_id)
        st.session_state.pop(_REVOKE, None)


def current_user() -> SessionUser | None:
    """The logged-in user of this browser session, re-checked against the database on every load."""
    st.session_state[RESOLVED] = None
    key = _cookie_key()
    _finish_logout()
    # Always drawn, empty or not: the cookie script comes and goes without moving anything below it.
    slot = st.empty()
    if not st.session_state.get(_USER):
        if st.session_state.get(_LOGGED_OUT):
            _write_cookie(slot, None)  # and never adopt this browser's cookie again in this session
        elif _cookie_present():
            cookie = _read_cookie(key)
            if cookie is not None and call(sessions.resolve_login, *cookie) is not None:
                st.session_state[_USER], st.session_state[_LOGIN_AT] = cookie
            else:
                _write_cookie(slot, None)  # revoked, expired or forged: remove it from this browser
    if st.session_state.get(SET_COOKIE) and st.session_state.get(_USER):
        _write_cookie(slot, *_token(key))  # the same script on every run: no rerun, nothing moves
    user = call(sessions.resolve_login, st.session_state.get(_USER), st.session_state.get(_LOGIN_AT))
    if user is None and st.session_state.get(_USER):
        _forget()
    st.session_state[RESOLVED] = user
    return user


def signed_in() -> SessionUser:
    """The user resolved by app.py in this run (pages and components call this, never current_user).

    A page file run without app.py (possible only before the first st.navigation of the server) finds no
    user here and stops with the refusal message.
    """
    user = st.session_state.get(RESOLVED)
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
    for key in (_USER, _LOGIN_AT, RESOLVED, "username", "name", "authentication_status"):
        st.session_state.pop(key, None)


def start_session(username: str) -> None:
    st.session_state[_USER] = username
    st.session_state[_LOGIN_AT] = time.time()
    st.session_state["authentication_status"] = True
    st.session_state.pop(_LOGGED_OUT, None)
    st.session_state[SET_COOKIE] = True  # written on the next run, when the page is fully drawn


class DatabaseUnavailable(DomainError, RuntimeError):
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


def download_data(build: Callable[..., Any], *args: Any, pass_actor: bool = True, **kwargs: Any) -> Callable[[], Any]:
    """`data` for st.download_button: the file is built on click, for this browser's login as it is then.

    Streamlit runs the callable on another thread, without session state: the login (username and login time,
    no secret) is captured now and checked against the database at the click (models.sessions.build_for_login):
    a user deactivated, logged out or demoted after the page was drawn gets nothing (the download fails).
    """
    username, logged_in_at = st.session_state.get(_USER), st.session_state.get(_LOGIN_AT)
    file_worker.warm()  # the file is built by a worker process (models/file_worker.py): one waits ready

    def data() -> Any:
        job = file_worker.Job(database_url(), username, logged_in_at, build, args, kwargs, pass_actor)
        return file_worker.build_file(job)

    return data


def client_address() -> str | None:
    """The browser's address, for the per-address login throttle (models.users).

    None on localhost and behind a proxy on this machine (Streamlit reports no address): only the per-account
    lock applies then. Behind a proxy on another machine listed in PDZ_PROXY_ADDRESSES, the hop that proxy
    appended to X-Forwarded-For (the earlier hops are the client's to forge); an unlisted proxy would make every
    user share one address, so list it.
    """
    try:
        address = st.context.ip_address
        if not isinstance(address, str):  # AppTest gives a mock
            return None
        return config.client_address(address, st.context.headers.get("X-Forwarded-For"))
    except Exception:  # noqa: BLE001  (no browser request behind this session)
        return None


def _submit_login() -> None:
    _finish_logout(in_callback)  # a logout of this browser still pending is recorded before the new login
    username = st.session_state.get(LOGIN_USERNAME, "")
    password = st.session_state.get(LOGIN_PASSWORD, "")
    st.session_state[LOGIN_PASSWORD] = ""  # not kept in the session
    try:
        user, error = in_callback(sessions.login, username, password, client_address())
    except DatabaseUnavailable as exc:
        user, error = None, str(exc)
    if user is None:
        st.session_state[_LOGIN_ERROR] = error
    else:
        start_session(user.username)


@st.cache_data(ttl=300, show_spinner=False)
def _plan_header(url: str) -> dict | None:
    with session_scope(get_engine(url)) as session:
        return plan_header(session=session)


def forget_plan_header() -> None:
    """After a plan import: the Ambito's name and years are read again at the next page."""
    _plan_header.clear()


def _header() -> dict | None:
    try:
        return _plan_header(database_url())
    except (OperationalError, InterfaceError):
        logging.getLogger(__name__).exception("database unavailable reading the plan header")
        return None


def ambito_name() -> str:
    """The Ambito's name as the plan states it (Plan.ambito), escaped for markdown; empty before the plan is loaded."""
    header = _header()
    return md_escape(header["ambito"]) if header else ""


def plan_caption() -> str:
    """'<Ambito> · Piano di Zona <first>-<last>', from the Plan table."""
    header = _header()
    if not header:
        return "Piano di Zona"
    return f"{md_escape(header['ambito'])} · Piano di Zona {header['first_year']}-{header['last_year']}"


def login_page() -> None:
    st.title("Monitoraggio Piano di Zona")
    st.caption(plan_caption())
    requested = st.session_state.pop(_REQUESTED, None)
    if st.session_state.get(_LOGGED_OUT):
        st.info("Uscita effettuata: per rientrare occorre accedere di nuovo.")
    elif requested:
        st.info(f"Per aprire la pagina «{requested}» occorre accedere.")
    with st.form("login", clear_on_submit=False):
        st.subheader("Accesso")
        st.text_input("Nome utente", key=LOGIN_USERNAME, autocomplete="username")
        st.text_input("Password", key=LOGIN_PASSWORD, type="password", autocomplete="current-password")
        st.form_submit_button("Accedi", type="primary", on_click=_submit_login)
    error = st.session_state.pop(_LOGIN_ERROR, None)
    if error:
        st.error(error)
    if demo_mode():
        from components.demo import demo_accounts_box

        demo_accounts_box()
    else:
        st.caption(
            "Primo avvio: l'utente `admin` e la sua password monouso sono stampati nel terminale "
            "che ha eseguito `make run`. Credenziali perse: vedere il README (`make user`)."
        )


def ask_login(page_title: str) -> None:
    """A page opened by URL while logged out: the login form, naming the page."""
    st.session_state[_REQUESTED] = page_title
    login_page()


def _logout(user_id: int) -> None:
    # A callback: Streamlit runs it at the start of the click's run even if another rerun interrupts it.
    # Only session-state changes here; the revocation follows at the top of the run (_finish_logout).
    _forget()
    st.session_state.pop(SET_COOKIE, None)
    st.session_state.pop(_TOKEN, None)
    st.session_state[_LOGGED_OUT] = True
    st.session_state[_REVOKE] = user_id


def logout_button(user: SessionUser) -> None:
    """Esci: every cookie issued until now stops working, in every browser; this one is also deleted."""
    st.sidebar.button(
        "Esci", key="pdz_logout", icon="🚪", width="stretch", on_click=_logout, args=(user.actor.user_id,)
    )


def refresh_cookie_after_password_change() -> None:
    st.session_state[_LOGIN_AT] = time.time()
    st.session_state[SET_COOKIE] = True

"""Password change form (first login and the account page)."""

from __future__ import annotations

import streamlit as st

from components import auth_gate
from components.actions import run
from models.users import MIN_PASSWORD_LENGTH, change_own_password
from models.vocab import PAGE_TITLES

_CURRENT, _NEW, _REPEAT = "pdz_pw_current", "pdz_pw_new", "pdz_pw_repeat"
_OUTCOME = "pdz_pw_outcome"  # ("error" | "success", message), shown once on the run after the submit


def _submit(user_id: int, first_login: bool) -> None:
    # A callback (see auth_gate.in_callback): the change cannot be lost to a concurrent rerun.
    current, new, repeat = (st.session_state.get(k, "") for k in (_CURRENT, _NEW, _REPEAT))
    for key in (_CURRENT, _NEW, _REPEAT):
        st.session_state[key] = ""  # passwords are not kept in the session
    if new != repeat:
        st.session_state[_OUTCOME] = ("error", "Ripeti la nuova password: le due password non coincidono.")
        return
    _, failure = run(
        change_own_password,
        runner=auth_gate.in_callback,
        user_id=user_id,
        current=current,
        new=new,
        address=auth_gate.client_address(),
    )
    if failure is not None:
        st.session_state[_OUTCOME] = ("error", failure.message)
        return
    # Cookies issued before now are refused from now on: this browser gets a fresh one.
    auth_gate.refresh_cookie_after_password_change()
    if not first_login:  # after a first login the requested page itself opens
        st.session_state[_OUTCOME] = ("success", "Password cambiata.")


def change_password_form(*, first_login: bool = False) -> None:
    user = auth_gate.signed_in()
    if first_login:
        st.title(PAGE_TITLES["cambio_password"])
    else:  # the account page: titled as in the menu
        st.title(PAGE_TITLES["account"])
        st.subheader(PAGE_TITLES["cambio_password"])
    outcome = st.session_state.pop(_OUTCOME, None)
    if outcome and outcome[0] == "success":
        st.success(outcome[1])
    if first_login:
        st.info("Primo accesso con una password monouso: sceglierne una nuova per continuare.")
    with st.form("change_password"):
        st.text_input("Password attuale", key=_CURRENT, type="password", autocomplete="current-password")
        st.text_input(
            f"Nuova password (almeno {MIN_PASSWORD_LENGTH} caratteri)",
            key=_NEW,
            type="password",
            autocomplete="new-password",
        )
        st.text_input("Ripeti la nuova password", key=_REPEAT, type="password", autocomplete="new-password")
        st.form_submit_button(
            "Cambia password", type="primary", on_click=_submit, args=(user.actor.user_id, first_login)
        )
    if outcome and outcome[0] == "error":
        st.error(outcome[1])

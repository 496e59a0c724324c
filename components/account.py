"""Password change form (first login and the account page)."""
from __future__ import annotations

import streamlit as st

from components import auth_gate
from components.data import call
from models.users import MIN_PASSWORD_LENGTH, UserError, change_own_password


def change_password_form(*, first_login: bool = False) -> None:
    user = auth_gate.signed_in()
    if user is None:
        return
    st.title("Cambio password")
    if first_login:
        st.info("Primo accesso con una password monouso: sceglierne una nuova per continuare.")
    with st.form("change_password", clear_on_submit=True):
        current = st.text_input("Password attuale", type="password")
        new = st.text_input(f"Nuova password (almeno {MIN_PASSWORD_LENGTH} caratteri)", type="password")
        repeat = st.text_input("Ripeti la nuova password", type="password")
        submitted = st.form_submit_button("Cambia password", type="primary")
    if submitted:
        if new != repeat:
            st.error("Ripeti la nuova password: le due password non coincidono.")
            return
        try:
            call(change_own_password, user_id=user.actor.user_id, current=current, new=new)
        except UserError as exc:
            st.error(str(exc))
            return
        auth_gate.refresh_cookie_after_password_change()
        st.success("Password cambiata.")
        st.rerun()

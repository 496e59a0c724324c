"""Il mio account's pieces: the password change form (also at first login) and the personal API tokens."""

from __future__ import annotations

import streamlit as st

from components import auth_gate
from components.actions import attempt, run
from components.confirm import confirmed
from components.data import call
from models.api_tokens import (
    DEFAULT_DAYS,
    MAX_DAYS,
    MAX_NAME,
    create_token,
    list_tokens,
    revoke_token,
    token_uses,
)
from models.formatting import local_time
from models.permissions import Actor
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


# --- personal API tokens ---------------------------------------------------------------------------

_TOKEN_NAME, _TOKEN_DAYS = "pdz_token_name", "pdz_token_days"
_NEW_TOKEN = "pdz_new_token"  # (name, token): shown on the next run only, then forgotten
_TOKEN_OUTCOME = "pdz_token_outcome"
USES_SHOWN = 20  # the latest uses under each token (the table keeps them all)


def _create_token(actor: Actor) -> None:
    name, days = st.session_state.get(_TOKEN_NAME, ""), st.session_state.get(_TOKEN_DAYS, DEFAULT_DAYS)
    result, failure = run(create_token, runner=auth_gate.in_callback, actor=actor, name=name, days=int(days))
    if failure is not None:
        st.session_state[_TOKEN_OUTCOME] = failure.message
        return
    view, token = result
    st.session_state[_NEW_TOKEN] = (view.name, token)
    st.session_state[_TOKEN_NAME] = ""


def api_tokens_section(actor: Actor) -> None:
    """Create (name, duration), see once, list and revoke one's own tokens for the read API (/api/v1/)."""
    st.markdown("#### Token per l'API")
    st.caption(
        "Un token personale permette a un altro sistema (un foglio di calcolo, il sito del Comune, la Regione) di "
        "leggere i dati via API (/api/v1/, guida nel README) con i permessi di questo utente. Va inviato "
        "nell'intestazione «Authorization: Bearer …», mai nell'indirizzo. Ogni uso è registrato."
    )
    new = st.session_state.pop(_NEW_TOKEN, None)
    if new:
        st.success(f"Token «{new[0]}» creato. Copiarlo ora: non sarà più mostrato.")
        st.code(new[1], language=None)
    problem = st.session_state.pop(_TOKEN_OUTCOME, None)
    with st.form("api_token"):
        st.text_input("Nome del token", key=_TOKEN_NAME, max_chars=MAX_NAME, placeholder="Foglio della Regione")
        st.number_input("Durata (giorni)", key=_TOKEN_DAYS, min_value=1, max_value=MAX_DAYS, value=DEFAULT_DAYS)
        st.form_submit_button("Crea token", on_click=_create_token, args=(actor,))
    if problem:
        st.error(problem)
    tokens = call(list_tokens, actor=actor)
    if not tokens:
        st.caption("Nessun token.")
        return
    for t in tokens:
        state = t.status()
        left, right = st.columns([4, 1], vertical_alignment="center")
        left.text(
            f"{t.name} · {t.hint}… · {state} · creato {local_time(t.created_at)} · scade {local_time(t.expires_at)}"
            f" · ultimo uso {local_time(t.last_used_at) if t.last_used_at else 'mai'}"
        )
        with left.expander("Ultimi usi"):
            uses = call(token_uses, actor=actor, token_id=t.id, limit=USES_SHOWN)
            st.text("\n".join(f"{local_time(u.at)} · {u.path} · esito {u.status}" for u in uses) or "Mai usato.")
        if state == "attivo" and confirmed(
            "Revoca",
            key=f"pdz_token_revoke:{t.id}",
            question=f"Revocare il token «{t.name}»? I sistemi che lo usano non potranno più leggere i dati.",
            where=right,
        ):
            if attempt(revoke_token, actor=actor, token_id=t.id, success="Token revocato."):
                st.rerun()

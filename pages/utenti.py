"""Utenti (Ufficio di Piano): who may log in, with which role and areas; create, change, reset, deactivate.

Every write goes through models.users, which checks the role again and writes the audit trail.
"""

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from components import auth_gate, pager
from components.actions import attempt
from components.confirm import confirmed
from components.data import call
from components.notice_settings import email_and_notices_form, notice_log_section
from components.safe import md_escape, plain_table
from models import users
from models.vocab import CHOOSE_MANY, PAGE_TITLES, ROLE_LABELS, Role

_NOTICE = "utenti_notice"  # (message, one-time password or None): shown once, on the next run

actor = auth_gate.require_page("utenti").actor


def _write(fn: Callable[..., Any], message: str, **kwargs: Any) -> None:
    """Run a models write; on success show `message` (and a returned one-time password) after the rerun."""
    result = attempt(fn, actor=actor, **kwargs)
    if result is None:
        return
    st.session_state[_NOTICE] = (message, result if isinstance(result, str) else None)
    st.rerun()


def _role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)


st.title(PAGE_TITLES["utenti"])
notice = st.session_state.pop(_NOTICE, None)
if notice:
    message, password = notice
    st.success(md_escape(message))  # names typed by the office: plain text
    if password:
        st.warning(
            "Password monouso, mostrata solo ora: comunicarla all'interessato, che al primo accesso "
            "dovrà sceglierne una nuova.",
            icon="🔑",
        )
        st.code(password, language=None)

rows = call(users.list_users, actor=actor)
areas = call(users.area_choices)
area_title = {a["letter"]: a["title"] for a in areas}
# HTML tables (one page at a time past pager.HTML_TABLE_PAGE_SIZE): read in full by a screen reader, no grid code
shown_rows = pager.paginate(
    rows, key="utenti_pagina", noun="Utenti", label="Pagina degli utenti", size=pager.HTML_TABLE_PAGE_SIZE
)
plain_table(
    pd.DataFrame(
        [
            {
                "Nome utente": r["username"],
                "Nome e cognome": r["name"],
                "E-mail": r["email"] or "—",
                "Ruolo": _role_label(r["role"]),
                "Aree": ", ".join(r["areas"]),
                "Attivo": "sì" if r["active"] else "no",
                "Bloccato": "sì" if r["locked"] else "no",
                "Password monouso da cambiare": "sì" if r["must_change_password"] else "no",
            }
            for r in shown_rows
        ]
    ),
    hide_index=True,
)

events = call(users.lock_events, actor=actor)
with st.expander(f"Blocchi per tentativi falliti ({len(events)} recenti)", icon="🔒"):
    st.caption(
        f"Dopo {users.LOCK_AFTER_FAILURES} password sbagliate (accesso o cambio password) l'account resta "
        "bloccato 15 minuti; un solo indirizzo non può bloccarlo da solo. «Sblocca» qui sotto lo riapre."
    )
    if events:
        plain_table(
            pd.DataFrame(
                [
                    {
                        "Quando (UTC)": f"{e['at']:%d/%m/%Y %H:%M}",
                        "Utente": e["username"],
                        "Evento": e["event"],
                        "Da": e["by"],
                    }
                    for e in events
                ]
            ),
            hide_index=True,
        )
    else:
        st.write("Nessun blocco registrato.")

notice_log_section(actor)

st.markdown("#### Nuovo utente")
with st.form("new_user", clear_on_submit=False):
    left, right = st.columns(2)
    username = left.text_input("Nome utente", placeholder="es. mario.rossi (lettere, cifre, . - _)")
    name = right.text_input("Nome e cognome")
    role = left.selectbox("Ruolo", list(Role), format_func=_role_label)
    chosen = right.multiselect(
        "Aree (solo per i referenti)",
        list(area_title),
        format_func=lambda a: f"{a} · {area_title[a]}",
        placeholder=CHOOSE_MANY,
    )
    new_email = left.text_input("Indirizzo e-mail (per gli avvisi)", placeholder="es. nome.cognome@comune.it")
    if st.form_submit_button("Crea utente", type="primary"):
        _write(
            users.add_user,
            f"Utente {username.strip().lower()} creato.",
            username=username,
            name=name,
            role=role,
            areas=chosen,
            email=new_email,
        )

st.markdown("#### Modifica un utente")
if not rows:
    st.stop()
by_id = {r["id"]: r for r in rows}
selected = by_id[
    st.selectbox(
        "Utente", list(by_id), key="edit_user", format_func=lambda i: f"{by_id[i]['username']} · {by_id[i]['name']}"
    )
]
uid = selected["id"]
with st.form(f"edit_user_{uid}"):
    left, right = st.columns(2)
    new_name = left.text_input("Nome e cognome", value=selected["name"])
    new_role = left.selectbox("Ruolo", list(Role), index=list(Role).index(selected["role"]), format_func=_role_label)
    new_areas = right.multiselect(
        "Aree (solo per i referenti)",
        list(area_title),
        default=[a for a in selected["areas"] if a in area_title],
        format_func=lambda a: f"{a} · {area_title[a]}",
        placeholder=CHOOSE_MANY,
    )
    if st.form_submit_button("Salva ruolo e aree"):
        _write(
            users.update_user,
            f"Utente {selected['username']}: ruolo e aree salvati.",
            user_id=uid,
            role=new_role,
            areas=new_areas,
            name=new_name,
        )

with st.expander("Indirizzo e-mail e avvisi", icon="✉️"):
    email_and_notices_form(actor, uid, key="utenti")

state = ("attivo" if selected["active"] else "disattivato") + (", bloccato" if selected["locked"] else "")
st.caption(
    f"Stato: {state}. Un utente non si cancella mai: disattivato, non può più accedere ma resta "
    "autore delle modifiche registrate."
)
cols = st.columns(3)
if cols[0].button("Reimposta password (monouso)", key=f"reset_{uid}", icon="🔑"):
    _write(
        users.issue_one_time_password,
        f"Utente {selected['username']}: password reimpostata e account "
        "sbloccato; i suoi accessi in corso sono terminati e i suoi token API revocati.",
        user_id=uid,
    )
if selected["active"]:
    if confirmed(
        "Disattiva",
        key=f"deactivate_{uid}",
        where=cols[1],
        icon="🚫",
        question=f"Disattivare {md_escape(selected['username'])}? Non potrà più accedere e i suoi accessi "
        "in corso "
        "terminano subito (si potrà riattivare).",
    ):
        _write(users.set_active, f"Utente {selected['username']} disattivato.", user_id=uid, active=False)
elif cols[1].button("Riattiva", key=f"reactivate_{uid}", icon="👤"):
    _write(users.set_active, f"Utente {selected['username']} riattivato.", user_id=uid, active=True)
if cols[2].button("Sblocca", key=f"unlock_{uid}", icon="🔓", disabled=not selected["locked"]):
    _write(users.unlock_user, f"Utente {selected['username']} sbloccato.", user_id=uid)

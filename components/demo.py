"""Demo mode (PDZ_DEMO=1, `make demo`): the login page lists one demonstration account per role."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from models.demo import DEMO_ACCOUNTS, DemoAccount
from models.vocab import ROLE_LABELS, Role


def _areas(account: DemoAccount) -> str:
    if account.areas:
        return ", ".join(account.areas)
    return "tutte (sola lettura)" if account.role == Role.COMITATO else "tutte"


def demo_accounts_box() -> None:
    """The demo accounts and their (public, demo-only) passwords, so a newcomer can log in at once."""
    with st.container(border=True):
        st.markdown("**Installazione dimostrativa**: dati generati per prova. Account di esempio, uno per ruolo:")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Ruolo": ROLE_LABELS.get(a.role, a.role),
                        "Nome utente": a.username,
                        "Password": a.password,
                        "Aree": _areas(a),
                    }
                    for a in DEMO_ACCOUNTS
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        st.caption(
            "Il Comitato Ristretto vede il Cruscotto (anche in modalità proiettore); il referente inserisce "
            "i dati delle proprie aree; l'Ufficio di Piano rivede, approva e configura."
        )

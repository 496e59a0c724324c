"""The Ufficio di Piano's next set-up steps on the landing page, each with a link to where it is done."""

from __future__ import annotations

import streamlit as st

from components.data import call
from components.navigation import PAGES
from models import onboarding
from models.sessions import SessionUser

_FILES = {spec.key: spec.file for spec in PAGES}


def show(user: SessionUser) -> None:
    """Nothing once every step is done, and nothing for other roles."""
    if not user.actor.is_office:
        return
    steps = call(onboarding.next_steps)
    todo = [s for s in steps if not s.done]
    if not todo:
        return
    with st.container(border=True):
        st.markdown("#### Prossimi passi per avviare il monitoraggio")
        for number, step in enumerate(steps, start=1):
            mark = "✅" if step.done else "⬜"
            st.markdown(f"{mark} **{number}. {step.title}**" + (" — fatto" if step.done else ""))
            st.caption(step.detail)
            if not step.done and step.page in _FILES:
                st.page_link(
                    _FILES[step.page], label=f"Vai a {next(p.title for p in PAGES if p.key == step.page)}", icon="➡️"
                )

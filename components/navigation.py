"""Pages per role. st.navigation runs on every rerun (also on the login screen) so that no page file
is ever routable outside this list; a page a role may not use answers with a message, not the page."""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from components import auth_gate
from models.permissions import can_open_page
from models.sessions import SessionUser


@dataclass(frozen=True)
class PageSpec:
    key: str
    file: str
    title: str
    icon: str
    url: str


PAGES: tuple[PageSpec, ...] = (
    PageSpec("home", "pages/home.py", "Panoramica", ":material/home:", "panoramica"),
    PageSpec("account", "pages/account.py", "Il mio account", ":material/key:", "account"),
)


def _stand_in(spec: PageSpec, body) -> st.Page:
    def page() -> None:
        body(spec)
    page.__name__ = f"page_{spec.key}"
    return st.Page(page, title=spec.title, icon=spec.icon, url_path=spec.url)


def _ask_login(spec: PageSpec) -> None:
    st.session_state["pdz_requested_page"] = spec.title
    auth_gate.login_page()


def _denied(spec: PageSpec) -> None:
    st.title(spec.title)
    st.warning("Accesso non consentito: questa pagina non è disponibile per il suo ruolo.")


def _must_change(spec: PageSpec) -> None:
    from components.account import change_password_form
    change_password_form(first_login=True)


def build(user: SessionUser | None) -> tuple[st.navigation, dict[str, st.Page]]:
    """The navigation for this rerun and the pages the user may open (for the sidebar menu)."""
    if user is None:
        pages = [st.Page(auth_gate.login_page, title="Accesso", icon=":material/login:",
                         url_path="accesso", default=True)]
        pages += [_stand_in(spec, _ask_login) for spec in PAGES]
        return st.navigation(pages, position="hidden"), {}
    if user.must_change_password:
        from components.account import change_password_form
        pages = [st.Page(lambda: change_password_form(first_login=True), title="Cambio password",
                         icon=":material/key:", url_path="cambio-password", default=True)]
        pages += [_stand_in(spec, _must_change) for spec in PAGES]
        return st.navigation(pages, position="hidden"), {}
    allowed: dict[str, st.Page] = {}
    pages = []
    for spec in PAGES:
        if can_open_page(user.actor.role, spec.key):
            page = st.Page(spec.file, title=spec.title, icon=spec.icon, url_path=spec.url,
                           default=spec.key == "home")
            allowed[spec.key] = page
        else:
            page = _stand_in(spec, _denied)
        pages.append(page)
    return st.navigation(pages, position="hidden"), allowed

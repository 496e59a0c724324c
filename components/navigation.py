"""Pages per role. st.navigation runs on every rerun (also on the login screen) so that no page file
is ever routable outside this list; a page a role may not use answers with a message, not the page."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from components import auth_gate
from models.permissions import can_open_page
from models.sessions import SessionUser
from models.vocab import PAGE_TITLES


@dataclass(frozen=True)
class PageSpec:
    key: str
    file: str
    title: str
    icon: str
    url: str


ROOT = Path(__file__).resolve().parents[1]

# Menu order. A page's file must exist to be offered (keys match models.permissions.PAGES_BY_ROLE).
_ALL_PAGES: tuple[PageSpec, ...] = (
    PageSpec("home", "pages/home.py", PAGE_TITLES["home"], ":material/home:", "panoramica"),
    PageSpec("cruscotto", "pages/cruscotto.py", PAGE_TITLES["cruscotto"], ":material/monitoring:", "cruscotto"),
    PageSpec("inserimento", "pages/inserimento.py", PAGE_TITLES["inserimento"], ":material/edit_note:",
             "inserimento"),
    PageSpec("revisione", "pages/revisione.py", PAGE_TITLES["revisione"], ":material/fact_check:", "revisione"),
    PageSpec("piano", "pages/piano.py", PAGE_TITLES["piano"], ":material/menu_book:", "piano"),
    PageSpec("storico", "pages/storico.py", PAGE_TITLES["storico"], ":material/history:", "piano-2021-2023"),
    PageSpec("report", "pages/report.py", PAGE_TITLES["report"], ":material/download:", "report"),
    PageSpec("impostazione", "pages/impostazione.py", PAGE_TITLES["impostazione"], ":material/tune:",
             "impostazione"),
    PageSpec("utenti", "pages/utenti.py", PAGE_TITLES["utenti"], ":material/group:", "utenti"),
    PageSpec("account", "pages/account.py", PAGE_TITLES["account"], ":material/key:", "account"),
)
PAGES: tuple[PageSpec, ...] = tuple(p for p in _ALL_PAGES if (ROOT / p.file).exists())


def _stand_in(spec: PageSpec, body) -> st.Page:
    def page() -> None:
        body(spec)
    page.__name__ = f"page_{spec.key}"
    return st.Page(page, title=spec.title, icon=spec.icon, url_path=spec.url)


def _ask_login(spec: PageSpec) -> None:
    auth_gate.ask_login(spec.title)


def _denied(spec: PageSpec) -> None:
    # Only the title and the refusal: the page's file is never run for this role.
    st.title(spec.title)
    st.warning(auth_gate.DENIED)


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
        pages = [st.Page(lambda: change_password_form(first_login=True), title=PAGE_TITLES["cambio_password"],
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

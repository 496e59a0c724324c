"""Pages per role. st.navigation runs on every rerun (also on the login screen) so that no page file
is ever routable outside this list; a page a role may not use answers with a message, not the page."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from components import auth_gate
from models.permissions import can_open_page
from models.sessions import SessionUser
from models.vocab import PAGE_TITLES, PAGE_URLS


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
    PageSpec("home", "pages/home.py", PAGE_TITLES["home"], "🏠", PAGE_URLS["home"]),
    PageSpec("cruscotto", "pages/cruscotto.py", PAGE_TITLES["cruscotto"], "📊", PAGE_URLS["cruscotto"]),
    PageSpec("inserimento", "pages/inserimento.py", PAGE_TITLES["inserimento"], "📝", PAGE_URLS["inserimento"]),
    PageSpec("revisione", "pages/revisione.py", PAGE_TITLES["revisione"], "✅", PAGE_URLS["revisione"]),
    PageSpec("piano", "pages/piano.py", PAGE_TITLES["piano"], "📖", PAGE_URLS["piano"]),
    PageSpec("storico", "pages/storico.py", PAGE_TITLES["storico"], "🕰️", PAGE_URLS["storico"]),
    PageSpec("report", "pages/report.py", PAGE_TITLES["report"], "📥", PAGE_URLS["report"]),
    PageSpec("impostazione", "pages/impostazione.py", PAGE_TITLES["impostazione"], "🛠️", PAGE_URLS["impostazione"]),
    PageSpec("utenti", "pages/utenti.py", PAGE_TITLES["utenti"], "👥", PAGE_URLS["utenti"]),
    PageSpec("account", "pages/account.py", PAGE_TITLES["account"], "🔑", PAGE_URLS["account"]),
)
PAGES: tuple[PageSpec, ...] = tuple(p for p in _ALL_PAGES if (ROOT / p.file).exists())


def _stand_in(spec: PageSpec, body) -> st.Page:
    def page() -> None:
        body(spec)

    page.__name__ = f"page_{spec.key}"
    return st.Page(page, title=spec.title, icon=spec.icon, url_path=spec.url)


# The default page is served at the root and Streamlit answers "Page not found" for its own url_path (and for
# any path it does not list): so the default page reserves a path nobody types, and the addresses people do
# type or bookmark, /accesso and /panoramica, are listed in every state as hidden aliases of the default page.
LANDING_URL = "inizio"
ALIASES = ("accesso", "panoramica")


def _aliases(target: st.Page, taken: set[str]) -> list[st.Page]:
    def alias_page(url: str) -> st.Page:
        def go() -> None:
            st.switch_page(target)

        go.__name__ = f"alias_{url}"
        return st.Page(go, title=target.title, icon=target.icon, url_path=url)

    return [alias_page(url) for url in ALIASES if url not in taken]


def _ask_login(spec: PageSpec) -> None:
    auth_gate.ask_login(spec.title)


def _denied(spec: PageSpec) -> None:
    # Only the title and the refusal: the page's file is never run for this role.
    st.title(spec.title)
    st.warning(auth_gate.DENIED)


def _must_change(spec: PageSpec) -> None:
    from components.account import change_password_form

    change_password_form(first_login=True)


def build(user: SessionUser | None, landing_key: str = "home") -> tuple[st.Page, dict[str, st.Page]]:
    """The navigation for this rerun and the pages the user may open (for the sidebar menu). `landing_key`:
    the page served at the root (the benchmark opens each page that way, tests/bench/page_app.py)."""
    if user is None:
        landing = st.Page(auth_gate.login_page, title="Accesso", icon="🔐", url_path=LANDING_URL, default=True)
        pages = [landing, *(_stand_in(spec, _ask_login) for spec in PAGES)]
        pages += _aliases(landing, {spec.url for spec in PAGES})
        return st.navigation(pages, position="hidden"), {}
    if user.must_change_password:
        from components.account import change_password_form

        landing = st.Page(
            lambda: change_password_form(first_login=True),
            title=PAGE_TITLES["cambio_password"],
            icon="🔑",
            url_path="cambio-password",
            default=True,
        )
        pages = [landing, *(_stand_in(spec, _must_change) for spec in PAGES)]
        pages += _aliases(landing, {spec.url for spec in PAGES})
        return st.navigation(pages, position="hidden"), {}
    allowed: dict[str, st.Page] = {}
    pages = []
    for spec in PAGES:
        if can_open_page(user.actor.role, spec.key):
            is_landing = spec.key == landing_key
            page = st.Page(
                spec.file,
                title=spec.title,
                icon=spec.icon,
                url_path=LANDING_URL if is_landing else spec.url,
                default=is_landing,
            )
            allowed[spec.key] = page
        else:
            page = _stand_in(spec, _denied)
        pages.append(page)
    pages += _aliases(allowed[landing_key], {spec.url for spec in PAGES if spec.key != landing_key})
    return st.navigation(pages, position="hidden"), allowed

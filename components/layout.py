"""The frame around every page: sidebar menu, user, logout, demo banner, projector mode."""

from __future__ import annotations

import json

import streamlit as st

from components import auth_gate, plan_selector
from components.chart_preload import preload_charts
from components.safe import md_escape
from models.config import demo_mode
from models.sessions import SessionUser
from models.vocab import CHOOSE_MANY, CHOOSE_ONE, ROLE_LABELS

PROJECTOR_PARAM = "proiettore"


# Once per run, before any page (the login screen too). Static text only, never user data.
# Focus: Streamlit's own ring is a faint halo; a 3 px dark blue outline is 10:1 on white and on the sidebar
# (WCAG 2.4.7, 1.4.11 ask for a visible indicator of at least 3:1).
# Language and Streamlit's own English: the page has no lang attribute and Streamlit 1.67 has no option for it,
# nor for the file uploader's texts, the skip link, the heading anchors or the lists' empty states; a small
# script sets lang="it" and translates exactly these strings wherever they appear (an observer, because
# Streamlit redraws them). Placeholders that Streamlit lets us set are set at the widget (models.vocab).
A11Y_CSS = """<style>
:focus-visible, [data-baseweb="select"]:focus-within, [data-baseweb="input"]:focus-within,
[data-baseweb="textarea"]:focus-within, [data-testid="stNumberInputContainer"]:focus-within {
  outline: 3px solid #0B3D91 !important; outline-offset: 2px !important; }
[data-baseweb="input"] input:focus-visible, [data-baseweb="textarea"] textarea:focus-visible,
[data-baseweb="select"] input:focus-visible { outline: none !important; }
/* Il Piano's objectives (components/plan_view.objectives_markdown): native disclosure widgets drawn as expanders */
details.pdz-objective { border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem; margin: 0 0 0.5rem 0; }
details.pdz-objective > summary { padding: 0.6rem 1rem; cursor: pointer; }
details.pdz-objective > summary:hover { color: #0B3D91; }
details.pdz-objective[open] > summary { border-bottom: 1px solid rgba(49, 51, 63, 0.1); }
details.pdz-objective > :not(summary) { margin-left: 1rem; margin-right: 1rem; }
/* this block only carries the script: it takes no room */
[data-testid="stElementContainer"]:has(#pdz-a11y) { position: absolute !important; height: 0 !important;
  overflow: hidden !important; margin: 0 !important; }
</style>"""
STREAMLIT_ITALIAN = {
    "Choose an option": CHOOSE_ONE,
    "Choose options": CHOOSE_MANY,
    "No options to select": "Nessuna opzione disponibile",
    "No results": "Nessun risultato",
    "Drag and drop a file here": "Trascinare qui un file",
    "Drag and drop files here": "Trascinare qui i file",
    "Upload": "Carica file",
    "Skip to main content": "Vai al contenuto principale",
    "Link to heading": "Collegamento a questo titolo",
    "Clear all": "Togli tutte",
    "Clear value": "Cancella il valore",
    "Select all": "Seleziona tutte",
    "Selected values": "Valori scelti",
    "Open": "Apri l'elenco",
    "Increment": "Aumenta",
    "Decrement": "Diminuisci",
    "Press Enter to apply": "Premere Invio per confermare",
    "Press Enter to submit form": "Premere Invio per inviare il modulo",
    "Press Ctrl+Enter to apply": "Premere Ctrl+Invio per confermare",
    "Press Ctrl+Enter to submit form": "Premere Ctrl+Invio per inviare il modulo",
}
A11Y_SCRIPT = """<span id="pdz-a11y" hidden></span><script>
(() => {
  document.documentElement.lang = "it";
  if (window.__pdzItalian) return;
  const words = %s;
  const perFile = /^(\\d+(?:[.,]\\d+)?)\\s*([KMG]B) per file$/;
  const fix = (text) => {
    const t = text.trim();
    if (words[t]) return text.replace(t, words[t]);
    if (t.startsWith("Remove ")) return "Togli " + t.slice(7);
    const m = t.match(perFile);
    return m ? text.replace(t, "massimo " + m[1] + " " + m[2] + " per file") : null;
  };
  // One node: its text, or its attributes. Never recursive: a subtree is walked once (fixTree), so the cost
  // stays linear in the nodes added (a recursive walk per node was exponential in the depth of the page).
  const fixOne = (node) => {
    if (node.nodeType === 3) {
      const out = fix(node.nodeValue);
      if (out !== null && out !== node.nodeValue) node.nodeValue = out;
      return;
    }
    if (node.nodeType !== 1) return;
    for (const name of ["aria-label", "placeholder", "title"]) {
      const value = node.getAttribute(name);
      const out = value && fix(value);
      if (out && out !== value) node.setAttribute(name, out);
    }
  };
  const fixTree = (node) => {
    fixOne(node);
    if (node.nodeType !== 1) return;
    const walker = document.createTreeWalker(node, 5);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) fixOne(n);
  };
  window.__pdzItalian = new MutationObserver((records) => {
    if (document.documentElement.lang !== "it") document.documentElement.lang = "it";
    for (const r of records) {
      if (r.type === "childList") r.addedNodes.forEach(fixTree); else fixOne(r.target);
    }
  });
  window.__pdzItalian.observe(document.documentElement, {childList: true, subtree: true, characterData: true,
    attributes: true, attributeFilter: ["aria-label", "placeholder", "title", "lang"]});
  fixTree(document.body);
})();
</script>"""


A11Y_HTML = A11Y_SCRIPT % json.dumps(STREAMLIT_ITALIAN, ensure_ascii=False)  # constant: its hash is in the CSP


def accessibility() -> None:
    """Focus indicator, lang="it" and Italian for Streamlit's own texts: call once per run, first."""
    st.html(A11Y_CSS)
    st.html(A11Y_HTML, unsafe_allow_javascript=True)


def projector_mode() -> bool:
    return st.query_params.get(PROJECTOR_PARAM) == "1"


# Static CSS only (never user text). Projector mode: no header, toolbar or sidebar; large type (the root size
# scales Streamlit's rem-based fonts: body 21 px, small captions about 18 px at 1280x720); black on white;
# tight page margins so that the main screen fits 1280x720 without scrolling.
PROJECTOR_CSS = """<style>
html { font-size: 21px !important; }
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stStatusWidget"] {
  display: none !important; }
[data-testid="stAppViewContainer"], [data-testid="stMain"] {
  background: #FFFFFF !important; color: #000000 !important; }
[data-testid="stMainBlockContainer"] { padding: 0.4rem 1rem 0.2rem 1rem !important; max-width: 100% !important; }
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] { gap: 0.35rem !important; }
[data-testid="stMarkdownContainer"] h3 { padding: 0 !important; margin: 0 !important; }
[data-testid="stAlert"] > div { padding: 0.2rem 0.8rem !important; }
p, li, label, button { color: #000000; }
/* ...except on the primary button's blue, where black is 4,0:1 and white 5,2:1 */
[data-testid="stBaseButton-primary"] p { color: #FFFFFF !important; }
</style>"""


# 1920x1080 projectors: everything about one and a half times larger (the charts scale the same way).
PROJECTOR_LARGE_CSS = """<style>html { font-size: 30px !important; }</style>"""


def projector_style(*, large: bool = False) -> None:
    st.html(PROJECTOR_CSS)
    if large:
        st.html(PROJECTOR_LARGE_CSS)


def demo_banner() -> None:
    if demo_mode() and projector_mode():
        st.markdown("🧪 Dati dimostrativi, non reali.")  # one short line: the screen is full
    elif demo_mode():
        st.warning(
            "Dati dimostrativi: questa installazione contiene dati generati per prova, non dati reali.", icon="🧪"
        )


def sidebar(user: SessionUser | None, pages: dict[str, st.Page]) -> None:
    if user is None or projector_mode():
        return
    with st.sidebar:
        st.markdown("**Monitoraggio Piano di Zona**")
        if ambito := auth_gate.ambito_name():
            st.caption(ambito)
        plan_selector.show()
        for key, page in pages.items():
            st.page_link(page, label=plan_selector.history_label(page.title) if key == "storico" else None)
        st.divider()
        st.caption(f"{md_escape(user.actor.name)} · {ROLE_LABELS.get(user.actor.role, user.actor.role)}")
        if user.actor.areas:
            st.caption("Aree: " + ", ".join(sorted(user.actor.areas)))
        auth_gate.logout_button(user)
        preload_charts()

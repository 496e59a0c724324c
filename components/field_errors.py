"""Errors of a refused save shown where they belong: each under its field, and a summary at the top whose
entries move the focus to their field; the first field with an error gets the focus when the errors appear.

Fields are found by the CSS class Streamlit gives a keyed container (`st-key-<key>`): no id to invent and no
component to install. The summary is the only place with a script (st.html, not iframed, so it can reach the
page); every text in it is escaped, and the messages are ours (FieldError), never raw HTML from a user.
"""

from __future__ import annotations

import html

import streamlit as st

from components.safe import md_escape
from models.validation import FieldError

# Finds the field's first focusable element (text box, select, radio, checkbox) inside its container,
# scrolls it to the middle of the screen and focuses it. The fields render a moment after the summary, and a
# field drawn again by the end of the run loses the focus: for up to 15 s, focus it until it has the focus, and
# again if the focus falls back to the page (never when the person has moved it elsewhere).
# Constant, so that the Content-Security-Policy allows it by its hash (models/web_guard.py): the first field's
# key travels in the span just before it (currentScript is the copy Streamlit inserts).
FOCUS_JS = """
(function () {
  const focusField = (key) => {
    const box = document.querySelector('.st-key-' + key);
    if (!box) return false;
    const el = box.querySelector('input:not([type=hidden]):not([disabled]), textarea:not([disabled]), ' +
                                 '[role=combobox], [tabindex="0"]');
    box.scrollIntoView({block: 'center'});
    if (el) el.focus({preventScroll: true});
    return !!el && document.activeElement === el;
  };
  document.querySelectorAll('a[data-pdz-field]').forEach((a) => a.addEventListener('click', (ev) => {
    ev.preventDefault();
    focusField(a.dataset.pdzField);
  }));
  const before = document.currentScript && document.currentScript.previousElementSibling;
  const first = (before && before.dataset.pdzFirst) || null;
  if (first) {
    let tries = 0, held = false;
    const timer = setInterval(() => {
      const active = document.activeElement;
      const lost = !active || active === document.body;
      const inField = !!active && !!active.closest && !!active.closest('.st-key-' + first);
      if (++tries > 150 || (held && !lost && !inField)) { clearInterval(timer); return; }
      if (!inField && (!held || lost)) held = focusField(first) || held;
    }, 100);
  }
})();
"""
_BOX = (
    "border:1px solid #b3261e;border-radius:0.5rem;padding:0.75rem 1rem;background:#fdecea;color:#5f1412;"
    "margin-bottom:0.5rem"
)


def error_summary(errors: list[FieldError], keys: list[str | None], *, focus: bool) -> None:
    """The summary at the top: how many errors, each a link to its field; `focus` moves to the first."""
    items = []
    for error, key in zip(errors, keys):
        text = html.escape(str(error))
        items.append(
            f'<li><a href="#" data-pdz-field="{html.escape(key)}">{text}</a></li>' if key else f"<li>{text}</li>"
        )
    n = len(errors)
    title = f"Nulla è stato salvato: {n} {'errore' if n == 1 else 'errori'} da correggere"
    first = next((k for k in keys if k), None) if focus else None
    st.html(
        f'<div role="alert" style="{_BOX}"><strong>{html.escape(title)}</strong>'
        f'<ul style="margin:0.25rem 0 0 1rem">{"".join(items)}</ul></div>'
        f'<span data-pdz-first="{html.escape(first or "")}" hidden></span><script>{FOCUS_JS}</script>',
        unsafe_allow_javascript=True,
    )


def field_errors(errors: list[FieldError], target: str) -> None:
    """Each error of one field, under it, with the field's name."""
    for error in errors:
        if error.target == target:
            st.error(md_escape(str(error)), icon="⚠️")  # messages may quote what was typed

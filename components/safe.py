"""User-typed text shown back as text: markdown specials escaped, never HTML."""

import re

_MD_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md_escape(text: str | None) -> str:
    """Escape a user's text for st.markdown/st.info & co.: every markdown and HTML special is literal."""
    return _MD_SPECIALS.sub(r"\\\1", text or "")

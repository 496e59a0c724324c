"""What app.py's st.App is built from: the extra routes (the read API) and the middleware around every response,
Streamlit's own pages, static files and websocket included.

Security headers (SecurityHeaders): a Content-Security-Policy that allows only the app's own origin, plus what
Streamlit needs to run: its inline styles (style-src 'unsafe-inline': the frontend and Plotly set style
attributes everywhere), data:/blob: images and fonts, WebAssembly ('wasm-unsafe-eval': Streamlit's frontend
compiles some; it allows no JavaScript eval), and the few inline scripts, each allowed by its sha256 (Streamlit's
index.html has one; the app's own are listed in components/scripts.py). No 'unsafe-eval', no
'unsafe-inline' script, no other host (the app works offline); frame-ancestors 'self' (no framing by other
sites); nosniff; Referrer-Policy same-origin.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

from starlette.middleware import Middleware
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.web_api import api_routes

_SCRIPT = re.compile(r"<script(\s[^>]*)?>(.*?)</script>", re.S | re.I)


def asgi_routes() -> list[BaseRoute]:
    return api_routes()


def script_hash(body: str) -> str:
    """The CSP source allowing one inline script: its exact text between <script> and </script>."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii") + "'"


def inline_scripts(html: str) -> list[str]:
    """The bodies of the inline scripts (those without src) of a page or fragment."""
    return [body for attrs, body in _SCRIPT.findall(html) if "src=" not in (attrs or "").lower()]


def content_security_policy(scripts: Iterable[str]) -> str:
    hashes = " ".join(sorted({script_hash(s) for s in scripts}))
    return "; ".join(
        (
            "default-src 'self'",
            # 'wasm-unsafe-eval': Streamlit's frontend compiles WebAssembly (seen in Chromium); it allows no JS eval
            f"script-src 'self' 'wasm-unsafe-eval' {hashes}".strip(),
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "media-src 'self' data: blob:",
            "worker-src 'self' blob:",
            "frame-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'self'",
        )
    )


def security_headers(scripts: Iterable[str]) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-security-policy", content_security_policy(scripts).encode("ascii")),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"x-frame-options", b"SAMEORIGIN"),  # frame-ancestors for browsers that predate it
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    ]


class SecurityHeaders:
    """Pure ASGI middleware: adds the headers to every HTTP response and websocket handshake (a header the
    response already has is kept)."""

    def __init__(self, app: ASGIApp, scripts: Iterable[str] = ()) -> None:
        self.app = app
        self.headers = security_headers(scripts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] in ("http.response.start", "websocket.accept"):
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in self.headers if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def middleware(*, pages: Iterable[str] = (), streamlit_index: Path | None = None) -> list[Middleware]:
    """The middleware stack. The CSP allows the inline scripts of `pages` (HTML the app's pages insert) and of
    `streamlit_index` (Streamlit's index.html)."""
    html = [*pages, streamlit_index.read_text(encoding="utf-8") if streamlit_index else ""]
    allowed = [body for fragment in html for body in inline_scripts(fragment)]
    return [Middleware(SecurityHeaders, scripts=allowed)]

"""What app.py's st.App is built from: the extra routes (the read API) and the middleware around every response,
Streamlit's own pages, static files and websocket included.

Security headers (SecurityHeaders): a Content-Security-Policy that allows only the app's own origin, plus what
Streamlit needs to run: its inline styles (style-src 'unsafe-inline': the frontend and Plotly set style
attributes everywhere), data:/blob: images and fonts, WebAssembly ('wasm-unsafe-eval': Streamlit's frontend
compiles some; it allows no JavaScript eval), and the few inline scripts, each allowed by its sha256 (Streamlit's
index.html has one; the app's own are listed in components/scripts.py). No 'unsafe-eval', no
'unsafe-inline' script, no other host (the app works offline); frame-ancestors 'self' (no framing by other
sites); nosniff; Referrer-Policy same-origin.

Streamlit's page (StreamlitIndex): the index.html a browser gets for any page's address says lang="it" and,
before Streamlit's code runs, where the server is (BASE_SCRIPT). Without it, a tab opened on /cruscotto first
asks /cruscotto/_stcore/health, gets a 404 and tries / after a back-off: up to 0.1 s lost on every page opened
by its address or reloaded. The script strips a trailing segment that is one of the app's page paths (vocab.PAGE_URLS),
so the app still works behind a proxy that serves it under a path of its own.

Rate limits (RateLimit), per client address (config.client_address: behind a listed proxy, the hop it added):
the API (/api/, open data included) answers at most API_PER_MINUTE requests a minute, and after
API_FAILURES refused tokens (401) in FAILURE_WINDOW_S it refuses every API request from that address; both with
429, an Italian JSON message and Retry-After. Logins go over Streamlit's websocket, not through HTTP requests the
middleware could count: they are limited in models/users.py (per account and per address, in the database, so
that every process and a restart see them), not twice.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import math
import re
import time
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path

from starlette.middleware import Middleware
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.config import client_address
from models.vocab import PAGE_URLS
from models.web_api import api_routes

API_PER_MINUTE = 120  # a client paging through results stays well below; a loop hammering the database does not
API_FAILURES = 20  # refused tokens per address and window: a broken script, or someone guessing
FAILURE_WINDOW_S = 15 * 60
MAX_TRACKED = 10_000  # addresses kept in memory at most (oldest forgotten first): a flood cannot exhaust memory

log = logging.getLogger(__name__)

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


class RateLimit:
    """Pure ASGI middleware: sliding windows per client address, in this process's memory."""

    def __init__(
        self,
        app: ASGIApp,
        per_minute: int = API_PER_MINUTE,
        failures: int = API_FAILURES,
        failure_window_s: float = FAILURE_WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.limits = {"api": (per_minute, 60.0), "401": (failures, failure_window_s)}
        self.clock = clock
        self.seen: dict[tuple[str, str], deque[float]] = {}

    def _window(self, bucket: str, address: str, now: float) -> deque[float]:
        key = (bucket, address)
        hits = self.seen.pop(key, None) or deque()
        while hits and hits[0] <= now - self.limits[bucket][1]:
            hits.popleft()
        self.seen[key] = hits  # re-inserted: the dict's order is the last use, oldest first
        while len(self.seen) > MAX_TRACKED:
            del self.seen[next(iter(self.seen))]
        return hits

    def _wait(self, bucket: str, address: str, now: float) -> int:
        """Seconds until the address may try again (0: now)."""
        limit, window = self.limits[bucket]
        hits = self._window(bucket, address, now)
        return 0 if len(hits) < limit else max(1, math.ceil(hits[0] + window - now))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        peer = (scope.get("client") or ("", 0))[0]
        address = client_address(peer, headers.get(b"x-forwarded-for", b"").decode("latin-1")) or "?"
        now = self.clock()
        wait = max(self._wait("401", address, now), self._wait("api", address, now))
        if wait:
            log.warning("API limited for address %s (%d s)", address, wait)
            await _too_many(send, wait)
            return
        self.seen[("api", address)].append(now)

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 401:
                self._window("401", address, self.clock()).append(self.clock())
            await send(message)

        await self.app(scope, receive, watch)


async def _too_many(send: Send, wait: int) -> None:
    body = json.dumps(
        {"errore": f"Troppe richieste da questo indirizzo: riprovare tra {wait} secondi."}, ensure_ascii=False
    ).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(wait).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


# Constant (the CSP allows it by its hash): Streamlit's frontend reads window.__streamlit once, when it starts.
BASE_SCRIPT = (
    "(function(){var p=location.pathname.replace(/\\/+$/,''),i=p.lastIndexOf('/');"
    f"if(i<0||{json.dumps(sorted(PAGE_URLS.values()))}.indexOf(p.slice(i+1))<0)return;"
    "window.__streamlit={BACKEND_BASE_URL:location.origin+p.slice(0,i)+'/'};})();"
)
INDEX_HEAD = f"<script>{BASE_SCRIPT}</script>"
_INDEX_MARK = b'src="./static/js/index.'  # Streamlit's index.html, and nothing else the server sends


def index_page(body: bytes) -> bytes:
    """Streamlit's index.html as the app serves it: lang="it", INDEX_HEAD first in <head>; other bodies as they are."""
    if _INDEX_MARK not in body or b"<head>" not in body:
        return body
    body = body.replace(b'<html lang="en">', b'<html lang="it">', 1)
    return body.replace(b"<head>", b"<head>" + INDEX_HEAD.encode("utf-8"), 1)


class StreamlitIndex:
    """Pure ASGI middleware: a browser's page request (GET, Accept: text/html) gets Streamlit's index.html through
    `index_page`. It is asked uncompressed (the inner gzip middleware would compress it: 5 KB, once per tab) and
    sent without ETag, so that no browser keeps a copy from before a change."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = scope.get("headers") or []
        if (
            scope["type"] != "http"
            or scope.get("method") != "GET"
            or b"text/html" not in dict(headers).get(b"accept", b"")
            or scope["path"].startswith(("/api/", "/_stcore/", "/static/", "/media/"))
        ):
            await self.app(scope, receive, send)
            return
        plain = {
            **scope,
            "headers": [(k, v) for k, v in headers if k.lower() != b"accept-encoding"],
            # the body as messages this middleware can read, not a file path for the server to send
            "extensions": {k: v for k, v in (scope.get("extensions") or {}).items() if k != "http.response.pathsend"},
        }
        start: Message | None = None
        chunks: list[bytes] = []

        async def rewrite(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                kind = dict(message.get("headers") or []).get(b"content-type", b"")
                if message["status"] == 200 and kind.startswith(b"text/html"):
                    start = message
                    return
            elif start is not None and message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = index_page(b"".join(chunks))
                drop = (b"content-length", b"etag", b"last-modified")
                kept = [(k, v) for k, v in start.get("headers") or [] if k.lower() not in drop]
                await send({**start, "headers": [*kept, (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
            elif start is not None:  # a message of another kind: what was held goes first, unchanged
                held, start = start, None
                await send(held)
            await send(message)

        await self.app(plain, receive, rewrite)


def middleware(*, pages: Iterable[str] = (), streamlit_index: Path | None = None) -> list[Middleware]:
    """The middleware stack. The CSP allows the inline scripts of `pages` (HTML the app's pages insert) and of
    `streamlit_index` (Streamlit's index.html, with INDEX_HEAD)."""
    html = [*pages, streamlit_index.read_text(encoding="utf-8") if streamlit_index else "", INDEX_HEAD]
    allowed = [body for fragment in html for body in inline_scripts(fragment)]
    # The first is the outermost: a 429 gets the security headers too.
    return [Middleware(SecurityHeaders, scripts=allowed), Middleware(RateLimit), Middleware(StreamlitIndex)]

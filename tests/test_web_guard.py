"""The middleware app.py puts around every response (models/web_guard.py): security headers and the CSP's
inline-script hashes. Their effect in a real browser is tests/browser/test_security_headers.py."""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from components.scripts import INLINE_HTML
from models.web_guard import content_security_policy, inline_scripts, middleware, script_hash

INDEX = Path(st.__file__).parent / "static" / "index.html"


async def page(request):
    return PlainTextResponse("ok", headers={"Referrer-Policy": "no-referrer"})


def app(**kwargs) -> Starlette:
    return Starlette(routes=[Route("/", page)], middleware=middleware(**kwargs))


def test_headers_on_every_response_keeping_ones_already_set():
    with TestClient(app(pages=INLINE_HTML, streamlit_index=INDEX)) as client:
        for path in ("/", "/nothing-here"):
            got = client.get(path).headers
            assert got["x-content-type-options"] == "nosniff"
            assert got["x-frame-options"] == "SAMEORIGIN"
            csp = got["content-security-policy"]
            assert "default-src 'self'" in csp and "frame-ancestors 'self'" in csp
            assert "'unsafe-eval'" not in csp and "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";")[0]
            assert "http" not in csp  # no other host: the app works offline
        assert client.get("/").headers["referrer-policy"] == "no-referrer"  # the route's own wins
        assert client.get("/nothing-here").headers["referrer-policy"] == "same-origin"


def test_the_csp_allows_exactly_the_apps_inline_scripts_and_streamlits():
    bodies = [b for fragment in INLINE_HTML for b in inline_scripts(fragment)]
    assert len(bodies) == 4  # accessibility, login cookie, focus on the first wrong field, Plotly's preload
    from models.web_guard import BASE_SCRIPT

    streamlit_own = inline_scripts(INDEX.read_text(encoding="utf-8"))
    assert streamlit_own  # window.prerenderReady = false
    streamlit_own.append(BASE_SCRIPT)  # put into Streamlit's index.html by the app
    with TestClient(app(pages=INLINE_HTML, streamlit_index=INDEX)) as client:
        csp = client.get("/").headers["content-security-policy"]
    assert set(re.findall(r"'sha256-[^']+'", csp)) == {script_hash(b) for b in bodies + streamlit_own}


def test_the_cookie_and_focus_scripts_do_not_change_with_their_data():
    from components.auth_gate import cookie_script
    from components.field_errors import FOCUS_JS

    one, other = cookie_script("a.b.c"), cookie_script(None)
    assert inline_scripts(one) == inline_scripts(other) and "a.b.c" in one
    assert "<script" not in cookie_script('"><script>alert(1)</script>').split("data-cookie", 1)[1].split("hidden")[0]
    assert "%s" not in FOCUS_JS


def test_inline_scripts_skip_external_ones():
    assert inline_scripts('<script src="x.js"></script><script>a()</script><script id="k">b()</script>') == [
        "a()",
        "b()",
    ]
    assert script_hash("a()") in content_security_policy(["a()"])


# --- rate limits ---------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def ok(request):
    return PlainTextResponse("ok")


async def refused(request):
    return PlainTextResponse("no", status_code=401)


def limited_app(clock: Clock, **limits) -> Starlette:
    from starlette.middleware import Middleware

    from models.web_guard import RateLimit, SecurityHeaders

    return Starlette(
        routes=[Route("/api/v1/x", ok), Route("/api/v1/deny", refused), Route("/", ok)],
        middleware=[Middleware(SecurityHeaders), Middleware(RateLimit, clock=clock, **limits)],
    )


def test_api_requests_per_address_get_429_with_retry_after():
    clock = Clock()
    with TestClient(limited_app(clock, per_minute=3)) as client:
        assert [client.get("/api/v1/x").status_code for _ in range(3)] == [200, 200, 200]
        too_many = client.get("/api/v1/x")
        assert too_many.status_code == 429
        assert too_many.json()["errore"].startswith("Troppe richieste da questo indirizzo: riprovare tra")
        assert int(too_many.headers["retry-after"]) == 60
        assert too_many.headers["x-content-type-options"] == "nosniff"  # headers on a 429 too
        assert [client.get("/").status_code for _ in range(5)] == [200] * 5  # Streamlit's pages are not limited
        clock.now += 30
        assert client.get("/api/v1/x").headers["retry-after"] == "30"
        clock.now += 30.5
        assert client.get("/api/v1/x").status_code == 200


def test_refused_tokens_lock_the_address_out_of_the_api():
    clock = Clock()
    with TestClient(limited_app(clock, failures=2, failure_window_s=900)) as client:
        assert [client.get("/api/v1/deny").status_code for _ in range(2)] == [401, 401]
        assert client.get("/api/v1/x").status_code == 429  # even a good request, for the window
        clock.now += 901
        assert client.get("/api/v1/x").status_code == 200


def test_clients_behind_a_listed_proxy_are_counted_apart(monkeypatch):
    monkeypatch.setenv("PDZ_PROXY_ADDRESSES", "testclient")  # TestClient's peer address
    clock = Clock()
    with TestClient(limited_app(clock, per_minute=1)) as client:
        one, two = {"X-Forwarded-For": "10.0.0.1"}, {"X-Forwarded-For": "6.6.6.6, 10.0.0.2"}
        assert client.get("/api/v1/x", headers=one).status_code == 200
        assert client.get("/api/v1/x", headers=two).status_code == 200  # the proxy's own hop counts, not the forged
        assert client.get("/api/v1/x", headers={"X-Forwarded-For": "10.0.0.2"}).status_code == 429
        assert client.get("/api/v1/x", headers=one).status_code == 429


# --- Streamlit's index page ------------------------------------------------------------------------


def index_app() -> Starlette:
    """Streamlit's index.html behind gzip (as st.App serves it, for any page's address), and a JSON route."""
    from starlette.middleware import Middleware
    from starlette.middleware.gzip import GZipMiddleware
    from starlette.responses import FileResponse, JSONResponse

    async def index(request):
        return FileResponse(INDEX)

    async def data(request):
        return JSONResponse({"x": "<head>" * 200})

    routes = [Route("/api/v1/x", data), Route("/{path:path}", index)]
    return Starlette(routes=routes, middleware=[*middleware(), Middleware(GZipMiddleware, minimum_size=10)])


def test_every_page_address_gets_streamlits_index_in_italian_with_the_server_s_address_first():
    from models.web_guard import BASE_SCRIPT, INDEX_HEAD

    original = INDEX.read_bytes()
    with TestClient(index_app()) as client:
        for path in ("/", "/cruscotto", "/piano-2021-2023?proiettore=1", "/non-esiste"):
            got = client.get(path, headers={"accept": "text/html,*/*", "accept-encoding": "gzip"})
            assert got.status_code == 200 and "content-encoding" not in got.headers and "etag" not in got.headers
            assert int(got.headers["content-length"]) == len(got.content)
            html = got.text
            assert html.startswith(original.decode("utf-8").split("<html", 1)[0])
            assert '<html lang="it">' in html and html.count(INDEX_HEAD) == 1
            assert html.index(INDEX_HEAD) < html.index('<script type="module"')  # before Streamlit's code
            assert script_hash(BASE_SCRIPT) in got.headers["content-security-policy"]
        # not a page request: as Streamlit sends it
        assert client.get("/cruscotto", headers={"accept": "*/*"}).content == original
        api = client.get("/api/v1/x", headers={"accept": "text/html", "accept-encoding": "gzip"})
        assert INDEX_HEAD not in api.text and api.headers["content-encoding"] == "gzip"


def test_a_server_that_sends_files_by_path_still_gets_the_index_as_a_body():
    """Starlette sends a FileResponse as http.response.pathsend when the server offers that extension: the
    middleware asks for the body instead, which it can rewrite."""
    import asyncio

    from starlette.responses import FileResponse

    from models.web_guard import INDEX_HEAD, StreamlitIndex

    sent: list[dict] = []

    async def receive():  # the client stays: nothing to receive until the response is over
        await asyncio.Event().wait()

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/cruscotto",
        "headers": [(b"accept", b"text/html")],
        "extensions": {"http.response.pathsend": {}},
    }
    asyncio.run(StreamlitIndex(FileResponse(INDEX))(scope, receive, send))
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert INDEX_HEAD.encode() in sent[1]["body"]


def test_the_base_script_knows_every_page_of_the_app():
    """Its behaviour in Chromium: tests/browser/test_security_headers.py."""
    from models.vocab import PAGE_URLS
    from models.web_guard import BASE_SCRIPT

    pages = re.search(r"if\(i<0\|\|(\[.*?\])\.indexOf", BASE_SCRIPT)
    assert pages and sorted(PAGE_URLS.values()) == __import__("json").loads(pages.group(1))
    assert "location.origin+p.slice(0,i)+'/'" in BASE_SCRIPT and "BACKEND_BASE_URL" in BASE_SCRIPT

"""The read API's HTTP layer (Starlette routes under /api/v1/), served by st.App in app.py: same process, port
and database as the pages.

Authentication: `Authorization: Bearer <token>` only (models.api_tokens); a token in the query string is refused
and never logged. Errors are JSON {"errore": "<Italian message>"}: 400 bad parameter, 401 no valid token,
403 not allowed for this user, 404 not found. The handlers are sync (SQLAlchemy) and run in Starlette's thread
pool; each request is one transaction, which also records the token's use with the final status.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from models import api_data, open_data
from models.api_openapi import openapi_document
from models.api_tokens import TOKEN_PREFIX, TokenRefused, authenticate_token, record_use
from models.config import database_url
from models.db import get_engine, session_scope
from models.errors import DomainError, InputRefused, NotFound
from models.permissions import Actor, PermissionDenied

PREFIX = "/api/v1"
# Query parameters a client might put a token in: refused outright (URLs end up in logs and browser history).
TOKEN_PARAMS = frozenset({"token", "access_token", "api_key", "apikey", "key", "bearer"})
JSON_TYPE = "application/json; charset=utf-8"

log = logging.getLogger(__name__)


def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"errore": message}, status_code=status, headers=headers, media_type=JSON_TYPE)


def status_of(exc: DomainError) -> int:
    if isinstance(exc, TokenRefused):
        return 401
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, NotFound):
        return 404
    return 400


def _bool(request: Request, name: str) -> bool:
    raw = request.query_params.get(name, "false").strip().lower()
    if raw in ("true", "1", "si", "sì"):
        return True
    if raw in ("false", "0", "no", ""):
        return False
    raise InputRefused(f"{name}: atteso true o false.")


def _int(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise InputRefused(f"{name}: atteso un numero intero.") from None


def _area(request: Request) -> str | None:
    return request.query_params.get("area") or None


def token_in_query(request: Request) -> bool:
    return any(k.lower() in TOKEN_PARAMS or v.startswith(TOKEN_PREFIX) for k, v in request.query_params.multi_items())


def bearer_token(request: Request) -> str:
    """The token of the Authorization header; TokenRefused when there is none (or it is in the URL)."""
    if token_in_query(request):
        raise TokenRefused("Token nell'indirizzo non accettato: usare l'intestazione Authorization: Bearer <token>.")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRefused("Token mancante: usare l'intestazione Authorization: Bearer <token>.")
    return token.strip()


Handler = Callable[[Request, Session, Actor], Any]


def _serve(request: Request, handler: Handler) -> tuple[int, Any]:
    """One authenticated request in one transaction: (status, body). The use is logged with its status."""
    path = request.url.path  # never the query string
    try:
        token = bearer_token(request)
    except TokenRefused as exc:
        return 401, {"errore": str(exc)}
    with session_scope(get_engine(database_url())) as session:
        try:
            actor, token_id = authenticate_token(session=session, token=token, path=path)
        except TokenRefused as exc:
            return 401, {"errore": str(exc)}  # the refused use is committed with the block
        try:
            status, body = 200, handler(request, session, actor)
        except DomainError as exc:
            status, body = status_of(exc), {"errore": str(exc)}
        record_use(session=session, token_id=token_id, path=path, status=status)
        return status, body


def endpoint(handler: Handler) -> Callable[[Request], Any]:
    async def run(request: Request) -> Response:
        try:
            status, body = await run_in_threadpool(_serve, request, handler)
        except Exception:
            log.exception("API %s failed", request.url.path)
            return error(500, "Errore interno: la richiesta non è stata eseguita.")
        headers = {"WWW-Authenticate": 'Bearer realm="api"'} if status == 401 else None
        return JSONResponse(body, status_code=status, headers=headers, media_type=JSON_TYPE)

    return run


# --- the endpoints ------------------------------------------------------------------------------


def _semester(request: Request) -> int:
    return int(request.path_params["semester_id"])


def plan_list(request: Request, session: Session, actor: Actor) -> Any:
    return {"items": api_data.plan_list(session=session, actor=actor)}


def areas(request: Request, session: Session, actor: Actor) -> Any:
    return {"items": api_data.areas(session=session, actor=actor, plan_id=_int(request, "plan"))}


def objectives(request: Request, session: Session, actor: Actor) -> Any:
    return api_data.plan_objectives(
        session=session,
        actor=actor,
        area=_area(request),
        limit=_int(request, "limit"),
        offset=_int(request, "offset"),
        plan_id=_int(request, "plan"),
    )


def semesters(request: Request, session: Session, actor: Actor) -> Any:
    return {"items": api_data.semesters(session=session, actor=actor, plan_id=_int(request, "plan"))}


def summary(request: Request, session: Session, actor: Actor) -> Any:
    return api_data.summary(
        session=session,
        actor=actor,
        semester_id=_semester(request),
        include_submitted=_bool(request, "include_submitted"),
    )


def results(request: Request, session: Session, actor: Actor) -> Any:
    return api_data.results(
        session=session,
        actor=actor,
        semester_id=_semester(request),
        include_submitted=_bool(request, "include_submitted"),
        area=_area(request),
        limit=_int(request, "limit"),
        offset=_int(request, "offset"),
    )


def reports(request: Request, session: Session, actor: Actor) -> Any:
    return api_data.reports(
        session=session,
        actor=actor,
        semester_id=_semester(request),
        area=_area(request),
        limit=_int(request, "limit"),
        offset=_int(request, "offset"),
    )


async def index(request: Request) -> Response:
    return JSONResponse(
        {
            "api": "Monitoraggio Piano di Zona",
            "version": "v1",
            "openapi": f"{PREFIX}/openapi.json",
            "authentication": "Authorization: Bearer <token> (token personale da «Il mio account»)",
        },
        media_type=JSON_TYPE,
    )


async def openapi(request: Request) -> Response:
    return JSONResponse(openapi_document(), media_type=JSON_TYPE)


MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": JSON_TYPE}


def _public(build: Callable[[Session], Any]) -> tuple[int, Any]:
    with session_scope(get_engine(database_url())) as session:
        try:
            return 200, build(session)
        except DomainError as exc:
            return status_of(exc), {"errore": str(exc)}


async def opendata_index(request: Request) -> Response:
    """Public (no token) while the Ufficio di Piano publishes open data; 404 otherwise."""
    status, body = await run_in_threadpool(_public, lambda s: open_data.catalogue(session=s))
    return JSONResponse(body, status_code=status, media_type=JSON_TYPE)


async def opendata_file(request: Request) -> Response:
    key, name = request.path_params.get("semester", ""), request.path_params["name"]
    status, body = await run_in_threadpool(
        _public, lambda s: open_data.open_data_file(key, name, session=s, public=True)
    )
    if status != 200:
        return error(status, body["errore"])
    return Response(
        body,
        media_type=MEDIA_TYPES[name.rsplit(".", 1)[-1]],
        headers={"Content-Disposition": f'attachment; filename="pdz-{key + "-" if key else ""}{name}"'},
    )


async def not_found(request: Request) -> Response:
    return error(404, "Risorsa non trovata.")


def api_routes() -> list[BaseRoute]:
    sem = PREFIX + "/semesters/{semester_id:int}"
    return [
        Route(PREFIX, index, methods=["GET"]),
        Route(PREFIX + "/", index, methods=["GET"]),
        Route(PREFIX + "/openapi.json", openapi, methods=["GET"]),
        Route(PREFIX + "/plans", endpoint(plan_list), methods=["GET"]),
        Route(PREFIX + "/areas", endpoint(areas), methods=["GET"]),
        Route(PREFIX + "/plan/objectives", endpoint(objectives), methods=["GET"]),
        Route(PREFIX + "/semesters", endpoint(semesters), methods=["GET"]),
        Route(sem + "/summary", endpoint(summary), methods=["GET"]),
        Route(sem + "/results", endpoint(results), methods=["GET"]),
        Route(sem + "/reports", endpoint(reports), methods=["GET"]),
        Route(PREFIX + "/opendata", opendata_index, methods=["GET"]),
        Route(PREFIX + "/opendata/{name:str}", opendata_file, methods=["GET"]),
        Route(PREFIX + "/opendata/{semester:str}/{name:str}", opendata_file, methods=["GET"]),
        Route(PREFIX + "/{rest:path}", not_found),  # JSON 404, not Streamlit's page, for any other API path
    ]

"""What app.py's st.App is built from: the extra routes (the read API) and the middleware around every response,
Streamlit's own pages included."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from models.web_api import api_routes


def asgi_routes() -> list[BaseRoute]:
    return api_routes()


def middleware() -> list[Middleware]:
    return []

"""``create_app(db_url)``: the dashboard as a FastAPI app, with one error boundary.

Errors never show a traceback. The JSON API (``/api/...``) answers ``{"error", "detail"}``;
pages answer an HTML page with the same one line:

- :class:`StoreError` naming an unknown run -> 404; an ambiguous id prefix -> 400; anything
  else (file missing, newer schema, unreachable) -> 503
- :class:`ConfigError` and invalid query parameters -> 422, one line naming the field
- any other exception -> 500 JSON ``{"error": "internal error", "detail": one line}``
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import JSONResponse, Response

from tokenfab import __version__
from tokenfab.dashboard import api, pages, plan_page
from tokenfab.dashboard.html import error_page
from tokenfab.dashboard.source import StoreSource
from tokenfab.errors import StoreError, TokenfabError, format_validation

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def one_line(text: str, limit: int = 500) -> str:
    """``text`` on one line, at most ``limit`` characters."""
    flat = " ".join(part.strip() for part in text.splitlines() if part.strip())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path == "/api" or path == "/openapi.json"


def _db_label(request: Request) -> str:
    source: StoreSource = request.app.state.source
    return source.label


def _answer(request: Request, status: int, error: str, detail: str) -> Response:
    detail = one_line(detail)
    if _wants_json(request):
        return JSONResponse({"error": error, "detail": detail}, status_code=status)
    return error_page(status, error[:1].upper() + error[1:], detail, db=_db_label(request))


def store_error_status(message: str) -> tuple[int, str]:
    if message.startswith("no run "):
        return 404, "not found"
    if "is ambiguous" in message:
        return 400, "ambiguous run id"
    return 503, "database unavailable"


def _validation_message(exc: RequestValidationError) -> str:
    """The first invalid field, named as the user typed it (``pue``, not ``query.pue``)."""
    msg = format_validation(exc)
    for where in ("query.", "path.", "body."):
        msg = msg.removeprefix(where)
    return msg or "invalid request"


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(StoreError)
    async def _store(request: Request, exc: Exception) -> Response:
        status, kind = store_error_status(str(exc))
        return _answer(request, status, kind, str(exc))

    @app.exception_handler(TokenfabError)
    async def _tokenfab(request: Request, exc: Exception) -> Response:
        return _answer(request, 422, "invalid input", str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return _answer(request, 422, "invalid input", _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404:
            return _answer(request, 404, "not found", f"no page at {request.url.path}")
        return _answer(request, exc.status_code, "error", str(exc.detail))

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> Response:
        detail = one_line(f"{type(exc).__name__}: {exc}", 300)
        return JSONResponse({"error": "internal error", "detail": detail}, status_code=500)


def create_app(db_url: str | StoreSource, *,
               allowed_hosts: Sequence[str] | None = None) -> FastAPI:
    """The dashboard over the results database at ``db_url`` (or an open source of it).

    The database is opened on the first request that needs it (and again after a failure),
    never created. ``allowed_hosts`` restricts the Host header (``tokenfab serve`` passes the
    loopback names, which stops DNS-rebinding pages from reading the API).
    """
    source = db_url if isinstance(db_url, StoreSource) else StoreSource(db_url)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            source.close()

    app = FastAPI(
        title="tokenfab dashboard",
        version=__version__,
        description="Stored benchmark runs, their cost per token, and live re-pricing.",
        docs_url=None,  # Swagger UI loads from a CDN; the dashboard stays self-contained
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.source = source
    if allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
    install_handlers(app)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(plan_page.api_router)
    app.include_router(plan_page.router)
    return app

"""The app factory: one FastAPI app for one service (distributed) or all four (embedded).

Both modes share everything here: the lifespan that connects MongoDB and the bus and starts each
service's runner (consumer + outbox relay), the request middleware (request and correlation ids,
metrics, access log), SPEC §4's JSON errors, and ``/healthz``, ``/readyz``, ``/metrics``.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import structlog
import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pymongo.errors import ConnectionFailure
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth import TokenVerifier
from shared.bus import create_bus
from shared.embedded_db import EmbeddedMongo
from shared.errors import PlatformError, RateLimited
from shared.events import new_id
from shared.logging import configure_logging, get_logger
from shared.metrics import HTTP_LATENCY, HTTP_REQUESTS, QUEUE_DEPTH
from shared.mongo import create_client, ping
from shared.runtime import ServiceRunner, ServiceSpec
from shared.settings import Settings

log = get_logger("app")

API_PREFIX = "/api/v1"
_SAFE_ID = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:")


def _clean_id(value: str | None) -> str | None:
    if value and len(value) <= 128 and set(value) <= _SAFE_ID:
        return value
    return None


class RequestContextMiddleware:
    """Binds request/correlation ids for every log line, echoes them, counts and times."""

    def __init__(self, app: ASGIApp, service_of_route: dict[str, str], default: str) -> None:
        self.app = app
        self.service_of_route = service_of_route
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode(errors="replace")
                   for k, v in scope.get("headers", [])}
        request_id = _clean_id(headers.get("x-request-id")) or new_id()
        correlation_id = _clean_id(headers.get("x-correlation-id")) or request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id,
                                               correlation_id=correlation_id)
        started = time.perf_counter()
        status = 500

        async def send_with_ids(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"],
                                      (b"x-request-id", request_id.encode()),
                                      (b"x-correlation-id", correlation_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_ids)
        finally:
            route = scope.get("route")
            # a plain Starlette route (/docs, /openapi.json) has an endpoint but no "route"
            template = getattr(route, "path", None) or (
                scope["path"] if "endpoint" in scope else "unmatched")
            service = self.service_of_route.get(template, self.default)
            elapsed = time.perf_counter() - started
            HTTP_REQUESTS.labels(service, scope["method"], template, str(status)).inc()
            HTTP_LATENCY.labels(service, scope["method"], template).observe(elapsed)
            if template not in ("/healthz", "/readyz", "/metrics"):
                log.info("http_request", method=scope["method"], route=template,
                         status=status, duration_ms=round(elapsed * 1000, 1))


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, **extra}, status_code=status)


_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
               415: "unsupported_media_type", 429: "rate_limited"}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PlatformError)
    async def platform_error(_: Request, exc: PlatformError) -> JSONResponse:
        response = _error(exc.status, exc.code, exc.detail_message, **exc.details)
        if isinstance(exc, RateLimited):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        # The submitted values are not echoed back: they may hold personal data.
        errors = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")),
                   "type": str(e.get("type", ""))} for e in exc.errors()]
        return _error(422, "validation_error", "The request is not valid.", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
        return _error(exc.status_code, code, str(exc.detail), )

    @app.exception_handler(ConnectionFailure)
    async def store_unavailable(_: Request, exc: ConnectionFailure) -> JSONResponse:
        # Safe to retry: writes are transactional and keyed, so a retry either completes the
        # request or answers that it already happened (e.g. 409).
        log.warning("store_unavailable", error_type=type(exc).__name__)
        response = _error(503, "store_unavailable",
                          "The service is temporarily unavailable; try again shortly.")
        response.headers["Retry-After"] = "5"
        return response

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled_error", error_type=type(exc).__name__, exc_info=exc)
        return _error(500, "internal_error", "Something went wrong on our side.")


def install_operations_routes(app: FastAPI) -> None:
    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"])
    async def readyz(request: Request) -> JSONResponse:
        runners: dict[str, ServiceRunner] = getattr(request.app.state, "runners", {})
        bus = getattr(request.app.state, "bus", None)
        client = getattr(request.app.state, "mongo", None)
        checks = {
            "broker": bool(bus and bus.connected),
            "store": bool(client and await ping(client)),
            **{f"service:{name}": runner.healthy for name, runner in runners.items()},
        }
        ready = bool(runners) and all(checks.values())
        return JSONResponse({"status": "ready" if ready else "not_ready", "checks": checks},
                            status_code=200 if ready else 503)

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    async def metrics(request: Request) -> Response:
        runners: dict[str, ServiceRunner] = getattr(request.app.state, "runners", {})
        for runner in runners.values():
            try:
                await runner.context.outbox.stats()
                if runner.consumer is not None:
                    QUEUE_DEPTH.labels(runner.queue).set(
                        await runner.context.bus.queue_depth(runner.queue))
            except Exception as exc:  # metrics must not fail because a dependency is down
                log.warning("metrics_refresh_failed", service=runner.spec.name, error=repr(exc))
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def create_app(specs: Sequence[ServiceSpec], settings: Settings, *, embedded: bool,
               title: str) -> FastAPI:
    """One app serving ``specs``: all four in embedded mode, one when distributed."""
    configure_logging(settings, embedded=embedded)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        embedded_mongo: EmbeddedMongo | None = None
        mongo_url = settings.mongo_url
        if mongo_url is None:
            if not embedded:
                raise RuntimeError("MONGO_URL must be set to run a service on its own")
            embedded_mongo = EmbeddedMongo(settings.secantusdb_command,
                                           settings.data_dir / "mongo")
            mongo_url = await embedded_mongo.start()
        if settings.amqp_url is None and not embedded:
            raise RuntimeError("AMQP_URL must be set to run a service on its own")
        client = create_client(mongo_url)
        bus = create_bus(settings)
        runners = {spec.name: ServiceRunner(spec, settings, client, bus) for spec in specs}
        app.state.mongo = client
        app.state.bus = bus
        app.state.verifier = TokenVerifier.for_settings(settings)
        app.state.runners = {}
        try:
            await bus.start()
            for runner in runners.values():
                await runner.start()
                app.state.runners[runner.spec.name] = runner
            structlog.contextvars.clear_contextvars()
            log.info("platform_ready", services=list(runners), embedded=embedded,
                     bus=type(bus).__name__,
                     url=f"http://{settings.http_host}:{settings.http_port}",
                     docs=f"http://{settings.http_host}:{settings.http_port}/docs")
            yield
        finally:
            for runner in reversed(list(app.state.runners.values())):
                await runner.stop()
            await bus.close()
            await client.close()
            if embedded_mongo is not None:
                await embedded_mongo.stop()
            log.info("platform_stopped")

    app = FastAPI(title=title, version="1.0.0", lifespan=lifespan,
                  openapi_url="/openapi.json", docs_url="/docs")
    service_of_route: dict[str, str] = {}
    for spec in specs:
        for router in spec.routers:
            app.include_router(router)
            for route in router.routes:
                service_of_route[getattr(route, "path", "")] = spec.name
    install_error_handlers(app)
    install_operations_routes(app)
    default = specs[0].name if len(specs) == 1 else "platform"
    app.add_middleware(RequestContextMiddleware, service_of_route=service_of_route,
                       default=default)
    return app


def serve(app: FastAPI, settings: Settings) -> None:
    uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_config=None,
                access_log=False, lifespan="on")

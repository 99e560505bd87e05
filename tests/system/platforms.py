"""The whole platform, run the ways it runs for real, behind one small interface for stories.

- ``embedded``: all four services in one app (as ``python -m services``), in-memory bus;
- ``embedded+rabbitmq``: the same app on the real RabbitMQ;
- ``distributed``: each service its own process (``python -m services.<name>``) on its own
  port, RabbitMQ between them, tokens verified through identity's JWKS URL, and an HTTP
  transport that routes ``/api/v1`` prefixes as the gateway (deploy/gateway/nginx.conf) does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from prometheus_client import REGISTRY

from services.embedded import SERVICES
from shared.bus import Bus, RabbitBus
from shared.embedded_db import free_port
from shared.mongo import Database, create_client, service_database
from shared.runtime import queue_name
from shared.settings import Settings
from tests.conftest import running_app
from tests.helpers import eventually

ROOT = Path(__file__).resolve().parents[2]

GATEWAY_ROUTES: tuple[tuple[str, str], ...] = (
    ("/api/v1/auth/", "identity"), ("/api/v1/.well-known/", "identity"),
    ("/api/v1/me", "identity"), ("/api/v1/organizations", "identity"),
    ("/api/v1/projects", "projects"),
    ("/api/v1/hours/", "hours"),
    ("/api/v1/notifications/", "notifications"), ("/api/v1/admin/", "notifications"),
)


@dataclass
class Platform:
    mode: str
    settings: Settings
    client: httpx.AsyncClient
    bus: Bus
    databases: dict[str, Database]
    app: Any = None
    log_files: list[Path] = field(default_factory=list)
    ports: dict[str, int] = field(default_factory=dict)
    processes: ServiceProcesses | None = None

    async def handled(self, service: str, event_type: str) -> float:
        """How many ``event_type`` events ``service`` has handled successfully."""
        labels = {"queue": queue_name(self.settings, service), "type": event_type,
                  "outcome": "ok"}
        if self.app is not None:
            return REGISTRY.get_sample_value("events_handled_total", labels) or 0.0
        async with httpx.AsyncClient() as client:
            text = (await client.get(f"http://127.0.0.1:{self.ports[service]}/metrics")).text
        for line in text.splitlines():
            if line.startswith("events_handled_total{") and all(
                    f'{k}="{v}"' in line for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    def logs(self, captured: str) -> str:
        """Everything the platform logged: captured stderr, plus the service processes'."""
        return captured + "".join(p.read_text(errors="replace") for p in self.log_files)


class GatewayTransport(httpx.AsyncBaseTransport):
    """Routes by path prefix to each service's port, as the gateway does."""

    def __init__(self, ports: dict[str, int]) -> None:
        self.ports = ports
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        service = next((s for prefix, s in GATEWAY_ROUTES
                        if path == prefix.rstrip("/") or path.startswith(prefix)), None)
        if service is None:
            return httpx.Response(404, json={"code": "not_found", "message": "no route"})
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1",
                                            port=self.ports[service])
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@asynccontextmanager
async def embedded(settings: Settings) -> AsyncIterator[Platform]:
    async with running_app(SERVICES, settings) as (app, client):
        yield Platform(
            mode="embedded", settings=settings, client=client, bus=app.state.bus, app=app,
            databases={n: r.context.db for n, r in app.state.runners.items()})


def _env(settings: Settings, service: str, port: int, identity_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    values = {
        "AMQP_URL": settings.amqp_url or "",
        "MONGO_URL": settings.mongo_url or "",
        "MONGO_DB_PREFIX": settings.mongo_db_prefix,
        "QUEUE_PREFIX": settings.queue_prefix,
        "EVENTS_EXCHANGE": settings.events_exchange,
        "BUS_RETRY_DELAYS_MS": str(settings.bus_retry_delays_ms),
        "BUS_CONCURRENCY": str(settings.bus_concurrency),
        "OUTBOX_POLL_SECONDS": str(settings.outbox_poll_seconds),
        "DATA_DIR": str(settings.data_dir),
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(port),
        "LOG_FORMAT": "json",
    }
    if service == "identity":
        values["ADMIN_MOBILE"] = settings.admin_mobile or ""
        values["ADMIN_PASSWORD"] = settings.admin_password or ""
    else:
        values["JWKS_URL"] = f"http://127.0.0.1:{identity_port}/api/v1/.well-known/jwks.json"
    env.update(values)
    return env


class ServiceProcesses:
    """One OS process per service (``python -m services.<name>``), each startable and killable."""

    def __init__(self, settings: Settings, log_dir: Path) -> None:
        self.settings = settings
        self.names = [spec.name for spec in SERVICES]
        self.ports = {name: free_port() for name in self.names}
        self.log_files = {name: log_dir / f"{name}.log" for name in self.names}
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str) -> None:
        with self.log_files[name].open("ab") as out:
            self.running[name] = subprocess.Popen(
                [sys.executable, "-m", f"services.{name}"], cwd=ROOT, stdout=out,
                stderr=subprocess.STDOUT,
                env=_env(self.settings, name, self.ports[name], self.ports["identity"]))

    def kill(self, name: str) -> None:
        """SIGKILL: no shutdown, no last acks, no flushing: a crash."""
        process = self.running.pop(name)
        process.kill()
        process.wait()

    async def wait_ready(self, *names: str) -> None:
        async def ready() -> bool:
            for name in names or self.names:
                process = self.running[name]
                assert process.poll() is None, self.log_files[name].read_text()[-3000:]
            async with httpx.AsyncClient(timeout=2) as probe:
                for name in names or self.names:
                    try:
                        response = await probe.get(f"http://127.0.0.1:{self.ports[name]}/readyz")
                    except httpx.HTTPError:
                        return False
                    if response.status_code != 200:
                        return False
            return True

        await eventually(ready, timeout=60, interval=0.2, what=f"{names or 'all'} ready")

    def stop_all(self) -> None:
        _stop_all(list(self.running.values()))
        self.running.clear()


@asynccontextmanager
async def distributed(settings: Settings, log_dir: Path) -> AsyncIterator[Platform]:
    assert settings.amqp_url and settings.mongo_url
    processes = ServiceProcesses(settings, log_dir)
    names, ports = processes.names, processes.ports
    async with AsyncExitStack() as stack:
        stack.callback(processes.stop_all)
        for name in names:
            processes.start(name)
        await processes.wait_ready()
        bus = RabbitBus(settings.amqp_url, exchange=settings.events_exchange,
                        retry_delays_ms=settings.bus_retry_delays_ms)
        await bus.start()
        stack.push_async_callback(bus.close)
        mongo = create_client(settings.mongo_url)
        stack.push_async_callback(mongo.close)
        client = httpx.AsyncClient(transport=GatewayTransport(ports),
                                   base_url="http://gateway", timeout=30)
        stack.push_async_callback(client.aclose)
        yield Platform(
            mode="distributed", settings=settings, client=client, bus=bus,
            databases={n: service_database(mongo, settings, n) for n in names},
            log_files=list(processes.log_files.values()), ports=ports, processes=processes)


def _stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


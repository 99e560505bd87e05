"""Shared fixtures: a real SecantusDB server (child process, over the wire) for the session, the
real RabbitMQ at ``TEST_AMQP_URL``, and per-test isolation by database / queue / exchange names.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from shared.app import create_app
from shared.embedded_db import EmbeddedMongo
from shared.runtime import ServiceSpec
from shared.settings import Settings
from tests.helpers import delete_rabbit_topology

AMQP_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
FAST_RETRIES = [50, 200]

SettingsFactory = Callable[..., Settings]


@pytest.fixture(scope="session")
async def mongo_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """``TEST_MONGO_URL`` if given, else one SecantusDB server for the whole session."""
    if url := os.environ.get("TEST_MONGO_URL"):
        yield url
        return
    server = EmbeddedMongo("secantusd-py", tmp_path_factory.mktemp("secantus") / "data")
    url = await server.start()
    try:
        yield url
    finally:
        await server.stop()


@pytest.fixture
async def make_settings(mongo_url: str, tmp_path: Path) -> AsyncIterator[SettingsFactory]:
    """Build isolated settings: unique database prefix, queue prefix and exchange per test.

    ``make_settings(rabbit=True)`` points at the real RabbitMQ (declared topology is deleted
    after the test); ``rabbit=False`` uses the in-memory bus.
    """
    declared: list[Settings] = []

    def factory(*, rabbit: bool, **overrides: Any) -> Settings:
        tag = uuid.uuid4().hex[:10]
        values: dict[str, Any] = {
            "mongo_url": mongo_url,
            "amqp_url": AMQP_URL if rabbit else None,
            "mongo_db_prefix": f"t{tag}_",
            "queue_prefix": f"test.{tag}.",
            "events_exchange": f"test.{tag}.events",
            "bus_retry_delays_ms": FAST_RETRIES,
            "outbox_poll_seconds": 0.2,
            "data_dir": tmp_path / "data",
            "log_format": "json",
        }
        values.update(overrides)
        settings = Settings(**values)
        if rabbit:
            declared.append(settings)
        return settings

    yield factory
    for settings in declared:
        await delete_rabbit_topology(
            AMQP_URL, settings.events_exchange, settings.queue_prefix,
            ["identity", "projects", "hours", "notifications", "contract", "outbox"],
            settings.bus_retry_delays_ms)


@asynccontextmanager
async def running_app(specs: Sequence[ServiceSpec], settings: Settings
                      ) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    """The app for ``specs`` with its lifespan running, and an HTTP client talking to it."""
    app = create_app(specs, settings, embedded=True, title="test")
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager:
        # a crash must reach the client as the 500 a real server sends, not as an exception
        transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield app, client

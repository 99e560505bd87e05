"""RabbitMQ-only behaviour: the consumer survives losing its broker connection mid-stream."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from shared.bus import RabbitBus, Subscription
from shared.events import Envelope, OrganizationApproved
from tests.conftest import AMQP_URL, SettingsFactory
from tests.helpers import eventually
from tests.tcp_proxy import TcpProxy


async def test_consumer_reconnects_and_loses_nothing_when_the_connection_drops(
        make_settings: SettingsFactory) -> None:
    settings = make_settings(rabbit=True)
    upstream = urlsplit(AMQP_URL)
    proxy = TcpProxy(upstream.hostname or "127.0.0.1", upstream.port or 5672)
    await proxy.start()
    consumer_bus = RabbitBus(f"amqp://guest:guest@127.0.0.1:{proxy.port}/",
                             exchange=settings.events_exchange, prefetch=20,
                             retry_delays_ms=settings.bus_retry_delays_ms)
    publisher_bus = RabbitBus(AMQP_URL, exchange=settings.events_exchange,
                              retry_delays_ms=settings.bus_retry_delays_ms)
    seen: list[str] = []

    async def slow_handler(envelope: Envelope, event: Any) -> None:
        await asyncio.sleep(0.005)  # a handler's I/O; leaves messages in flight when cut
        seen.append(envelope.id)

    try:
        await consumer_bus.start()
        await publisher_bus.start()
        consumer = await consumer_bus.subscribe(f"{settings.queue_prefix}contract",
                                                Subscription({OrganizationApproved: slow_handler}))
        events = [Envelope(type="OrganizationApproved", producer="test", correlation_id="c",
                           data={"organization_id": f"o{i}", "name": "n"}) for i in range(300)]
        await publisher_bus.publish(events)
        await eventually(lambda: len(seen) >= 50, what="the stream to flow")

        await proxy.stop()  # the consumer's connection drops with messages unacked
        await eventually(lambda: not consumer.alive, what="the consumer to notice")
        await proxy.start()

        await eventually(lambda: {e.id for e in events} <= set(seen), timeout=60,
                         what="every message after the reconnect")
        assert consumer.alive
    finally:
        await consumer_bus.close()
        await publisher_bus.close()
        await proxy.stop()

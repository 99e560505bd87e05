"""Transactional outbox and relay (SPEC §2.1), against SecantusDB over the wire and RabbitMQ.

- no event is published for a change that rolled back;
- a committed change keeps its event even if the process dies between commit and publish;
- writes succeed while RabbitMQ is unreachable and their events go out once it is back;
- the relay publishes a single producer's events in commit order.

Absence is never proven by sleeping: a later *sentinel* event goes through the same path, and once
it has arrived, whatever was published before it has arrived too (one publisher, one queue).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import shared.outbox as outbox_module
from shared.bus import Bus, MemoryBus, RabbitBus, Subscription
from shared.events import Envelope, OrganizationApproved, utcnow
from shared.mongo import Client, Database, create_client, service_database
from shared.outbox import Outbox, Tx
from shared.settings import Settings
from tests.conftest import AMQP_URL, SettingsFactory
from tests.helpers import eventually
from tests.tcp_proxy import TcpProxy

REPO_ROOT = Path(__file__).resolve().parents[2]


class Boom(Exception):
    """The use case failed after writing and emitting: the transaction must roll back."""


class Received:
    """A handler that records the ids of the events it was given, in arrival order."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    async def __call__(self, envelope: Envelope, event: Any) -> None:
        self.ids.append(envelope.id)

    def has(self, *ids: str) -> bool:
        return set(ids) <= set(self.ids)


def approved(org: str) -> OrganizationApproved:
    return OrganizationApproved(organization_id=org, name=f"org {org}")


def queue_of(settings: Settings) -> str:
    return f"{settings.queue_prefix}outbox"  # deleted by make_settings after the test


def rabbit_bus(settings: Settings, url: str | None = None, **options: Any) -> RabbitBus:
    return RabbitBus(url or settings.amqp_url or AMQP_URL, exchange=settings.events_exchange,
                     retry_delays_ms=settings.bus_retry_delays_ms, **options)


@contextlib.asynccontextmanager
async def mongo(settings: Settings) -> AsyncIterator[tuple[Client, Database]]:
    assert settings.mongo_url is not None
    client = create_client(settings.mongo_url)
    try:
        yield client, service_database(client, settings, "outboxtest")
    finally:
        await client.close()


@contextlib.asynccontextmanager
async def relay_running(outbox: Outbox) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(outbox.run(), name="test-relay")
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        assert task.cancelled(), "the relay died on its own"


async def commit_event(outbox: Outbox, org: str) -> str:
    """One committed transaction: a state change and the event it causes; returns the id."""

    async def approve(tx: Tx) -> str:
        await tx.db["organizations"].update_one(
            {"_id": org}, {"$set": {"status": "approved"}}, upsert=True, session=tx.session)
        return tx.emit(approved(org)).id

    return await outbox.transaction(approve)


async def pending(outbox: Outbox) -> int:
    return await outbox.collection.count_documents({"pending": True})


@pytest.fixture(params=["memory", "rabbitmq"])
async def bus_and_settings(request: pytest.FixtureRequest, make_settings: SettingsFactory
                           ) -> AsyncIterator[tuple[Bus, Settings]]:
    settings = make_settings(rabbit=request.param == "rabbitmq")
    bus: Bus = (rabbit_bus(settings, prefetch=50) if settings.amqp_url
                else MemoryBus(retry_delays_ms=settings.bus_retry_delays_ms, prefetch=50))
    await bus.start()
    yield bus, settings
    await bus.close()


async def test_rolled_back_change_publishes_nothing(
        bus_and_settings: tuple[Bus, Settings]) -> None:
    bus, settings = bus_and_settings
    received = Received()
    await bus.subscribe(queue_of(settings), Subscription({OrganizationApproved: received}))
    async with mongo(settings) as (client, db):
        outbox = Outbox(client, db, "test", bus)
        await outbox.ensure_indexes()
        emitted: list[str] = []

        async def approve_then_fail(tx: Tx) -> None:
            await tx.db["organizations"].insert_one(
                {"_id": "org-rolled-back", "status": "approved"}, session=tx.session)
            emitted.append(tx.emit(approved("org-rolled-back")).id)
            raise Boom("the use case failed after writing")

        with pytest.raises(Boom):
            await outbox.transaction(approve_then_fail)

        assert emitted, "the callback ran and emitted"
        assert await db["organizations"].find_one({"_id": "org-rolled-back"}) is None
        assert await outbox.collection.count_documents({}) == 0
        assert await outbox.relay_once() == 0

        sentinel = await commit_event(outbox, "org-sentinel")
        assert await outbox.relay_once() == 1
        await eventually(lambda: received.has(sentinel), what="the sentinel")
        assert received.ids == [sentinel]
        assert not set(emitted) & set(received.ids)


async def test_event_committed_by_a_process_that_died_is_published_after_restart(
        make_settings: SettingsFactory) -> None:
    settings = make_settings(rabbit=True)
    assert settings.mongo_url is not None and settings.amqp_url is not None
    db_name = f"{settings.mongo_db_prefix}outboxtest"

    # the producer: commits state + event, then dies before any relay could publish
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.shared.outbox_crash_child", settings.mongo_url, db_name,
        settings.amqp_url, settings.events_exchange,
        cwd=REPO_ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(child.communicate(), timeout=60)
    assert child.returncode == 0, stderr.decode(errors="replace")
    found = re.search(r"^EVENT_ID=([0-9a-f]{32})$", stdout.decode(), re.MULTILINE)
    assert found, f"no event id in the child's output: {stdout!r} {stderr!r}"
    event_id = found.group(1)

    async with mongo(settings) as (client, db):
        assert db.name == db_name
        # the state change is committed, its event waits in the outbox, unpublished
        assert await db["organizations"].find_one({"_id": "org-crash"}) == {
            "_id": "org-crash", "status": "approved"}
        entry = await db["outbox"].find_one({"_id": event_id})
        assert entry is not None and entry["pending"] is True
        assert "published_at" not in entry
        assert entry["envelope"]["type"] == "OrganizationApproved"
        assert entry["envelope"]["data"]["organization_id"] == "org-crash"

        # the restarted process: a fresh outbox and its relay on a started bus
        bus = rabbit_bus(settings)
        await bus.start()
        try:
            received = Received()
            await bus.subscribe(queue_of(settings),
                                Subscription({OrganizationApproved: received}))
            outbox = Outbox(client, db, "restarted", bus, poll_seconds=0.2)
            await outbox.ensure_indexes()
            async with relay_running(outbox):
                await eventually(lambda: received.has(event_id),
                                 what="the crashed process's event")
                published = await eventually(
                    lambda: db["outbox"].find_one(
                        {"_id": event_id, "pending": {"$exists": False}}),
                    what="the outbox entry marked published")
                assert published is not None and published["published_at"] is not None
                assert published["envelope"]["id"] == event_id

                sentinel = await commit_event(outbox, "org-sentinel")
                await eventually(lambda: received.has(sentinel), what="the sentinel")
            assert received.ids == [event_id, sentinel]  # exactly once, nothing else
            assert await pending(outbox) == 0
        finally:
            await bus.close()


async def test_writes_succeed_while_rabbitmq_is_down_and_their_events_go_out_when_back(
        make_settings: SettingsFactory) -> None:
    settings = make_settings(rabbit=True)
    n = 20
    proxy = TcpProxy("127.0.0.1", 5672)
    await proxy.start()
    # the receiving side talks to RabbitMQ directly: only the producer loses the broker
    consumer_bus = rabbit_bus(settings)
    producer_bus = rabbit_bus(settings, f"amqp://guest:guest@127.0.0.1:{proxy.port}/")
    try:
        await consumer_bus.start()
        received = Received()
        await consumer_bus.subscribe(queue_of(settings),
                                     Subscription({OrganizationApproved: received}))
        await producer_bus.start()
        assert proxy.connections >= 1
        async with mongo(settings) as (client, db):
            outbox = Outbox(client, db, "test", producer_bus, poll_seconds=0.2)
            await outbox.ensure_indexes()
            async with relay_running(outbox):
                warmup = await commit_event(outbox, "org-warmup")
                await eventually(lambda: received.has(warmup), what="the warm-up event")

                await proxy.stop()  # RabbitMQ is unreachable from the producer from now on
                await eventually(lambda: not producer_bus.connected,
                                 what="the producer noticing the broker is gone")

                ids = [await commit_event(outbox, f"org-{i}") for i in range(n)]
                assert len(set(ids)) == n
                assert await db["organizations"].count_documents(
                    {"_id": {"$regex": r"^org-\d+$"}, "status": "approved"}) == n
                assert await pending(outbox) == n
                assert not set(ids) & set(received.ids)

                await proxy.start()
                await eventually(lambda: received.has(*ids), timeout=60,
                                 what=f"all {n} events after RabbitMQ is back")
                await eventually(lambda: _zero(pending(outbox)), timeout=60,
                                 what="no pending outbox entries")
            assert set(received.ids) == {warmup, *ids}  # each at least once, nothing else
            assert await outbox.collection.count_documents(
                {"_id": {"$in": ids}, "published_at": {"$exists": True}}) == n
    finally:
        await producer_bus.close()
        await consumer_bus.close()
        await proxy.stop()


@pytest.mark.parametrize("mode", [
    "backlog",
    "live",
    "same-millisecond",
])
async def test_relay_publishes_a_single_producers_events_in_commit_order(
        make_settings: SettingsFactory, mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``backlog``: 50 committed before the relay starts (published in batches of 7);
    ``live``: the relay runs while 50 sequential transactions commit;
    ``same-millisecond``: the backlog again, on a fast server where the commits all fall within
    one millisecond (the outbox's clock is frozen to make that deterministic)."""
    if mode == "same-millisecond":
        frozen = utcnow()
        monkeypatch.setattr(outbox_module, "utcnow", lambda: frozen)
    settings = make_settings(rabbit=False)
    bus = MemoryBus(retry_delays_ms=settings.bus_retry_delays_ms, prefetch=1)
    await bus.start()
    try:
        received = Received()
        await bus.subscribe(queue_of(settings), Subscription({OrganizationApproved: received}))
        async with mongo(settings) as (client, db):
            outbox = Outbox(client, db, "test", bus, batch_size=7, poll_seconds=0.2)
            await outbox.ensure_indexes()
            ids: list[str] = []
            if mode != "live":
                ids = [await commit_event(outbox, f"org-{i}") for i in range(50)]
                assert await pending(outbox) == 50
            async with relay_running(outbox):
                if mode == "live":
                    ids = [await commit_event(outbox, f"org-{i}") for i in range(50)]
                await eventually(lambda: received.has(*ids), what="all 50 events")
            assert received.ids == ids
            assert await pending(outbox) == 0
    finally:
        await bus.close()


async def test_relay_keeps_the_order_of_events_emitted_in_one_transaction(
        make_settings: SettingsFactory) -> None:
    settings = make_settings(rabbit=False)
    bus = MemoryBus(retry_delays_ms=settings.bus_retry_delays_ms, prefetch=1)
    await bus.start()
    try:
        received = Received()
        await bus.subscribe(queue_of(settings), Subscription({OrganizationApproved: received}))
        async with mongo(settings) as (client, db):
            outbox = Outbox(client, db, "test", bus)
            await outbox.ensure_indexes()

            async def approve_many(tx: Tx) -> list[str]:
                return [tx.emit(approved(f"org-{i}")).id for i in range(20)]

            ids = await outbox.transaction(approve_many)
            assert await outbox.relay_once() == 20
            await eventually(lambda: received.has(*ids), what="all 20 events")
            assert received.ids == ids
    finally:
        await bus.close()


async def _zero(count: Any) -> bool:
    return await count == 0

"""One contract, two adapters: the in-memory bus must behave as RabbitMQ does (SPEC §2.1)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from shared.bus import Bus, MemoryBus, RabbitBus, Subscription
from shared.events import Envelope, Event, OrganizationApproved, WeChatBound
from shared.settings import Settings
from tests.conftest import SettingsFactory
from tests.helpers import eventually


@pytest.fixture(params=["memory", "rabbitmq"])
async def bus_and_settings(request: pytest.FixtureRequest, make_settings: SettingsFactory
                           ) -> AsyncIterator[tuple[Bus, Settings]]:
    settings = make_settings(rabbit=request.param == "rabbitmq")
    bus: Bus
    if settings.amqp_url:
        bus = RabbitBus(settings.amqp_url, exchange=settings.events_exchange,
                        retry_delays_ms=settings.bus_retry_delays_ms, prefetch=50)
    else:
        bus = MemoryBus(retry_delays_ms=settings.bus_retry_delays_ms, prefetch=50)
    await bus.start()
    yield bus, settings
    await bus.close()


def envelope(event: Event, **overrides: Any) -> Envelope:
    return Envelope(type=event.TYPE, producer="test", correlation_id="corr-1",
                    data=event.model_dump(mode="json"), **overrides)


def approved(org: str) -> OrganizationApproved:
    return OrganizationApproved(organization_id=org, name=f"org {org}")


class Recorder:
    """A handler that records what it saw, optionally failing or blocking."""

    def __init__(self, fail_times: int = 0, fail_for: set[str] | None = None) -> None:
        self.seen: list[tuple[str, Any]] = []
        self.calls = 0
        self.fail_times = fail_times
        self.fail_for = fail_for or set()
        self.block = asyncio.Event()
        self.block.set()

    async def __call__(self, env: Envelope, event: Any) -> None:
        self.calls += 1
        await self.block.wait()
        org = getattr(event, "organization_id", None)
        if org in self.fail_for or self.calls <= self.fail_times:
            raise RuntimeError(f"handler exploded on {org}")
        self.seen.append((env.id, event))


def queue_of(settings: Settings) -> str:
    return f"{settings.queue_prefix}contract"


async def test_routes_by_event_type(bus_and_settings: tuple[Bus, Settings]) -> None:
    bus, settings = bus_and_settings
    orgs, bindings = Recorder(), Recorder()
    await bus.subscribe(queue_of(settings), Subscription({OrganizationApproved: orgs}))
    await bus.subscribe(f"{settings.queue_prefix}outbox",
                        Subscription({WeChatBound: bindings}))

    await bus.publish([envelope(approved("o1")),
                       envelope(WeChatBound(user_id="u1", openid="oid-1"))])

    await eventually(lambda: len(orgs.seen) == 1 and len(bindings.seen) == 1)
    assert orgs.seen[0][1].organization_id == "o1"
    assert bindings.seen[0][1].openid == "oid-1"
    assert isinstance(orgs.seen[0][1], OrganizationApproved)


async def test_failing_handler_is_retried_then_succeeds(
        bus_and_settings: tuple[Bus, Settings]) -> None:
    bus, settings = bus_and_settings
    handler = Recorder(fail_times=2)  # two failures, then fine: within the 2 retries
    await bus.subscribe(queue_of(settings), Subscription({OrganizationApproved: handler}))

    await bus.publish([envelope(approved("o1"))])

    await eventually(lambda: len(handler.seen) == 1)
    assert handler.calls == 3
    assert await bus.dead_letters(queue_of(settings)) == []


async def test_poison_message_is_dead_lettered_with_error_and_consumer_goes_on(
        bus_and_settings: tuple[Bus, Settings]) -> None:
    bus, settings = bus_and_settings
    handler = Recorder(fail_for={"poison"})
    queue = queue_of(settings)
    consumer = await bus.subscribe(queue, Subscription({OrganizationApproved: handler}))
    poison = envelope(approved("poison"))

    await bus.publish([poison, envelope(approved("ok-1"))])
    await eventually(lambda: len(handler.seen) == 1, what="the good message")
    letters = await eventually(lambda: bus.dead_letters(queue), what="a dead letter")

    assert [(d.id, d.type) for d in letters] == [(poison.id, "OrganizationApproved")]
    assert "handler exploded on poison" in letters[0].error
    assert letters[0].attempts == 1 + len(settings.bus_retry_delays_ms)
    # the consumer is still alive and consuming
    assert consumer.alive
    await bus.publish([envelope(approved("ok-2"))])
    await eventually(lambda: len(handler.seen) == 2, what="consuming after poison")


async def test_invalid_payload_is_dead_lettered_without_retries(
        bus_and_settings: tuple[Bus, Settings]) -> None:
    bus, settings = bus_and_settings
    handler = Recorder()
    queue = queue_of(settings)
    await bus.subscribe(queue, Subscription({OrganizationApproved: handler}))
    broken = Envelope(type="OrganizationApproved", producer="test", correlation_id="c",
                      data={"name": "no organization id"})

    await bus.publish([broken])
    letters = await eventually(lambda: bus.dead_letters(queue), what="a dead letter")

    assert letters[0].id == broken.id
    assert "organization_id" in letters[0].error
    assert letters[0].attempts == 1
    assert handler.calls == 0


async def test_dead_letter_replay_puts_it_back(bus_and_settings: tuple[Bus, Settings]) -> None:
    bus, settings = bus_and_settings
    handler = Recorder(fail_for={"flaky"})
    queue = queue_of(settings)
    await bus.subscribe(queue, Subscription({OrganizationApproved: handler}))
    event = envelope(approved("flaky"))
    await bus.publish([event])
    await eventually(lambda: bus.dead_letters(queue), what="a dead letter")

    handler.fail_for.clear()  # the bug is fixed; replay
    assert await bus.replay_dead_letter(queue, event.id)

    await eventually(lambda: len(handler.seen) == 1, what="the replayed event")
    assert handler.seen[0][0] == event.id
    assert await bus.dead_letters(queue) == []
    assert not await bus.replay_dead_letter(queue, "no-such-id")


async def test_event_delivered_twice_reaches_the_handler_twice_with_the_same_id(
        bus_and_settings: tuple[Bus, Settings]) -> None:
    """At-least-once: the bus may deliver twice; the id lets handlers dedupe (shared.inbox)."""
    bus, settings = bus_and_settings
    handler = Recorder()
    await bus.subscribe(queue_of(settings), Subscription({OrganizationApproved: handler}))
    event = envelope(approved("o1"))

    await bus.publish([event])
    await bus.publish([event])

    await eventually(lambda: len(handler.seen) == 2)
    assert {seen_id for seen_id, _ in handler.seen} == {event.id}


async def test_consumer_restart_loses_no_unacked_message(
        bus_and_settings: tuple[Bus, Settings]) -> None:
    bus, settings = bus_and_settings
    queue = queue_of(settings)
    first = Recorder()
    first.block.clear()  # the handler hangs: the messages are delivered but never acked
    consumer = await bus.subscribe(queue, Subscription({OrganizationApproved: first}))
    events = [envelope(approved(f"o{i}")) for i in range(5)]
    await bus.publish(events)
    await eventually(lambda: first.calls == 5, what="all five in flight")

    await consumer.stop(grace=0)  # the process goes away mid-handler
    assert first.seen == []

    second = Recorder()
    await bus.subscribe(queue, Subscription({OrganizationApproved: second}))
    await eventually(lambda: len(second.seen) == 5, what="redelivery after restart")
    assert sorted(i for i, _ in second.seen) == sorted(e.id for e in events)

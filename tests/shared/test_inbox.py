"""Idempotent consumers (SPEC §2.1): ``shared.inbox.handle_once`` makes a handler's effects —
its writes and the events it emits — happen once per event id, however often it is delivered.
Against SecantusDB over the wire; no relay runs, so emitted events stay in the outbox to count.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from shared.bus import MemoryBus
from shared.events import Envelope, OrganizationApproved, OrganizationRegistered
from shared.inbox import handle_once
from shared.mongo import create_client, service_database
from shared.outbox import Outbox, Tx
from tests.conftest import SettingsFactory


class Flaky(Exception):
    """The handler failed after writing and emitting: nothing of it may stay."""


def registered(org: str) -> Envelope:
    event = OrganizationRegistered(organization_id=org, name=f"org {org}", district="东城区",
                                   admin_user_id="u1")
    return Envelope(type=event.TYPE, producer="identity", correlation_id="corr-1",
                    data=event.model_dump(mode="json"))


class CountingHandler:
    """Handles OrganizationRegistered: ``$inc`` a counter and emit one OrganizationApproved."""

    def __init__(self, envelope: Envelope, *, fail_times: int = 0) -> None:
        self.envelope = envelope
        self.calls = 0
        self.fail_times = fail_times

    async def __call__(self, tx: Tx) -> str:
        self.calls += 1
        org = self.envelope.data["organization_id"]
        await tx.db["counters"].update_one(
            {"_id": org}, {"$inc": {"handled": 1}}, upsert=True, session=tx.session)
        emitted = tx.emit(OrganizationApproved(organization_id=org, name=f"org {org}"))
        if self.calls <= self.fail_times:
            raise Flaky(f"handler failed on attempt {self.calls}")
        return emitted.id


@contextlib.asynccontextmanager
async def inbox_outbox(make_settings: SettingsFactory) -> AsyncIterator[Outbox]:
    settings = make_settings(rabbit=False)
    assert settings.mongo_url is not None
    client = create_client(settings.mongo_url)
    try:
        db = service_database(client, settings, "inboxtest")
        # the bus is never started and no relay runs: emitted events stay in the outbox
        outbox = Outbox(client, db, "inboxtest", MemoryBus())
        await outbox.ensure_indexes()
        yield outbox
    finally:
        await client.close()


async def handled_count(outbox: Outbox, org: str) -> int:
    counter = await outbox.db["counters"].find_one({"_id": org})
    return int(counter["handled"]) if counter else 0


async def assert_effects_once(outbox: Outbox, envelope: Envelope, emitted_id: str) -> None:
    org = envelope.data["organization_id"]
    assert await handled_count(outbox, org) == 1
    entries = await outbox.collection.find({}).to_list()
    assert [e["_id"] for e in entries] == [emitted_id]
    assert entries[0]["pending"] is True
    assert entries[0]["envelope"]["type"] == "OrganizationApproved"
    assert entries[0]["envelope"]["data"]["organization_id"] == org
    inbox = await outbox.db["inbox"].find({}).to_list()
    assert [(i["_id"], i["type"]) for i in inbox] == [(envelope.id, "OrganizationRegistered")]


async def test_same_event_handled_twice_in_a_row_has_its_effects_once(
        make_settings: SettingsFactory) -> None:
    async with inbox_outbox(make_settings) as outbox:
        envelope = registered("org-seq")
        handler = CountingHandler(envelope)

        first = await handle_once(outbox, envelope, handler)
        second = await handle_once(outbox, envelope, handler)

        assert first[0] is True and isinstance(first[1], str)
        assert second == (False, None)
        await assert_effects_once(outbox, envelope, first[1])

        # the same event as a new delivery (a fresh, equal envelope) is a duplicate too
        third = await handle_once(outbox, Envelope.model_validate_json(
            envelope.model_dump_json()), handler)
        assert third == (False, None)
        await assert_effects_once(outbox, envelope, first[1])


async def test_same_event_handled_concurrently_has_its_effects_once(
        make_settings: SettingsFactory) -> None:
    async with inbox_outbox(make_settings) as outbox:
        envelope = registered("org-concurrent")
        handler = CountingHandler(envelope)

        results = await asyncio.gather(*(handle_once(outbox, envelope, handler)
                                         for _ in range(5)))

        winners = [r for r in results if r[0]]
        assert len(winners) == 1, results
        assert sorted(results, key=lambda r: r[0])[:4] == [(False, None)] * 4
        emitted_id = winners[0][1]
        assert isinstance(emitted_id, str)
        await assert_effects_once(outbox, envelope, emitted_id)


async def test_failing_handler_rolls_back_the_inbox_record_so_a_redelivery_runs_it_again(
        make_settings: SettingsFactory) -> None:
    async with inbox_outbox(make_settings) as outbox:
        envelope = registered("org-flaky")
        handler = CountingHandler(envelope, fail_times=1)

        try:
            await handle_once(outbox, envelope, handler)
        except Flaky:
            pass
        else:
            raise AssertionError("the handler's failure must propagate (the bus retries)")
        assert await outbox.db["inbox"].count_documents({}) == 0
        assert await handled_count(outbox, "org-flaky") == 0
        assert await outbox.collection.count_documents({}) == 0

        handled, emitted_id = await handle_once(outbox, envelope, handler)  # the redelivery
        assert handled is True and isinstance(emitted_id, str)
        assert handler.calls == 2
        assert await handle_once(outbox, envelope, handler) == (False, None)
        assert handler.calls == 2
        await assert_effects_once(outbox, envelope, emitted_id)

"""Transactional outbox: state changes and the events they cause commit together.

A use case runs inside :meth:`Outbox.transaction`; it writes through ``tx.session`` and calls
``tx.emit(SomeEvent(...))``. The events are inserted into the service's ``outbox`` collection in
the same MongoDB transaction, so no event exists for a change that rolled back, and no committed
change loses its event. The relay (:meth:`Outbox.run`) publishes pending entries with publisher
confirms and marks them published; if it dies between publish and mark, the entry is published
again (consumers are idempotent). Nothing is ever published inside the transaction callback,
which PyMongo may run more than once.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession

from shared.bus import Bus
from shared.context import current_causation_id, current_correlation_id
from shared.events import Envelope, Event, utcnow
from shared.logging import get_logger
from shared.metrics import EVENTS_PUBLISHED, OUTBOX_LAG, OUTBOX_PENDING
from shared.mongo import Client, Database

log = get_logger("outbox")

T = TypeVar("T")

PUBLISHED_RETENTION_SECONDS = 7 * 24 * 3600

_last_seq = 0


def _next_seq() -> int:
    """Strictly increasing within this process, in emit order: the relay's tie-breaker for
    entries committed in the same millisecond (or the same transaction)."""
    global _last_seq
    _last_seq = max(time.time_ns(), _last_seq + 1)
    return _last_seq


@dataclass
class Tx:
    """One attempt of a transaction: the session to write with and the events it emits."""

    session: AsyncClientSession
    db: Database
    producer: str
    events: list[Envelope] = field(default_factory=list)

    def emit(self, event: Event) -> Envelope:
        envelope = Envelope(
            type=event.TYPE,
            version=event.VERSION,
            producer=self.producer,
            correlation_id=current_correlation_id(),
            causation_id=current_causation_id(),
            data=event.model_dump(mode="json"),
        )
        self.events.append(envelope)
        return envelope


class Outbox:
    def __init__(self, client: Client, db: Database, producer: str, bus: Bus, *,
                 batch_size: int = 200, poll_seconds: float = 1.0) -> None:
        self.client = client
        self.db = db
        self.producer = producer
        self.bus = bus
        self.collection = db["outbox"]
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self._wakeup = asyncio.Event()

    async def ensure_indexes(self) -> None:
        await self.collection.create_index(
            [("pending", ASCENDING), ("created_at", ASCENDING), ("seq", ASCENDING)])
        await self.collection.create_index(
            "published_at", expireAfterSeconds=PUBLISHED_RETENTION_SECONDS)

    async def transaction(self, fn: Callable[[Tx], Awaitable[T]]) -> T:
        """Run ``fn`` in a MongoDB transaction; its emitted events join the same commit."""

        async def attempt(session: AsyncClientSession) -> tuple[T, int]:
            tx = Tx(session, self.db, self.producer)
            result = await fn(tx)
            if tx.events:
                created = utcnow()
                await self.collection.insert_many(
                    [{"_id": e.id, "pending": True, "created_at": created, "seq": _next_seq(),
                      "envelope": e.model_dump(mode="json")} for e in tx.events],
                    session=session,
                )
            return result, len(tx.events)

        async with self.client.start_session() as session:
            result, emitted = await session.with_transaction(attempt)
        if emitted:
            self.wake()
        return result

    def wake(self) -> None:
        self._wakeup.set()

    async def relay_once(self) -> int:
        """Publish one batch of pending entries (oldest first); return how many."""
        docs = await self.collection.find({"pending": True}).sort(
            [("created_at", ASCENDING), ("seq", ASCENDING)]).limit(self.batch_size).to_list()
        if not docs:
            return 0
        envelopes = [Envelope.model_validate(d["envelope"]) for d in docs]
        await self.bus.publish(envelopes)
        await self.collection.update_many(
            {"_id": {"$in": [d["_id"] for d in docs]}},
            {"$unset": {"pending": ""}, "$set": {"published_at": utcnow()}},
        )
        for envelope in envelopes:
            EVENTS_PUBLISHED.labels(self.producer, envelope.type).inc()
        return len(docs)

    async def run(self) -> None:
        """The relay: publish whatever is pending, then wait for a wake-up or the poll tick."""
        backoff = 0.2
        while True:
            self._wakeup.clear()
            try:
                published = await self.relay_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("outbox_publish_failed", service=self.producer, error=repr(exc),
                            retry_in_s=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            backoff = 0.2
            if published == self.batch_size:
                continue
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
            # arrives together with the wake-up, and the relay would outlive its service.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_seconds):
                    await self._wakeup.wait()

    async def stats(self) -> dict[str, Any]:
        """Pending entries and the age of the oldest one (outbox lag), also set as metrics."""
        pending = await self.collection.count_documents({"pending": True})
        oldest = await self.collection.find_one({"pending": True}, sort=[("created_at", 1)])
        lag = (utcnow() - oldest["created_at"]).total_seconds() if oldest else 0.0
        OUTBOX_PENDING.labels(self.producer).set(pending)
        OUTBOX_LAG.labels(self.producer).set(lag)
        return {"pending": pending, "lag_seconds": lag}

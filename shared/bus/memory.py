"""In-memory bus: the embedded mode's broker, honouring the same contract as RabbitMQ.

Messages are kept as the same JSON bytes RabbitMQ would carry. Each queue keeps ready messages
in order and the unacked ones of its consumers; a stopped consumer's unacked messages go back to
the head of the queue, as RabbitMQ does when a channel closes. It lives and dies with the process:
durability across restarts is what the RabbitMQ adapter (or the outbox, for publishers) is for.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from shared.bus.base import (
    DeadLetter,
    Dispatcher,
    Subscription,
    dead_letter_queue,
    describe_body,
    encode,
)
from shared.events import Envelope, new_id, utcnow
from shared.logging import get_logger

log = get_logger("bus.memory")


@dataclass
class _Message:
    body: bytes
    attempt: int = 0
    error: str = ""
    failed_at: datetime | None = None
    id: str = field(default_factory=new_id)


@dataclass
class _Queue:
    name: str
    ready: deque[_Message] = field(default_factory=deque)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def put(self, message: _Message, *, front: bool = False) -> None:
        (self.ready.appendleft if front else self.ready.append)(message)
        self.arrived.set()


class MemoryConsumer:
    def __init__(self, queue: _Queue, dispatcher: Dispatcher, bus: MemoryBus,
                 prefetch: int) -> None:
        self._queue = queue
        self._dispatcher = dispatcher
        self._bus = bus
        self._prefetch = prefetch
        self._unacked: dict[str, _Message] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop_task = asyncio.create_task(self._run(), name=f"consumer:{queue.name}")

    @property
    def alive(self) -> bool:
        return not self._loop_task.done()

    async def _run(self) -> None:
        slots = asyncio.Semaphore(self._prefetch)
        while True:
            await slots.acquire()
            while not self._queue.ready:
                self._queue.arrived.clear()
                await self._queue.arrived.wait()
            message = self._queue.ready.popleft()
            self._unacked[message.id] = message
            task = asyncio.create_task(self._deliver(message))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            task.add_done_callback(lambda _: slots.release())

    async def _deliver(self, message: _Message) -> None:
        decision = await self._dispatcher.dispatch(message.body, message.attempt)
        del self._unacked[message.id]  # acked: the decision is carried out below, in memory
        if decision.action == "retry":
            retry = _Message(message.body, message.attempt + 1)
            asyncio.get_running_loop().call_later(
                decision.delay_ms / 1000, self._queue.put, retry
            )
        elif decision.action == "dead":
            self._bus._queue(dead_letter_queue(self._queue.name)).put(
                _Message(message.body, message.attempt + 1, decision.error, utcnow(),
                         id=describe_body(message.body)[0] or new_id())
            )

    async def stop(self, grace: float = 5.0) -> None:
        """Stop consuming; handlers get ``grace`` seconds, then unacked messages are requeued
        at the head of the queue."""
        self._loop_task.cancel()
        await asyncio.gather(self._loop_task, return_exceptions=True)
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        for message in reversed(list(self._unacked.values())):
            self._queue.put(message, front=True)
        self._unacked.clear()


class MemoryBus:
    def __init__(self, *, retry_delays_ms: Sequence[int] = (1_000, 10_000, 60_000),
                 prefetch: int = 200, concurrency: int = 16) -> None:
        self._retry_delays_ms = list(retry_delays_ms)
        self._prefetch = prefetch
        self._concurrency = concurrency
        self._queues: dict[str, _Queue] = {}
        self._bindings: dict[str, set[str]] = {}
        self._consumers: list[MemoryConsumer] = []
        self._running = False

    async def start(self) -> None:
        self._running = True

    async def close(self) -> None:
        for consumer in self._consumers:
            await consumer.stop()
        self._consumers.clear()
        self._running = False

    @property
    def connected(self) -> bool:
        return self._running

    def _queue(self, name: str) -> _Queue:
        if name not in self._queues:
            self._queues[name] = _Queue(name)
        return self._queues[name]

    async def publish(self, envelopes: Sequence[Envelope]) -> None:
        if not self._running:
            raise ConnectionError("the in-memory bus is not running")
        for envelope in envelopes:
            body = encode(envelope)
            for queue in sorted(self._bindings.get(envelope.routing_key, ())):
                self._queue(queue).put(_Message(body))

    async def subscribe(self, queue: str, subscription: Subscription) -> MemoryConsumer:
        self._queue(queue)
        for event_type in subscription.by_type:
            self._bindings.setdefault(event_type, set()).add(queue)
        dispatcher = Dispatcher(queue, subscription, self._retry_delays_ms, self._concurrency)
        consumer = MemoryConsumer(self._queue(queue), dispatcher, self, self._prefetch)
        self._consumers.append(consumer)
        return consumer

    async def dead_letters(self, queue: str, limit: int = 100) -> list[DeadLetter]:
        dlq = self._queue(dead_letter_queue(queue))
        return [
            DeadLetter(m.id, queue, describe_body(m.body)[1], m.error, m.attempt, m.failed_at,
                       m.body.decode(errors="replace"))
            for m in list(dlq.ready)[:limit]
        ]

    async def replay_dead_letter(self, queue: str, dead_letter_id: str) -> bool:
        dlq = self._queue(dead_letter_queue(queue))
        for message in list(dlq.ready):
            if message.id == dead_letter_id:
                dlq.ready.remove(message)
                self._queue(queue).put(_Message(message.body))
                log.info("dead_letter_replayed", queue=queue, dead_letter_id=dead_letter_id)
                return True
        return False

    async def queue_depth(self, queue: str) -> int:
        return len(self._queue(queue).ready)

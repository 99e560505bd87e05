"""The bus contract both adapters honour (RabbitMQ and in-memory).

- ``publish`` returns once every envelope is safely with the broker (publisher confirms).
- ``subscribe(queue, handlers)`` declares the service's durable queue, binds it to the event
  types it handles and consumes with manual acks: a message is acked only after its handler
  returned (its writes committed).
- A handler that raises is retried after each delay of ``retry_delays_ms``; then the message is
  parked in the queue's dead-letter queue with the error. A payload that cannot be parsed or
  validated is parked at once (retrying cannot help). Either way the consumer keeps consuming.
- Dead letters can be listed and replayed (put back on the service's queue).

Delivery is at least once; handlers make their effects exactly once (``shared.inbox``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import ValidationError

from shared.events import Envelope, Event
from shared.logging import bound, get_logger
from shared.metrics import EVENTS_HANDLED

log = get_logger("bus")

Handler = Callable[[Envelope, Any], Awaitable[None]]
"""``async def on_x(envelope, event)``: ``event`` is the validated contract instance."""


@dataclass(frozen=True)
class Subscription:
    """The event types one queue handles, each with its contract and handler."""

    handlers: Mapping[type[Event], Handler]

    @property
    def by_type(self) -> dict[str, tuple[type[Event], Handler]]:
        return {contract.TYPE: (contract, handler) for contract, handler in self.handlers.items()}


@dataclass(frozen=True)
class DeadLetter:
    id: str
    queue: str
    type: str | None
    error: str
    attempts: int
    failed_at: datetime | None
    body: str


@dataclass
class Decision:
    """What to do with a delivered message after its handler ran."""

    action: Literal["ack", "retry", "dead"]
    error: str = ""
    delay_ms: int = 0


class Consumer(Protocol):
    @property
    def alive(self) -> bool: ...

    async def stop(self, grace: float = 5.0) -> None: ...


class Bus(Protocol):
    async def start(self) -> None: ...

    async def close(self) -> None: ...

    @property
    def connected(self) -> bool: ...

    async def publish(self, envelopes: Sequence[Envelope]) -> None: ...

    async def subscribe(self, queue: str, subscription: Subscription) -> Consumer: ...

    async def dead_letters(self, queue: str, limit: int = 100) -> list[DeadLetter]: ...

    async def replay_dead_letter(self, queue: str, dead_letter_id: str) -> bool: ...

    async def queue_depth(self, queue: str) -> int: ...


def encode(envelope: Envelope) -> bytes:
    return envelope.model_dump_json().encode()


def dead_letter_queue(queue: str) -> str:
    return f"{queue}.dlq"


@dataclass
class Dispatcher:
    """Runs one delivered message through its handler and decides ack / retry / dead-letter.

    Shared by both adapters so they cannot drift apart. ``attempt`` counts earlier tries.
    """

    queue: str
    subscription: Subscription
    retry_delays_ms: Sequence[int]
    concurrency: int = 16
    _slots: asyncio.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        self._slots = asyncio.Semaphore(self.concurrency)

    async def dispatch(self, body: bytes, attempt: int) -> Decision:
        try:
            envelope = Envelope.model_validate_json(body)
        except ValidationError as exc:
            EVENTS_HANDLED.labels(self.queue, "unknown", "invalid").inc()
            log.warning("event_invalid_envelope", queue=self.queue, error=_short(exc))
            return Decision("dead", f"invalid envelope: {_short(exc)}")
        entry = self.subscription.by_type.get(envelope.type)
        with bound(event_id=envelope.id, event_type=envelope.type,
                   correlation_id=envelope.correlation_id, queue=self.queue):
            if entry is None:
                EVENTS_HANDLED.labels(self.queue, envelope.type, "ignored").inc()
                log.info("event_ignored_unhandled_type")
                return Decision("ack")
            contract, handler = entry
            try:
                event = contract.model_validate(envelope.data)
            except ValidationError as exc:
                EVENTS_HANDLED.labels(self.queue, envelope.type, "invalid").inc()
                log.warning("event_invalid_payload", error=_short(exc))
                return Decision("dead", f"invalid {envelope.type} payload: {_short(exc)}")
            try:
                async with self._slots:
                    await handler(envelope, event)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"[:2000]
                if attempt < len(self.retry_delays_ms):
                    delay = self.retry_delays_ms[attempt]
                    EVENTS_HANDLED.labels(self.queue, envelope.type, "retry").inc()
                    log.warning("event_handler_failed_will_retry", attempt=attempt + 1,
                                delay_ms=delay, error=error)
                    return Decision("retry", error, delay)
                EVENTS_HANDLED.labels(self.queue, envelope.type, "dead").inc()
                log.error("event_dead_lettered", attempts=attempt + 1, error=error,
                          exc_info=True)
                return Decision("dead", error)
            EVENTS_HANDLED.labels(self.queue, envelope.type, "ok").inc()
            return Decision("ack")


def _short(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}"
        for err in exc.errors()[:5]
    )


def describe_body(body: bytes) -> tuple[str, str | None]:
    """(id, type) of a message body, best effort, for listing dead letters."""
    try:
        raw = json.loads(body)
        return str(raw.get("id") or ""), raw.get("type")
    except (ValueError, AttributeError):
        return "", None

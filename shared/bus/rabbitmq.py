"""RabbitMQ adapter (aio-pika robust connection).

Topology, per service queue ``Q`` (all durable quorum queues):

- one topic exchange for all domain events; ``Q`` is bound once per event type it handles;
- ``Q.retry.<ms>ms``: one wait queue per back-off delay, with a message TTL, dead-lettering
  (at-least-once) back into ``Q``. RabbitMQ 3.10 has no delayed retry, so this is the back-off;
- ``Q.dlq``: parked messages, with headers ``x-error``, ``x-attempts``, ``x-failed-at``. ``Q``
  itself dead-letters there too, so a message rejected by the broker is never silently dropped.

Publishing waits for publisher confirms, with every message of a batch in flight at once.
Consumers ack manually after the handler returned; a retry or a park is a confirmed publish
followed by the ack, so a crash in between delivers the message again (handlers are idempotent).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)

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

log = get_logger("bus.rabbitmq")

QUORUM: dict[str, Any] = {"x-queue-type": "quorum"}


def _int_header(headers: Mapping[str, Any] | None, name: str) -> int:
    value = (headers or {}).get(name)
    try:
        return int(value) if value is not None else 0
    except (TypeError, ValueError):
        return 0


def retry_queue(queue: str, delay_ms: int) -> str:
    return f"{queue}.retry.{delay_ms}ms"


def _message(body: bytes, *, message_id: str, type_: str | None, correlation_id: str | None,
             headers: dict[str, Any]) -> aio_pika.Message:
    return aio_pika.Message(
        body,
        content_type="application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        message_id=message_id,
        type=type_,
        correlation_id=correlation_id,
        headers=headers,
    )


class RabbitConsumer:
    def __init__(self, bus: RabbitBus, queue_name: str, dispatcher: Dispatcher) -> None:
        self._bus = bus
        self._queue_name = queue_name
        self._dispatcher = dispatcher
        self._channel: AbstractChannel | None = None
        self._queue: AbstractQueue | None = None
        self._tag: str | None = None
        self._inflight: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        connection = self._bus.connection
        channel = await connection.channel(publisher_confirms=True)
        await channel.set_qos(prefetch_count=self._bus.prefetch)
        self._queue = await self._bus.declare(channel, self._queue_name,
                                              self._dispatcher.subscription)
        self._channel = channel
        self._tag = await self._queue.consume(self._on_message, no_ack=False)

    @property
    def alive(self) -> bool:
        return (self._channel is not None and not self._channel.is_closed
                and self._tag is not None and self._bus.connected)

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        try:
            attempt = _int_header(message.headers, "x-attempt")
            decision = await self._dispatcher.dispatch(message.body, attempt)
            if decision.action == "retry":
                await self._republish(message, retry_queue(self._queue_name, decision.delay_ms),
                                      {"x-attempt": attempt + 1, "x-last-error": decision.error})
            elif decision.action == "dead":
                event_id, _ = describe_body(message.body)
                await self._republish(message, dead_letter_queue(self._queue_name), {
                    "x-dead-letter-id": event_id or message.message_id or new_id(),
                    "x-error": decision.error,
                    "x-attempts": attempt + 1,
                    "x-failed-at": utcnow().isoformat(),
                })
            await message.ack()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the broker went away mid-way: the message comes again
            log.warning("consumer_ack_failed", queue=self._queue_name, error=repr(exc))
        finally:
            if task is not None:
                self._inflight.discard(task)

    async def _republish(self, message: AbstractIncomingMessage, routing_key: str,
                         headers: dict[str, Any]) -> None:
        assert self._channel is not None
        await self._channel.default_exchange.publish(
            _message(message.body, message_id=message.message_id or new_id(),
                     type_=message.type, correlation_id=message.correlation_id,
                     headers=headers),
            routing_key=routing_key,
        )

    async def stop(self, grace: float = 5.0) -> None:
        """Stop consuming; handlers get ``grace`` seconds, then unacked messages are requeued."""
        if self._queue is not None and self._tag is not None:
            with contextlib.suppress(Exception):
                await self._queue.cancel(self._tag)
        self._tag = None
        if self._inflight:
            _, pending = await asyncio.wait(set(self._inflight), timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._channel is not None:
            with contextlib.suppress(Exception):
                await self._channel.close()  # unacked messages return to the queue


class RabbitBus:
    def __init__(self, url: str, *, exchange: str, prefetch: int = 200,
                 retry_delays_ms: Sequence[int] = (1_000, 10_000, 60_000),
                 concurrency: int = 16, connect_timeout: float = 30.0) -> None:
        self._url = url
        self._exchange_name = exchange
        self.prefetch = prefetch
        self._retry_delays_ms = list(retry_delays_ms)
        self._concurrency = concurrency
        self._connect_timeout = connect_timeout
        self._connection: AbstractRobustConnection | None = None
        self._publish_channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._publish_lock = asyncio.Lock()
        self._consumers: list[RabbitConsumer] = []

    @property
    def connection(self) -> AbstractRobustConnection:
        if self._connection is None:
            raise ConnectionError("the RabbitMQ bus is not started")
        return self._connection

    async def start(self) -> None:
        deadline = asyncio.get_running_loop().time() + self._connect_timeout
        while True:
            try:
                self._connection = await aio_pika.connect_robust(
                    self._url, reconnect_interval=1, client_properties={
                        "connection_name": f"volunteer-platform:{self._exchange_name}"})
                break
            except (OSError, aio_pika.exceptions.AMQPError) as exc:
                if asyncio.get_running_loop().time() > deadline:
                    raise
                log.warning("rabbitmq_connect_failed_retrying", error=repr(exc))
                await asyncio.sleep(1)
        self._publish_channel = await self._connection.channel(publisher_confirms=True)
        self._exchange = await self._publish_channel.declare_exchange(
            self._exchange_name, aio_pika.ExchangeType.TOPIC, durable=True)

    async def close(self) -> None:
        for consumer in self._consumers:
            await consumer.stop()
        self._consumers.clear()
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    @property
    def connected(self) -> bool:
        return (self._connection is not None and not self._connection.is_closed
                and self._publish_channel is not None and not self._publish_channel.is_closed)

    async def publish(self, envelopes: Sequence[Envelope]) -> None:
        if self._exchange is None or not self.connected:
            raise ConnectionError("RabbitMQ is not connected")
        exchange = self._exchange
        await asyncio.gather(*(
            exchange.publish(
                _message(encode(e), message_id=e.id, type_=e.type,
                         correlation_id=e.correlation_id, headers={"x-producer": e.producer}),
                routing_key=e.routing_key,
            )
            for e in envelopes
        ))

    async def declare(self, channel: AbstractChannel, queue: str,
                      subscription: Subscription) -> AbstractQueue:
        exchange = await channel.declare_exchange(
            self._exchange_name, aio_pika.ExchangeType.TOPIC, durable=True)
        dlq = dead_letter_queue(queue)
        await channel.declare_queue(dlq, durable=True, arguments=QUORUM)
        work = await channel.declare_queue(queue, durable=True, arguments={
            **QUORUM, "x-dead-letter-exchange": "", "x-dead-letter-routing-key": dlq})
        for delay in sorted(set(self._retry_delays_ms)):
            await channel.declare_queue(retry_queue(queue, delay), durable=True, arguments={
                **QUORUM,
                "x-message-ttl": delay,
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": queue,
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
            })
        for event_type in subscription.by_type:
            await work.bind(exchange, routing_key=event_type)
        return work

    async def subscribe(self, queue: str, subscription: Subscription) -> RabbitConsumer:
        dispatcher = Dispatcher(queue, subscription, self._retry_delays_ms, self._concurrency)
        consumer = RabbitConsumer(self, queue, dispatcher)
        await consumer.start()
        self._consumers.append(consumer)
        return consumer

    async def dead_letters(self, queue: str, limit: int = 100) -> list[DeadLetter]:
        """Peek at parked messages: get them unacked, then close the channel to return them."""
        channel = await self.connection.channel()
        letters: list[DeadLetter] = []
        try:
            dlq = await channel.declare_queue(dead_letter_queue(queue), durable=True,
                                              arguments=QUORUM)
            while len(letters) < limit:
                message = await dlq.get(no_ack=False, fail=False)
                if message is None:
                    break
                letters.append(_dead_letter(queue, message))
        finally:
            await channel.close()
        return letters

    async def replay_dead_letter(self, queue: str, dead_letter_id: str) -> bool:
        """Put one parked message back on the service's queue, its attempts reset."""
        channel = await self.connection.channel(publisher_confirms=True)
        try:
            dlq = await channel.declare_queue(dead_letter_queue(queue), durable=True,
                                              arguments=QUORUM)
            while True:
                message = await dlq.get(no_ack=False, fail=False)
                if message is None:
                    return False
                if _dead_letter(queue, message).id == dead_letter_id:
                    await channel.default_exchange.publish(
                        _message(message.body, message_id=message.message_id or new_id(),
                                 type_=message.type, correlation_id=message.correlation_id,
                                 headers={"x-attempt": 0, "x-replayed-at": utcnow().isoformat()}),
                        routing_key=queue,
                    )
                    await message.ack()
                    log.info("dead_letter_replayed", queue=queue, dead_letter_id=dead_letter_id)
                    return True
        finally:
            await channel.close()

    async def queue_depth(self, queue: str) -> int:
        channel = await self.connection.channel()
        try:
            declared = await channel.declare_queue(queue, passive=True)
            return int(declared.declaration_result.message_count or 0)
        finally:
            await channel.close()


def _dead_letter(queue: str, message: AbstractIncomingMessage) -> DeadLetter:
    headers = message.headers or {}
    failed_at = headers.get("x-failed-at")
    return DeadLetter(
        id=str(headers.get("x-dead-letter-id") or message.message_id or ""),
        queue=queue,
        type=message.type,
        error=str(headers.get("x-error", "")),
        attempts=_int_header(headers, "x-attempts"),
        failed_at=datetime.fromisoformat(str(failed_at)) if failed_at else None,
        body=message.body.decode(errors="replace"),
    )



async def delete_topology(url: str, exchange: str, queues: Sequence[str],
                          retry_delays_ms: Sequence[int]) -> None:
    """Delete the queues (work, retry, dead-letter) of ``queues`` and the exchange: for test
    and benchmark runs that declared their own, uniquely named topology on a shared broker."""
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel()
        for queue in queues:
            for name in (queue, dead_letter_queue(queue),
                         *(retry_queue(queue, d) for d in retry_delays_ms)):
                try:
                    await channel.queue_delete(name)
                except aio_pika.exceptions.ChannelClosed:  # e.g. never declared
                    channel = await connection.channel()
        await channel.exchange_delete(exchange)
    finally:
        await connection.close()

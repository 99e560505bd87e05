"""Test helpers: polling with a deadline (never sleep-and-hope), RabbitMQ clean-up."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from shared.bus.rabbitmq import delete_topology

T = TypeVar("T")


async def eventually(probe: Callable[[], Awaitable[T] | T], *, timeout: float = 15.0,
                     interval: float = 0.05, what: str = "condition") -> T:
    """Poll ``probe`` (sync or async) until it returns something truthy (returned) or the
    deadline passes."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while True:
        result = probe()
        last = await result if inspect.isawaitable(result) else result
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last={last!r}")
        await asyncio.sleep(interval)


async def delete_rabbit_topology(amqp_url: str, exchange: str, queue_prefix: str,
                                 queues: list[str], retry_delays_ms: list[int]) -> None:
    """Remove what a test declared on the shared broker (quorum queues are not free)."""
    await delete_topology(amqp_url, exchange, [f"{queue_prefix}{q}" for q in queues],
                          retry_delays_ms)

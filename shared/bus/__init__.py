"""The event bus: one small contract (``base.Bus``), two adapters (RabbitMQ, in-memory)."""

from __future__ import annotations

from shared.bus.base import Bus, Consumer, DeadLetter, Handler, Subscription
from shared.bus.memory import MemoryBus
from shared.bus.rabbitmq import RabbitBus
from shared.settings import Settings


def create_bus(settings: Settings) -> Bus:
    """RabbitMQ when ``AMQP_URL`` is set, otherwise the in-memory bus (embedded mode)."""
    if settings.amqp_url:
        return RabbitBus(settings.amqp_url, exchange=settings.events_exchange,
                         prefetch=settings.bus_prefetch,
                         retry_delays_ms=settings.bus_retry_delays_ms,
                         concurrency=settings.bus_concurrency)
    return MemoryBus(retry_delays_ms=settings.bus_retry_delays_ms,
                     prefetch=settings.bus_prefetch, concurrency=settings.bus_concurrency)


__all__ = ["Bus", "Consumer", "DeadLetter", "Handler", "MemoryBus", "RabbitBus", "Subscription",
           "create_bus"]

"""What a running service is made of, whichever mode runs it.

A service declares itself once as a :class:`ServiceSpec` (``services/<name>/app.py``): its
routers, the event handlers it subscribes, its indexes and start-up work. A
:class:`ServiceRunner` brings one spec to life on a MongoDB client and a bus: its database, its
outbox relay, its consumer on its own queue. The distributed mode runs one runner per process,
the embedded mode all four in one process.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Request

from shared.bus import Bus, Consumer, Handler, Subscription
from shared.events import Envelope, Event
from shared.inbox import handle_once
from shared.logging import bind, get_logger
from shared.mongo import Client, Database, service_database
from shared.outbox import Outbox, Tx
from shared.settings import Settings

log = get_logger("runtime")

T = TypeVar("T")


@dataclass
class ServiceContext:
    """Everything a service's code needs at run time; passed to handlers and use cases."""

    name: str
    settings: Settings
    client: Client
    db: Database
    bus: Bus
    outbox: Outbox
    state: dict[str, Any] = field(default_factory=dict)

    async def transaction(self, fn: Callable[[Tx], Awaitable[T]]) -> T:
        """Write state and emit events in one commit (see ``shared.outbox``)."""
        return await self.outbox.transaction(fn)

    async def handle_once(self, envelope: Envelope,
                          fn: Callable[[Tx], Awaitable[T]]) -> tuple[bool, T | None]:
        """Like :meth:`transaction`, once per event id (see ``shared.inbox``)."""
        return await handle_once(self.outbox, envelope, fn)


HandlerFactory = Callable[[ServiceContext], Mapping[type[Event], Handler]]
Hook = Callable[[ServiceContext], Awaitable[None]]


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    routers: Sequence[APIRouter]
    handlers: HandlerFactory | None = None
    ensure_indexes: Hook | None = None
    on_start: Hook | None = None
    """Runs after indexes, before consumers (e.g. bootstrap the platform admin)."""
    background: Sequence[Callable[[ServiceContext], Awaitable[None]]] = ()
    """Long-running loops started with the service and cancelled at shutdown."""


def queue_name(settings: Settings, service: str) -> str:
    return f"{settings.queue_prefix}{service}"


class ServiceRunner:
    def __init__(self, spec: ServiceSpec, settings: Settings, client: Client, bus: Bus) -> None:
        self.spec = spec
        db = service_database(client, settings, spec.name)
        outbox = Outbox(client, db, spec.name, bus, batch_size=settings.outbox_batch_size,
                        poll_seconds=settings.outbox_poll_seconds)
        self.context = ServiceContext(spec.name, settings, client, db, bus, outbox)
        self.consumer: Consumer | None = None
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def queue(self) -> str:
        return queue_name(self.context.settings, self.spec.name)

    async def start(self) -> None:
        ctx = self.context
        bind(service=self.spec.name)
        await ctx.outbox.ensure_indexes()
        await ctx.db["inbox"].create_index("handled_at")
        if self.spec.ensure_indexes:
            await self.spec.ensure_indexes(ctx)
        if self.spec.on_start:
            await self.spec.on_start(ctx)
        self._tasks.append(asyncio.create_task(self._bound(ctx.outbox.run),
                                               name=f"relay:{self.spec.name}"))
        for loop in self.spec.background:
            self._tasks.append(asyncio.create_task(self._bound(functools.partial(loop, ctx)),
                                                   name=f"bg:{self.spec.name}"))
        if self.spec.handlers:
            handlers = {contract: self._bind_service(h)
                        for contract, h in self.spec.handlers(ctx).items()}
            self.consumer = await ctx.bus.subscribe(self.queue, Subscription(handlers))
        log.info("service_started", service=self.spec.name, queue=self.queue)

    def _bind_service(self, handler: Handler) -> Handler:
        name = self.spec.name

        async def bound_handler(envelope: Envelope, event: Any) -> None:
            bind(service=name)
            await handler(envelope, event)

        return bound_handler

    async def _bound(self, fn: Callable[[], Awaitable[None]]) -> None:
        bind(service=self.spec.name)
        await fn()

    async def stop(self) -> None:
        if self.consumer is not None:
            await self.consumer.stop()
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            _, stuck = await asyncio.wait(self._tasks, timeout=10)
            for task in stuck:
                log.error("service_task_did_not_stop", service=self.spec.name,
                          task=task.get_name())
        self._tasks.clear()
        log.info("service_stopped", service=self.spec.name)

    @property
    def healthy(self) -> bool:
        consuming = self.consumer is None or self.consumer.alive
        return consuming and all(not t.done() for t in self._tasks)


def context_of(service: str) -> Any:
    """FastAPI dependency giving a route its service's :class:`ServiceContext`."""

    async def dependency(request: Request) -> ServiceContext:
        bind(service=service)
        runners: dict[str, ServiceRunner] = request.app.state.runners
        return runners[service].context

    return Depends(dependency)

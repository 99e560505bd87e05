"""Hours' event handlers: one small function per event."""

from __future__ import annotations

from collections.abc import Mapping

from services.hours import service
from shared.bus import Handler
from shared.events import Envelope, Event, ProjectCompleted
from shared.logging import get_logger
from shared.outbox import Tx
from shared.runtime import ServiceContext

log = get_logger("hours.handlers")


def handlers(ctx: ServiceContext) -> Mapping[type[Event], Handler]:
    async def on_project_completed(envelope: Envelope, event: ProjectCompleted) -> None:
        async def write(tx: Tx) -> int:
            return len((await service.grant_completion(ctx, tx, event)).granted)

        first, granted = await ctx.handle_once(envelope, write)
        if first:
            log.info("project_completion_granted", project_id=event.project_id,
                     part=event.part, parts=event.parts, entries=granted)

    return {ProjectCompleted: on_project_completed}

"""Notifications' event handlers: every event that concerns a person lands in their inbox."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.notifications import store
from services.notifications.rules import NOTIFYING_EVENTS, notices_for
from shared.bus import Handler
from shared.events import Envelope, Event, new_id, utcnow
from shared.logging import get_logger
from shared.outbox import Tx
from shared.runtime import ServiceContext

log = get_logger("notifications.handlers")


def handlers(ctx: ServiceContext) -> Mapping[type[Event], Handler]:
    async def on_event(envelope: Envelope, event: Any) -> None:
        notices = notices_for(event)

        async def write(tx: Tx) -> None:
            now = utcnow()
            await store.insert_notices(tx.db, [
                {"_id": new_id(), "user_id": n.user_id, "type": n.type, "title": n.title,
                 "body": n.body, "read": False, "created_at": now,
                 "source_event_id": envelope.id, "correlation_id": envelope.correlation_id}
                for n in notices
            ], tx.session)

        first, _ = await ctx.handle_once(envelope, write)
        if first:
            log.info("inbox_notified", recipients=len(notices),
                     kinds=sorted({n.type for n in notices}))

    return dict.fromkeys(NOTIFYING_EVENTS, on_event)

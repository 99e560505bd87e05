"""Idempotent consumers: a handler's effects happen once per event id.

:func:`handle_once` records the event id in the service's ``inbox`` collection inside the same
transaction as the handler's writes (and the events they emit). A second delivery of the same
event hits the unique ``_id``, aborts, and is acknowledged without effect.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from pymongo.errors import DuplicateKeyError

from shared.events import Envelope, utcnow
from shared.logging import get_logger
from shared.outbox import Outbox, Tx

log = get_logger("inbox")

T = TypeVar("T")


class AlreadyHandled(Exception):
    """The event id is in the inbox: its effects are already committed."""


async def handle_once(outbox: Outbox, envelope: Envelope,
                      fn: Callable[[Tx], Awaitable[T]]) -> tuple[bool, T | None]:
    """Run ``fn`` once for this event; returns ``(True, result)``, or ``(False, None)`` for a
    duplicate delivery."""

    async def first_time(tx: Tx) -> T:
        try:
            await tx.db["inbox"].insert_one(
                {"_id": envelope.id, "type": envelope.type, "handled_at": utcnow()},
                session=tx.session,
            )
        except DuplicateKeyError as exc:
            raise AlreadyHandled(envelope.id) from exc
        return await fn(tx)

    try:
        return True, await outbox.transaction(first_time)
    except AlreadyHandled:
        log.info("event_duplicate_skipped")
        return False, None

"""Notifications' HTTP routes: the inbox, and the operations console (dead letters).

Dead letters live in the broker, one dead-letter queue per service; the operations routes are
served here (the gateway sends ``/api/v1/admin/`` to this service) and act on any service's
queue by name, without touching any service's data.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from services.notifications import store
from services.notifications.errors import DeadLetterNotFound, NoticeNotFound
from services.notifications.schemas import DeadLetterOut, DeadLettersOut, InboxOut, NoticeOut
from shared.auth import CurrentUser, PlatformAdmin
from shared.runtime import ServiceContext, context_of, queue_name

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])
admin_router = APIRouter(prefix="/api/v1/admin", tags=["operations"])
Ctx = Annotated[ServiceContext, context_of("notifications")]
ServiceName = Literal["identity", "projects", "hours", "notifications"]


@router.get("/me")
async def my_notifications(user: CurrentUser, ctx: Ctx,
                           limit: Annotated[int, Query(ge=1, le=200)] = 50) -> InboxOut:
    docs, unread = await store.notices_of(ctx.db, user.user_id, limit)
    return InboxOut(items=[NoticeOut(id=d["_id"], **{k: d[k] for k in (
        "type", "title", "body", "read", "created_at")}) for d in docs], unread=unread)


@router.post("/{notice_id}/read")
async def mark_read(notice_id: str, user: CurrentUser, ctx: Ctx) -> dict[str, bool]:
    if not await store.mark_read(ctx.db, user.user_id, notice_id):
        raise NoticeNotFound()
    return {"read": True}


@admin_router.get("/dead-letters")
async def dead_letters(service: ServiceName, admin: PlatformAdmin, ctx: Ctx,
                       limit: Annotated[int, Query(ge=1, le=500)] = 100) -> DeadLettersOut:
    letters = await ctx.bus.dead_letters(queue_name(ctx.settings, service), limit)
    return DeadLettersOut(items=[
        DeadLetterOut(id=d.id, service=service, type=d.type, error=d.error,
                      attempts=d.attempts, failed_at=d.failed_at, body=d.body)
        for d in letters])


@admin_router.post("/dead-letters/{dead_letter_id}/replay")
async def replay_dead_letter(dead_letter_id: str, service: ServiceName, admin: PlatformAdmin,
                             ctx: Ctx) -> dict[str, str]:
    if not await ctx.bus.replay_dead_letter(queue_name(ctx.settings, service), dead_letter_id):
        raise DeadLetterNotFound()
    return {"id": dead_letter_id, "status": "replayed"}

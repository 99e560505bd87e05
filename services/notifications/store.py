"""Notifications' collections: the only module that knows MongoDB here.

- ``notices``: the in-app inbox; unique (source_event_id, user_id), so an event notifies
  once. (``inbox`` is shared.inbox's record of processed events.)
"""

from __future__ import annotations

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession

from shared.mongo import Database, Document
from shared.runtime import ServiceContext


async def ensure_indexes(ctx: ServiceContext) -> None:
    await ctx.db.notices.create_index([("source_event_id", ASCENDING), ("user_id", ASCENDING)],
                                      unique=True)
    await ctx.db.notices.create_index([("user_id", ASCENDING), ("created_at", DESCENDING)])


async def insert_notices(db: Database, notices: list[Document],
                         session: AsyncClientSession) -> None:
    if notices:
        await db.notices.insert_many(notices, session=session)


async def notices_of(db: Database, user_id: str, limit: int) -> tuple[list[Document], int]:
    docs = await db.notices.find({"user_id": user_id}).sort("created_at", DESCENDING
                                                             ).limit(limit).to_list()
    unread = await db.notices.count_documents({"user_id": user_id, "read": False})
    return docs, unread


async def mark_read(db: Database, user_id: str, notice_id: str) -> bool:
    result = await db.notices.update_one({"_id": notice_id, "user_id": user_id},
                                         {"$set": {"read": True}})
    return result.matched_count == 1

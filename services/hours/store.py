"""Hours' collections and queries: the only module that knows MongoDB here.

- ``ledger``: append-only entries in integer minutes; ``key`` is unique (the grant key, or a
  correction's own key), so a second grant for the same key cannot exist.
- ``totals``: one document per volunteer with all-time and per-year minutes and the star level,
  maintained in the same transaction as the entries, so totals read in constant time.
"""

from __future__ import annotations

from pymongo import ASCENDING, DESCENDING, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession

from shared.mongo import Database, Document
from shared.runtime import ServiceContext


async def ensure_indexes(ctx: ServiceContext) -> None:
    await ctx.db.ledger.create_index("key", unique=True)
    await ctx.db.ledger.create_index([("volunteer_id", ASCENDING),
                                      ("service_date", DESCENDING)])
    await ctx.db.ledger.create_index("project_id")


async def existing_keys(db: Database, keys: list[str], session: AsyncClientSession
                        ) -> set[str]:
    docs = await db.ledger.find({"key": {"$in": keys}}, {"key": 1}, session=session).to_list()
    return {d["key"] for d in docs}


async def insert_entries(db: Database, entries: list[Document],
                         session: AsyncClientSession) -> None:
    if entries:
        await db.ledger.insert_many(entries, session=session)


async def add_to_totals(db: Database, minutes: dict[str, dict[str, int]],
                        session: AsyncClientSession) -> dict[str, Document]:
    """Add minutes per volunteer and year (one bulk write); returns the totals after it."""
    await db.totals.bulk_write([
        UpdateOne({"_id": volunteer_id},
                  {"$inc": {"total_minutes": sum(by_year.values()),
                            **{f"years.{year}": m for year, m in by_year.items()}},
                   "$setOnInsert": {"star_level": 0}},
                  upsert=True)
        for volunteer_id, by_year in minutes.items()
    ], ordered=False, session=session)
    docs = await db.totals.find({"_id": {"$in": list(minutes)}}, session=session).to_list()
    return {d["_id"]: d for d in docs}


async def set_star_levels(db: Database, levels: dict[str, int],
                          session: AsyncClientSession) -> None:
    if levels:
        await db.totals.bulk_write([
            UpdateOne({"_id": volunteer_id}, {"$set": {"star_level": level}})
            for volunteer_id, level in levels.items()
        ], ordered=False, session=session)


async def totals_of(db: Database, volunteer_id: str) -> Document | None:
    return await db.totals.find_one({"_id": volunteer_id})


async def entries_of(db: Database, volunteer_id: str, *, skip: int, limit: int
                     ) -> tuple[list[Document], int]:
    query = {"volunteer_id": volunteer_id}
    total = await db.ledger.count_documents(query)
    docs = await db.ledger.find(query).sort([("service_date", DESCENDING),
                                             ("recorded_at", DESCENDING)]
                                            ).skip(skip).limit(limit).to_list()
    return docs, total

"""MongoDB access: one client per process, one database per service (``<prefix><service>``).

Only ``store.py`` modules and the outbox/inbox know collections; everything else goes through
them. Driver-standard PyMongo async API, so a real ``mongod`` replica set works unchanged through
``MONGO_URL``; with SecantusDB the URL carries ``retryWrites=false``.
"""

from __future__ import annotations

from typing import Any

from bson.codec_options import CodecOptions
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from shared.settings import Settings

Document = dict[str, Any]
Database = AsyncDatabase[Document]
Client = AsyncMongoClient[Document]


def create_client(url: str) -> Client:
    return AsyncMongoClient(url, tz_aware=True, serverSelectionTimeoutMS=5_000,
                            appname="volunteer-platform")


def service_database(client: Client, settings: Settings, service: str) -> Database:
    name = f"{settings.mongo_db_prefix}{service}"
    return client.get_database(name, codec_options=CodecOptions(tz_aware=True))


async def ping(client: Client) -> bool:
    try:
        await client.admin.command("ping")
    except Exception:
        return False
    return True

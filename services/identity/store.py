"""Identity's collections, indexes and queries: the only module that knows MongoDB.

- ``users``: credentials, profile and real-name data (ID number Fernet-encrypted, plus a keyed
  blind index ``id_index`` for uniqueness: one account per ID document).
- ``organizations`` and ``memberships`` (who administers which organization).
- ``refresh_tokens``: sha256 of each token, its family (one login) and expiry.
- ``login_failures``: failed logins by a keyed hash of the mobile, for the rate limit.
- ``counters``: monotonic sequences (volunteer numbers, never reused).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from shared.mongo import Database, Document

Session = AsyncClientSession | None

VOLUNTEER_NO_SEQUENCE = "volunteer_no"
LOGIN_FAILURE_RETENTION = timedelta(days=1)


class Store:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.users = db["users"]
        self.organizations = db["organizations"]
        self.memberships = db["memberships"]
        self.refresh_tokens = db["refresh_tokens"]
        self.login_failures = db["login_failures"]
        self.counters = db["counters"]

    async def ensure_indexes(self) -> None:
        await self.users.create_index("mobile", unique=True)
        await self.users.create_index("id_index", unique=True,
                                      partialFilterExpression={"id_index": {"$type": "string"}})
        await self.users.create_index(
            "volunteer_no", unique=True,
            partialFilterExpression={"volunteer_no": {"$type": "string"}})
        await self.organizations.create_index("credit_code", unique=True)
        await self.memberships.create_index([("org_id", ASCENDING), ("user_id", ASCENDING)],
                                            unique=True)
        await self.memberships.create_index("user_id")
        await self.refresh_tokens.create_index("token_hash", unique=True)
        await self.refresh_tokens.create_index("family_id")
        await self.refresh_tokens.create_index("expires_at", expireAfterSeconds=0)
        await self.login_failures.create_index([("key", ASCENDING), ("at", DESCENDING)])
        await self.login_failures.create_index(
            "at", expireAfterSeconds=int(LOGIN_FAILURE_RETENTION.total_seconds()))

    # --- users -----------------------------------------------------------------------------

    async def next_sequence(self, name: str) -> int:
        doc = await self.counters.find_one_and_update(
            {"_id": name}, {"$inc": {"seq": 1}}, upsert=True,
            return_document=ReturnDocument.AFTER)
        if doc is None:  # an upsert with AFTER always returns the document
            raise RuntimeError(f"counter {name} not returned")
        return int(doc["seq"])

    async def find_user(self, user_id: str, session: Session = None) -> Document | None:
        return await self.users.find_one({"_id": user_id}, session=session)

    async def find_user_by_mobile(self, mobile: str) -> Document | None:
        return await self.users.find_one({"mobile": mobile})

    async def mobile_exists(self, mobile: str) -> bool:
        return await self.users.find_one({"mobile": mobile}, {"_id": 1}) is not None

    async def id_index_exists(self, id_index: str) -> bool:
        return await self.users.find_one({"id_index": id_index}, {"_id": 1}) is not None

    async def insert_user(self, doc: Document, session: Session = None) -> None:
        await self.users.insert_one(doc, session=session)

    async def update_user(self, user_id: str, changes: dict[str, Any],
                          session: Session = None) -> Document | None:
        return await self.users.find_one_and_update(
            {"_id": user_id}, {"$set": changes}, return_document=ReturnDocument.AFTER,
            session=session)

    async def set_password_hash(self, user_id: str, password_hash: str) -> None:
        await self.users.update_one({"_id": user_id}, {"$set": {"password_hash": password_hash}})

    # --- organizations ---------------------------------------------------------------------

    async def insert_organization(self, doc: Document, session: Session = None) -> None:
        await self.organizations.insert_one(doc, session=session)

    async def credit_code_exists(self, credit_code: str) -> bool:
        found = await self.organizations.find_one({"credit_code": credit_code}, {"_id": 1})
        return found is not None

    async def find_organization(self, org_id: str, session: Session = None) -> Document | None:
        return await self.organizations.find_one({"_id": org_id}, session=session)

    async def approve_organization(self, org_id: str, approved_by: str, at: datetime,
                                   session: Session = None) -> Document | None:
        """Pending -> approved; None when the organization is unknown or not pending."""
        return await self.organizations.find_one_and_update(
            {"_id": org_id, "status": "pending"},
            {"$set": {"status": "approved", "approved_by": approved_by, "approved_at": at}},
            return_document=ReturnDocument.AFTER, session=session)

    async def add_membership(self, org_id: str, user_id: str, at: datetime,
                             session: Session = None) -> bool:
        """Make ``user_id`` an admin of ``org_id``; False when they already are."""
        try:
            await self.memberships.insert_one(
                {"org_id": org_id, "user_id": user_id, "role": "org_admin", "created_at": at},
                session=session)
        except DuplicateKeyError:
            return False
        return True

    async def is_member(self, org_id: str, user_id: str) -> bool:
        found = await self.memberships.find_one({"org_id": org_id, "user_id": user_id}, {"_id": 1})
        return found is not None

    async def organizations_of(self, user_id: str) -> list[str]:
        cursor = self.memberships.find({"user_id": user_id}, {"org_id": 1}).sort("created_at", 1)
        return [str(d["org_id"]) async for d in cursor]

    async def admins_of(self, org_id: str, session: Session = None) -> list[str]:
        cursor = self.memberships.find({"org_id": org_id}, {"user_id": 1},
                                       session=session).sort("created_at", 1)
        return [str(d["user_id"]) async for d in cursor]

    # --- refresh tokens --------------------------------------------------------------------

    async def insert_refresh_token(self, token_hash: str, user_id: str, family_id: str,
                                   issued_at: datetime, expires_at: datetime,
                                   session: Session = None) -> None:
        await self.refresh_tokens.insert_one(
            {"token_hash": token_hash, "user_id": user_id, "family_id": family_id,
             "issued_at": issued_at, "expires_at": expires_at, "revoked_at": None},
            session=session)

    async def consume_refresh_token(self, token_hash: str, now: datetime,
                                    session: Session = None) -> Document | None:
        """Revoke a live token and return it; None if unknown, expired or already revoked."""
        return await self.refresh_tokens.find_one_and_update(
            {"token_hash": token_hash, "revoked_at": None, "expires_at": {"$gt": now}},
            {"$set": {"revoked_at": now}}, session=session)

    async def find_refresh_token(self, token_hash: str) -> Document | None:
        return await self.refresh_tokens.find_one({"token_hash": token_hash})

    async def revoke_family(self, family_id: str, now: datetime) -> int:
        result = await self.refresh_tokens.update_many(
            {"family_id": family_id, "revoked_at": None}, {"$set": {"revoked_at": now}})
        return result.modified_count

    # --- login failures --------------------------------------------------------------------

    async def record_login_failure(self, key: str, at: datetime) -> None:
        await self.login_failures.insert_one({"key": key, "at": at})

    async def recent_login_failures(self, key: str, since: datetime,
                                    limit: int) -> list[datetime]:
        cursor = self.login_failures.find({"key": key, "at": {"$gt": since}}, {"at": 1}) \
            .sort("at", DESCENDING).limit(limit)
        return [d["at"] async for d in cursor]

    async def clear_login_failures(self, key: str) -> None:
        await self.login_failures.delete_many({"key": key})

"""Projects' collections and queries: the only module that knows MongoDB here.

- ``projects``: a project with its embedded positions and status.
- ``enrollments``: one per (project, volunteer).
- ``attendance``: check-in/check-out visits.
- ``organizations``: a local copy of organizations built from identity's events.
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from shared.mongo import Database, Document
from shared.runtime import ServiceContext

Session = AsyncClientSession | None


async def ensure_indexes(ctx: ServiceContext) -> None:
    db = ctx.db
    await db.projects.create_index([("organization_id", ASCENDING), ("status", ASCENDING)])
    await db.projects.create_index([("status", ASCENDING), ("starts_at", ASCENDING)])
    await db.enrollments.create_index([("project_id", ASCENDING), ("volunteer_id", ASCENDING)],
                                      unique=True)
    await db.enrollments.create_index([("project_id", ASCENDING), ("position_id", ASCENDING),
                                       ("status", ASCENDING)])
    await db.attendance.create_index([("project_id", ASCENDING), ("volunteer_id", ASCENDING)])


async def get_project(db: Database, project_id: str, session: Session = None
                      ) -> Document | None:
    return await db.projects.find_one({"_id": project_id}, session=session)


async def insert_project(db: Database, project: Document, session: Session) -> None:
    await db.projects.insert_one(project, session=session)


async def set_status(db: Database, project_id: str, from_status: str, to_status: str,
                     session: Session, **fields: Any) -> bool:
    """Move a project between states; False when it was not in ``from_status``."""
    result = await db.projects.update_one({"_id": project_id, "status": from_status},
                                          {"$set": {"status": to_status, **fields}},
                                          session=session)
    return result.modified_count == 1


async def upsert_organization(db: Database, organization_id: str, session: Session,
                              **fields: Any) -> None:
    await db.organizations.update_one({"_id": organization_id}, {"$set": fields}, upsert=True,
                                      session=session)


async def organization_approved(db: Database, organization_id: str) -> bool:
    org = await db.organizations.find_one({"_id": organization_id})
    return bool(org and org.get("status") == "approved")


async def insert_enrollment(db: Database, enrollment: Document, session: Session) -> None:
    await db.enrollments.insert_one(enrollment, session=session)


async def get_enrollment(db: Database, project_id: str, enrollment_id: str,
                         session: Session = None) -> Document | None:
    return await db.enrollments.find_one({"_id": enrollment_id, "project_id": project_id},
                                         session=session)


async def count_approved(db: Database, project_id: str, position_id: str,
                         session: Session) -> int:
    return await db.enrollments.count_documents(
        {"project_id": project_id, "position_id": position_id, "status": "approved"},
        session=session)


async def set_enrollment_status(db: Database, enrollment_id: str, from_status: str,
                                to_status: str, session: Session) -> Document | None:
    return await db.enrollments.find_one_and_update(
        {"_id": enrollment_id, "status": from_status}, {"$set": {"status": to_status}},
        return_document=ReturnDocument.AFTER, session=session)


async def approved_enrollments(db: Database, project_id: str, session: Session
                               ) -> list[Document]:
    return await db.enrollments.find({"project_id": project_id, "status": "approved"},
                                     session=session).to_list()


async def insert_attendance(db: Database, visit: Document, session: Session) -> None:
    await db.attendance.insert_one(visit, session=session)


async def attendance_of(db: Database, project_id: str, session: Session) -> list[Document]:
    return await db.attendance.find({"project_id": project_id}, session=session).to_list()

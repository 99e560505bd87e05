"""Projects' HTTP routes: parse, authorize, call the service layer, shape the response."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, status

from services.projects import service
from services.projects.schemas import (
    AttendanceIn,
    CompletionIn,
    CompletionOut,
    EnrollmentIn,
    EnrollmentOut,
    PositionOut,
    ProjectIn,
    ProjectOut,
)
from shared.auth import CurrentVolunteer, OrgAdmin
from shared.mongo import Document
from shared.runtime import ServiceContext, context_of

router = APIRouter(prefix="/api/v1/projects", tags=["projects"])
Ctx = Annotated[ServiceContext, context_of("projects")]


def _project_out(doc: Document) -> ProjectOut:
    return ProjectOut(
        id=doc["_id"], **{k: doc[k] for k in (
            "organization_id", "status", "title", "description", "category", "service_area",
            "industry", "address", "starts_at", "ends_at")},
        positions=[PositionOut(**p) for p in doc["positions"]],
    )


def _enrollment_out(doc: Document) -> EnrollmentOut:
    return EnrollmentOut(id=doc["_id"], project_id=doc["project_id"],
                         position_id=doc["position_id"], volunteer_id=doc["volunteer_id"],
                         status=doc["status"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_project(body: ProjectIn, staff: OrgAdmin, ctx: Ctx) -> ProjectOut:
    return _project_out(await service.create_project(ctx, staff, body))


@router.get("/{project_id}")
async def get_project(project_id: str, ctx: Ctx) -> ProjectOut:
    return _project_out(await service.get_project(ctx, project_id))


@router.post("/{project_id}/publish")
async def publish_project(project_id: str, staff: OrgAdmin, ctx: Ctx) -> ProjectOut:
    return _project_out(await service.publish_project(ctx, staff, project_id))


@router.post("/{project_id}/enrollments", status_code=status.HTTP_201_CREATED)
async def enroll(project_id: str, body: EnrollmentIn, volunteer: CurrentVolunteer,
                 ctx: Ctx) -> EnrollmentOut:
    return _enrollment_out(await service.enroll(ctx, volunteer, project_id, body))


@router.post("/{project_id}/enrollments/{enrollment_id}/approve")
async def approve_enrollment(project_id: str, enrollment_id: str, staff: OrgAdmin,
                             ctx: Ctx) -> EnrollmentOut:
    return _enrollment_out(
        await service.approve_enrollment(ctx, staff, project_id, enrollment_id))


@router.post("/{project_id}/attendance", status_code=status.HTTP_201_CREATED)
async def record_attendance(project_id: str, body: AttendanceIn, staff: OrgAdmin,
                            ctx: Ctx) -> dict[str, str]:
    visit = await service.record_attendance(ctx, staff, project_id, body)
    return {"id": visit["_id"]}


@router.post("/{project_id}/complete", status_code=status.HTTP_202_ACCEPTED)
async def complete_project(project_id: str, body: CompletionIn, staff: OrgAdmin,
                           ctx: Ctx) -> CompletionOut:
    """Complete the project with every approved volunteer's attendance and evaluation.

    202: the hours are computed and committed with the ProjectCompleted events; the hours
    service credits them asynchronously."""
    return await service.complete_project(ctx, staff, project_id, body)

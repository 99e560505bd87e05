"""Projects' use cases: the only place that writes. Each runs in one transaction with the events
it causes (outbox)."""

from __future__ import annotations

from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from pymongo.errors import DuplicateKeyError

from services.projects import rules, store
from services.projects.errors import (
    AlreadyCompleted,
    AlreadyEnrolled,
    CannotCreditSelf,
    EnrollmentNotFound,
    EvaluationsIncomplete,
    InvalidProjectState,
    InvalidTimes,
    NotEnrolled,
    NotOrganizationAdmin,
    OrganizationNotApproved,
    PositionFull,
    PositionNotFound,
    ProjectNotFound,
)
from services.projects.schemas import (
    AttendanceIn,
    CompletionIn,
    CompletionOut,
    EnrollmentIn,
    ProjectIn,
)
from shared.auth import Principal
from shared.events import (
    EnrollmentApproved,
    Evaluation,
    HoursRuleAttended,
    HoursRuleFixed,
    PositionInfo,
    ProjectCompleted,
    ProjectPublished,
    ServiceRecord,
    new_id,
    utcnow,
)
from shared.logging import get_logger
from shared.mongo import Document
from shared.outbox import Tx
from shared.runtime import ServiceContext
from shared.units import hours_to_minutes

log = get_logger("projects")


def _rule(raw: dict[str, Any]) -> rules.HoursRule:
    if raw["type"] == "fixed":
        return HoursRuleFixed.model_validate(raw)
    return HoursRuleAttended.model_validate(raw)


def _authorize_staff(principal: Principal, project: Document) -> None:
    if not principal.administers(project["organization_id"]):
        raise NotOrganizationAdmin()


async def _project(ctx: ServiceContext, project_id: str, tx: Tx | None = None) -> Document:
    project = await store.get_project(ctx.db, project_id, tx.session if tx else None)
    if project is None:
        raise ProjectNotFound()
    return project


async def create_project(ctx: ServiceContext, principal: Principal, body: ProjectIn
                         ) -> Document:
    if not principal.administers(body.organization_id):
        raise NotOrganizationAdmin()
    positions = []
    for p in body.positions:
        rule: dict[str, Any]
        if p.hours_rule.type == "fixed":
            rule = {"type": "fixed", "minutes_per_day": hours_to_minutes(p.hours_rule.hours)}
        else:
            rule = {"type": "attended", "round_minutes": p.hours_rule.round_minutes,
                    "max_minutes_per_day": hours_to_minutes(p.hours_rule.max_hours_per_day),
                    "break_minutes": p.hours_rule.break_minutes}
        positions.append({"id": new_id(), "name": p.name, "capacity": p.capacity,
                          "requirements": p.requirements, "hours_rule": rule})
    project = {
        "_id": new_id(), "status": "draft", "created_by": principal.user_id,
        "created_at": utcnow(), **body.model_dump(exclude={"positions"}),
        "positions": positions,
    }

    async def write(tx: Tx) -> None:
        await store.insert_project(tx.db, project, tx.session)

    await ctx.transaction(write)
    log.info("project_created", project_id=project["_id"])
    return project


async def get_project(ctx: ServiceContext, project_id: str) -> Document:
    return await _project(ctx, project_id)


async def publish_project(ctx: ServiceContext, principal: Principal, project_id: str
                          ) -> Document:
    project = await _project(ctx, project_id)
    _authorize_staff(principal, project)
    if not await store.organization_approved(ctx.db, project["organization_id"]):
        raise OrganizationNotApproved()

    async def write(tx: Tx) -> None:
        if not await store.set_status(tx.db, project_id, "draft", "recruiting", tx.session,
                                      published_at=utcnow()):
            raise InvalidProjectState("Only a draft project can be published.")
        tx.emit(ProjectPublished(
            project_id=project_id, organization_id=project["organization_id"],
            title=project["title"], category=project["category"],
            service_area=project["service_area"], industry=project["industry"],
            starts_at=project["starts_at"], ends_at=project["ends_at"],
            positions=[PositionInfo(position_id=p["id"], name=p["name"],
                                    capacity=p["capacity"], hours_rule=_rule(p["hours_rule"]))
                       for p in project["positions"]],
        ))

    await ctx.transaction(write)
    return await _project(ctx, project_id)


async def enroll(ctx: ServiceContext, principal: Principal, project_id: str, body: EnrollmentIn
                 ) -> Document:
    project = await _project(ctx, project_id)
    if project["status"] != "recruiting":
        raise InvalidProjectState("The project is not recruiting.")
    if body.position_id not in {p["id"] for p in project["positions"]}:
        raise PositionNotFound()
    enrollment = {"_id": new_id(), "project_id": project_id, "position_id": body.position_id,
                  "volunteer_id": principal.user_id, "status": "pending",
                  "created_at": utcnow()}

    async def write(tx: Tx) -> None:
        await store.insert_enrollment(tx.db, enrollment, tx.session)

    try:
        await ctx.transaction(write)
    except DuplicateKeyError as exc:
        raise AlreadyEnrolled() from exc
    return enrollment


async def approve_enrollment(ctx: ServiceContext, principal: Principal, project_id: str,
                             enrollment_id: str) -> Document:
    project = await _project(ctx, project_id)
    _authorize_staff(principal, project)
    capacity = {p["id"]: p["capacity"] for p in project["positions"]}

    async def write(tx: Tx) -> Document:
        enrollment = await store.get_enrollment(tx.db, project_id, enrollment_id, tx.session)
        if enrollment is None:
            raise EnrollmentNotFound()
        if enrollment["volunteer_id"] == principal.user_id:
            raise CannotCreditSelf()
        taken = await store.count_approved(tx.db, project_id, enrollment["position_id"],
                                           tx.session)
        if taken >= capacity[enrollment["position_id"]]:
            raise PositionFull()
        approved = await store.set_enrollment_status(tx.db, enrollment_id, "pending",
                                                     "approved", tx.session)
        if approved is None:
            raise InvalidProjectState("Only a pending enrolment can be approved.")
        tx.emit(EnrollmentApproved(
            enrollment_id=enrollment_id, project_id=project_id,
            organization_id=project["organization_id"], position_id=approved["position_id"],
            volunteer_id=approved["volunteer_id"], project_title=project["title"]))
        return approved

    return await ctx.transaction(write)


async def record_attendance(ctx: ServiceContext, principal: Principal, project_id: str,
                            body: AttendanceIn) -> Document:
    project = await _project(ctx, project_id)
    _authorize_staff(principal, project)
    if body.check_out <= body.check_in:
        raise InvalidTimes("check_out must be after check_in.")
    tz = ZoneInfo(ctx.settings.timezone)
    if rules.service_day(body.check_in, tz) != rules.service_day(body.check_out, tz):
        raise InvalidTimes("A visit must start and end on the same service day.")
    visit = {"_id": new_id(), "project_id": project_id, "volunteer_id": body.volunteer_id,
             "check_in": body.check_in.astimezone(UTC),
             "check_out": body.check_out.astimezone(UTC),
             "recorded_by": principal.user_id, "recorded_at": utcnow()}

    async def write(tx: Tx) -> None:
        approved = {e["volunteer_id"]
                    for e in await store.approved_enrollments(tx.db, project_id, tx.session)}
        if body.volunteer_id not in approved:
            raise NotEnrolled()
        await store.insert_attendance(tx.db, visit, tx.session)

    await ctx.transaction(write)
    return visit


async def complete_project(ctx: ServiceContext, principal: Principal, project_id: str,
                           body: CompletionIn) -> CompletionOut:
    """Compute every approved volunteer's minutes and publish ProjectCompleted (in parts)."""
    project = await _project(ctx, project_id)
    _authorize_staff(principal, project)
    tz = ZoneInfo(ctx.settings.timezone)
    positions = {p["id"]: p for p in project["positions"]}
    first_day = rules.service_day(project["starts_at"], tz)
    completion_id = new_id()

    async def write(tx: Tx) -> CompletionOut:
        current = await _project(ctx, project_id, tx)
        if current["status"] == "completed":
            raise AlreadyCompleted()
        if current["status"] != "recruiting":
            raise InvalidProjectState("Only a published project can be completed.")
        enrolled = {e["volunteer_id"]: e
                    for e in await store.approved_enrollments(tx.db, project_id, tx.session)}
        given = {e.volunteer_id: e for e in body.evaluations}
        if principal.user_id in given:
            raise CannotCreditSelf()
        if unknown := sorted(set(given) - set(enrolled)):
            raise NotEnrolled(volunteer_ids=unknown[:20])
        if missing := sorted(set(enrolled) - set(given)):
            raise EvaluationsIncomplete(volunteer_ids=missing[:20])
        visits: dict[str, list[rules.Visit]] = {}
        for v in await store.attendance_of(tx.db, project_id, tx.session):
            visits.setdefault(v["volunteer_id"], []).append(
                rules.Visit(v["check_in"], v["check_out"]))
        records: list[ServiceRecord] = []
        for volunteer_id, evaluation in sorted(given.items()):
            position_id = enrolled[volunteer_id]["position_id"]
            rule = _rule(positions[position_id]["hours_rule"])
            days = rules.minutes_by_day(rule, visits.get(volunteer_id, []),
                                        evaluation.attended, first_day, tz)
            for day, minutes in days.items():
                records.append(ServiceRecord(
                    volunteer_id=volunteer_id, position_id=position_id, service_date=day,
                    attended=evaluation.attended, minutes=minutes,
                    evaluation=Evaluation(punctuality=evaluation.punctuality,
                                          attitude=evaluation.attitude,
                                          professionalism=evaluation.professionalism,
                                          comment=evaluation.comment)))
        if not await store.set_status(tx.db, project_id, "recruiting", "completed", tx.session,
                                      completed_at=utcnow(), completed_by=principal.user_id,
                                      completion_id=completion_id,
                                      evaluations=[e.model_dump() for e in body.evaluations]):
            raise AlreadyCompleted()
        parts = [records[i:i + rules.MAX_RECORDS_PER_MESSAGE]
                 for i in range(0, len(records), rules.MAX_RECORDS_PER_MESSAGE)]
        for number, part in enumerate(parts, start=1):
            tx.emit(ProjectCompleted(
                project_id=project_id, organization_id=project["organization_id"],
                project_title=project["title"], category=project["category"],
                service_area=project["service_area"], completion_id=completion_id,
                completed_by=principal.user_id, part=number, parts=len(parts), records=part))
        return CompletionOut(project_id=project_id, status="completed",
                             completion_id=completion_id, records=len(records),
                             messages=len(parts))

    result = await ctx.transaction(write)
    log.info("project_completed", project_id=project_id, records=result.records,
             messages=result.messages)
    return result


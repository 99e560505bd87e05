"""Every event contract the services exchange: the language they share (SPEC §2, §2.1).

An event on the wire is an :class:`Envelope` whose ``data`` is one of the contracts below. The
routing key is the event type (``ProjectCompleted``). Contracts are versioned: a breaking change
gets a new class with ``VERSION = 2`` and the same ``TYPE``; consumers ignore unknown fields and
send a payload they cannot validate to the dead-letter queue.

Hours travel as integer minutes. Personal data (ID numbers, mobile numbers) never travels
unmasked.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field


def new_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


class Envelope(BaseModel):
    """The wire format of every event."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(default_factory=new_id)
    type: str
    version: int = 1
    occurred_at: datetime = Field(default_factory=utcnow)
    producer: str
    correlation_id: str
    causation_id: str | None = None
    data: dict[str, Any]

    @property
    def routing_key(self) -> str:
        return routing_key(self.type)


def routing_key(event_type: str) -> str:
    """Routing key on the topic exchange: the event type itself."""
    return event_type


class Event(BaseModel):
    """Base of every contract: the ``data`` of an envelope."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1


# --- identity -------------------------------------------------------------------------------

class Preferences(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    service_areas: list[str] = []
    categories: list[str] = []
    industries: list[str] = []


class VolunteerRegistered(Event):
    TYPE: ClassVar[str] = "VolunteerRegistered"
    volunteer_id: str
    volunteer_no: str
    display_name: str
    real_name_masked: str
    id_type: str
    id_number_masked: str
    birth_date: date | None = None
    preferences: Preferences = Preferences()


class VolunteerProfileUpdated(Event):
    TYPE: ClassVar[str] = "VolunteerProfileUpdated"
    volunteer_id: str
    display_name: str
    preferences: Preferences = Preferences()


class OrganizationRegistered(Event):
    TYPE: ClassVar[str] = "OrganizationRegistered"
    organization_id: str
    name: str
    district: str
    admin_user_id: str


class OrganizationApproved(Event):
    TYPE: ClassVar[str] = "OrganizationApproved"
    organization_id: str
    name: str
    admin_user_ids: list[str] = []


class WeChatBound(Event):
    TYPE: ClassVar[str] = "WeChatBound"
    user_id: str
    openid: str


# --- projects -------------------------------------------------------------------------------

class HoursRuleFixed(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    type: Literal["fixed"] = "fixed"
    minutes_per_day: int = Field(ge=0)


class HoursRuleAttended(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    type: Literal["attended"] = "attended"
    round_minutes: int = Field(ge=1)
    max_minutes_per_day: int = Field(ge=0)
    break_minutes: int = Field(ge=0)


class PositionInfo(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    position_id: str
    name: str
    capacity: int
    hours_rule: HoursRuleFixed | HoursRuleAttended = Field(discriminator="type")


class ProjectPublished(Event):
    TYPE: ClassVar[str] = "ProjectPublished"
    project_id: str
    organization_id: str
    title: str
    category: str
    service_area: str
    industry: str
    starts_at: datetime
    ends_at: datetime
    positions: list[PositionInfo]


class EnrollmentApproved(Event):
    TYPE: ClassVar[str] = "EnrollmentApproved"
    enrollment_id: str
    project_id: str
    organization_id: str
    position_id: str
    volunteer_id: str
    project_title: str


class EnrollmentCancelled(Event):
    TYPE: ClassVar[str] = "EnrollmentCancelled"
    enrollment_id: str
    project_id: str
    position_id: str
    volunteer_id: str
    reason: str


class ProjectCancelled(Event):
    TYPE: ClassVar[str] = "ProjectCancelled"
    project_id: str
    organization_id: str
    title: str
    reason: str
    volunteer_ids: list[str] = []


class Evaluation(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    punctuality: int = Field(ge=1, le=5)
    attitude: int = Field(ge=1, le=5)
    professionalism: int = Field(ge=1, le=5)
    comment: str | None = None


class ServiceRecord(BaseModel):
    """One volunteer's service on one day in one position, as computed at completion."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    volunteer_id: str
    position_id: str
    service_date: date
    attended: bool
    minutes: int = Field(ge=0)
    evaluation: Evaluation | None = None


class ProjectCompleted(Event):
    """A completed project's service records. A very large project splits its records over
    several messages: ``part`` of ``parts`` (1-based), all with the same ``completion_id``."""

    TYPE: ClassVar[str] = "ProjectCompleted"
    project_id: str
    organization_id: str
    project_title: str
    category: str
    service_area: str
    completion_id: str
    completed_by: str
    part: int = Field(default=1, ge=1)
    parts: int = Field(default=1, ge=1)
    records: list[ServiceRecord]


# --- hours ----------------------------------------------------------------------------------

HoursSource = Literal["project_completion", "organizer_entry", "hours_code", "self_report",
                      "correction"]


class HoursGranted(Event):
    TYPE: ClassVar[str] = "HoursGranted"
    entry_id: str
    volunteer_id: str
    project_id: str
    position_id: str
    project_title: str = ""
    service_date: date
    minutes: int
    source: HoursSource
    total_minutes: int
    year_minutes: int


class HoursRevoked(Event):
    TYPE: ClassVar[str] = "HoursRevoked"
    entry_id: str
    corrected_entry_id: str
    volunteer_id: str
    project_id: str
    minutes: int
    reason: str
    total_minutes: int


class StarLevelReached(Event):
    TYPE: ClassVar[str] = "StarLevelReached"
    volunteer_id: str
    star_level: int
    total_minutes: int


class CertificateIssued(Event):
    TYPE: ClassVar[str] = "CertificateIssued"
    certificate_id: str
    certificate_no: str
    volunteer_id: str
    total_minutes: int


class SelfReportReviewed(Event):
    TYPE: ClassVar[str] = "SelfReportReviewed"
    report_id: str
    volunteer_id: str
    project_id: str
    outcome: Literal["confirmed", "reduced", "declined"]
    reported_minutes: int
    granted_minutes: int
    comment: str


class AppealResolved(Event):
    TYPE: ClassVar[str] = "AppealResolved"
    appeal_id: str
    volunteer_id: str
    outcome: Literal["corrected", "refused"]
    comment: str
    correction_entry_id: str | None = None


CONTRACTS: dict[str, type[Event]] = {
    c.TYPE: c
    for c in (
        VolunteerRegistered, VolunteerProfileUpdated, OrganizationRegistered,
        OrganizationApproved, WeChatBound, ProjectPublished, EnrollmentApproved,
        EnrollmentCancelled, ProjectCancelled, ProjectCompleted, HoursGranted, HoursRevoked,
        StarLevelReached, CertificateIssued, SelfReportReviewed, AppealResolved,
    )
}
"""Every current contract by type. Older versions, when there are any, live beside them."""

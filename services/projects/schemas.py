"""Projects' request and response bodies (SPEC §4.1)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from shared.units import HoursAmount

Text = Annotated[str, Field(min_length=1, max_length=200)]
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _within_service_era(moment: datetime) -> datetime:
    # Compared as instants, never converted: near year 1 or 9999 an offset pushes the UTC
    # (or platform time zone) value out of datetime's range, which would fail deep in the
    # rules or the BSON encoder instead of here.
    if not EARLIEST <= moment < LATEST:
        raise ValueError(f"must be from {EARLIEST:%Y-%m-%d} (UTC) and before {LATEST:%Y-%m-%d}")
    return moment


Moment = Annotated[AwareDatetime, AfterValidator(_within_service_era)]
"""A point in time of a project (ISO 8601 with offset), within the years the platform serves."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FixedRuleIn(Strict):
    type: Literal["fixed"]
    hours: Annotated[HoursAmount, Field(gt=0, le=24)]


class AttendedRuleIn(Strict):
    type: Literal["attended"]
    round_minutes: int = Field(default=30, ge=1, le=240)
    max_hours_per_day: Annotated[HoursAmount, Field(gt=0, le=24)] = Decimal(8)
    break_minutes: int = Field(default=0, ge=0, le=600)


class PositionIn(Strict):
    name: Text
    capacity: int = Field(ge=1, le=100_000)
    requirements: str = Field(default="", max_length=2000)
    hours_rule: FixedRuleIn | AttendedRuleIn = Field(discriminator="type")


class ProjectIn(Strict):
    organization_id: Id
    title: Text
    description: str = Field(default="", max_length=10_000)
    category: Text
    service_area: Text
    industry: Text
    address: Text
    starts_at: Moment
    ends_at: Moment
    positions: list[PositionIn] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def ends_after_start(self) -> ProjectIn:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class PositionOut(BaseModel):
    id: str
    name: str
    capacity: int
    requirements: str
    hours_rule: dict[str, object]


class ProjectOut(BaseModel):
    id: str
    organization_id: str
    status: str
    title: str
    description: str
    category: str
    service_area: str
    industry: str
    address: str
    starts_at: datetime
    ends_at: datetime
    positions: list[PositionOut]


class EnrollmentIn(Strict):
    position_id: Id


class EnrollmentOut(BaseModel):
    id: str
    project_id: str
    position_id: str
    volunteer_id: str
    status: str


class AttendanceIn(Strict):
    volunteer_id: Id
    check_in: Moment
    check_out: Moment


class EvaluationIn(Strict):
    volunteer_id: Id
    attended: bool
    punctuality: int = Field(ge=1, le=5)
    attitude: int = Field(ge=1, le=5)
    professionalism: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=500)


class CompletionIn(Strict):
    evaluations: list[EvaluationIn] = Field(min_length=1, max_length=100_000)


class CompletionOut(BaseModel):
    project_id: str
    status: str
    completion_id: str
    records: int
    messages: int

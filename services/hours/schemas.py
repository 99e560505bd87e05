"""Hours' response bodies: decimal hours (2 places) outside, integer minutes inside."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel


class HoursSummary(BaseModel):
    total_hours: Decimal
    total_minutes: int
    year: str
    year_hours: Decimal
    star_level: int
    next_level_hours: Decimal | None


class LedgerRecord(BaseModel):
    id: str
    project_id: str
    position_id: str
    organization_id: str
    project_title: str
    service_date: date
    hours: Decimal
    minutes: int
    source: str
    evaluation: dict[str, object] | None
    recorded_by: str
    recorded_at: datetime


class LedgerPage(BaseModel):
    items: list[LedgerRecord]
    total: int
    page: int
    page_size: int

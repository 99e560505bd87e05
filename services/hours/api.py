"""Hours' HTTP routes: parse, authorize, call the service layer, shape the response."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query

from services.hours import service, store
from services.hours.schemas import HoursSummary, LedgerPage, LedgerRecord
from shared.auth import CurrentVolunteer
from shared.runtime import ServiceContext, context_of
from shared.units import minutes_to_hours

router = APIRouter(prefix="/api/v1/hours", tags=["hours"])
Ctx = Annotated[ServiceContext, context_of("hours")]


@router.get("/me")
async def my_hours(volunteer: CurrentVolunteer, ctx: Ctx) -> HoursSummary:
    """Totals (all time and this year, in the platform's time zone), star level."""
    year = str(datetime.now(ZoneInfo(ctx.settings.timezone)).year)
    s = await service.summary(ctx, volunteer.user_id, year)
    nxt = s["next_level_minutes"]
    return HoursSummary(
        total_hours=minutes_to_hours(s["total_minutes"]), total_minutes=s["total_minutes"],
        year=year, year_hours=minutes_to_hours(s["year_minutes"]), star_level=s["star_level"],
        next_level_hours=minutes_to_hours(nxt) if nxt is not None else None)


@router.get("/me/records")
async def my_records(volunteer: CurrentVolunteer, ctx: Ctx,
                     page: Annotated[int, Query(ge=1, le=10_000)] = 1,
                     page_size: Annotated[int, Query(ge=1, le=200)] = 50) -> LedgerPage:
    docs, total = await store.entries_of(ctx.db, volunteer.user_id,
                                         skip=(page - 1) * page_size, limit=page_size)
    items = [LedgerRecord(id=d["_id"], hours=minutes_to_hours(d["minutes"]),
                          **{k: d[k] for k in (
                              "project_id", "position_id", "organization_id", "project_title",
                              "service_date", "minutes", "source", "evaluation", "recorded_by",
                              "recorded_at")})
             for d in docs]
    return LedgerPage(items=items, total=total, page=page, page_size=page_size)

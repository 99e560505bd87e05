"""ProjectCompleted → ledger, totals, HoursGranted and StarLevelReached, exactly once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from prometheus_client import REGISTRY

from services.hours.app import service as hours_service
from shared.bus import Subscription
from shared.events import (
    Envelope,
    Evaluation,
    HoursGranted,
    ProjectCompleted,
    ServiceRecord,
    StarLevelReached,
    new_id,
)
from shared.runtime import ServiceContext
from tests.conftest import SettingsFactory, running_app
from tests.helpers import eventually


class Spy:
    def __init__(self) -> None:
        self.events: list[Any] = []

    async def __call__(self, envelope: Envelope, event: Any) -> None:
        self.events.append(event)


@pytest.fixture
async def hours(make_settings: SettingsFactory) -> AsyncIterator[tuple[ServiceContext, Spy]]:
    settings = make_settings(rabbit=False, star_level_hours=[10, 20])
    async with running_app([hours_service], settings) as (app, _):
        spy = Spy()
        await app.state.bus.subscribe("spy", Subscription(
            {HoursGranted: spy, StarLevelReached: spy}))
        yield app.state.runners["hours"].context, spy


def record(volunteer: str, day: int, minutes: int, attended: bool = True) -> ServiceRecord:
    return ServiceRecord(volunteer_id=volunteer, position_id="pos", attended=attended,
                         service_date=date(2026, 11, day), minutes=minutes,
                         evaluation=Evaluation(punctuality=5, attitude=4, professionalism=3))


def completed(records: list[ServiceRecord], project: str = "p1") -> Envelope:
    event = ProjectCompleted(project_id=project, organization_id="o1", project_title="清洁河道",
                             category="环保", service_area="海淀区", completion_id=new_id(),
                             completed_by="staff", records=records)
    return Envelope(type=event.TYPE, producer="test", correlation_id="c",
                    data=event.model_dump(mode="json"))


async def ledger(ctx: ServiceContext, volunteer: str) -> list[dict[str, Any]]:
    return await ctx.db.ledger.find({"volunteer_id": volunteer}).sort("service_date").to_list()


async def test_each_record_becomes_one_entry_and_totals_run(
        hours: tuple[ServiceContext, Spy]) -> None:
    ctx, spy = hours
    await ctx.bus.publish([completed([
        record("ann", 1, 300), record("ann", 2, 360), record("bob", 1, 90),
        record("cat", 1, 0, attended=False),  # a no-show: no entry
    ])])

    await eventually(lambda: _count(spy, HoursGranted, 3), what="three grants")
    ann = await ledger(ctx, "ann")
    assert [(e["service_date"], e["minutes"], e["source"]) for e in ann] == [
        ("2026-11-01", 300, "project_completion"), ("2026-11-02", 360, "project_completion")]
    assert ann[0]["evaluation"] == {"punctuality": 5, "attitude": 4, "professionalism": 3,
                                    "comment": None}
    assert await ledger(ctx, "cat") == []
    totals = {t["_id"]: t for t in await ctx.db.totals.find().to_list()}
    assert totals["ann"]["total_minutes"] == 660 and totals["ann"]["years"] == {"2026": 660}
    assert totals["bob"]["total_minutes"] == 90
    running = sorted((e.volunteer_id, e.total_minutes) for e in spy.events
                     if isinstance(e, HoursGranted))
    assert running == [("ann", 300), ("ann", 660), ("bob", 90)]


async def test_star_level_reached_once_when_crossed(hours: tuple[ServiceContext, Spy]) -> None:
    ctx, spy = hours  # levels at 10 h and 20 h in this test
    await ctx.bus.publish([completed([record("ann", 1, 540)], project="p1")])
    await eventually(lambda: _count(spy, HoursGranted, 1))
    await ctx.bus.publish([completed([record("ann", 2, 120)], project="p2")])  # 11 h: 1★
    await eventually(lambda: _count(spy, StarLevelReached, 1))
    await ctx.bus.publish([completed([record("ann", 3, 60)], project="p3")])  # 12 h: still 1★
    await eventually(lambda: _count(spy, HoursGranted, 3))

    stars = [e for e in spy.events if isinstance(e, StarLevelReached)]
    assert [(s.volunteer_id, s.star_level, s.total_minutes) for s in stars] == [("ann", 1, 660)]
    assert (await ctx.db.totals.find_one({"_id": "ann"}))["star_level"] == 1


async def test_a_second_grant_for_the_same_day_is_refused(
        hours: tuple[ServiceContext, Spy]) -> None:
    ctx, spy = hours
    first = completed([record("ann", 1, 120)])
    again = completed([record("ann", 1, 480), record("ann", 2, 60)])  # same project, day 1 again
    await ctx.bus.publish([first])
    await eventually(lambda: _count(spy, HoursGranted, 1))
    await ctx.bus.publish([again])
    await eventually(lambda: _count(spy, HoursGranted, 2))

    assert [(e["service_date"], e["minutes"]) for e in await ledger(ctx, "ann")] == [
        ("2026-11-01", 120), ("2026-11-02", 60)]
    assert (await ctx.db.totals.find_one({"_id": "ann"}))["total_minutes"] == 180


async def _count(spy: Spy, kind: type, n: int) -> bool:
    return sum(isinstance(e, kind) for e in spy.events) >= n


async def test_a_completion_whose_every_grant_is_refused_is_handled_not_dead_lettered(
        hours: tuple[ServiceContext, Spy]) -> None:
    ctx, spy = hours
    records = [record("ann", 1, 120), record("bob", 1, 60)]
    await ctx.bus.publish([completed(records)])
    await eventually(lambda: _count(spy, HoursGranted, 2))
    queue = f"{ctx.settings.queue_prefix}hours"
    before = _handled(queue)

    await ctx.bus.publish([completed(records)])  # the same service again, under a new event id

    await eventually(lambda: _handled(queue) == before + 1, what="the re-sent event")
    assert await ctx.bus.dead_letters(queue) == []
    assert await ctx.db.ledger.count_documents({}) == 2
    assert sum(isinstance(e, HoursGranted) for e in spy.events) == 2


def _handled(queue: str) -> float:
    return REGISTRY.get_sample_value("events_handled_total", {
        "queue": queue, "type": "ProjectCompleted", "outcome": "ok"}) or 0.0

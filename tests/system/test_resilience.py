"""SPEC §5 Reliability: with at-least-once delivery the effects are exactly once. Services are
killed (SIGKILL: no shutdown, no last ack) in the middle of a large completion and restarted;
every hour arrives, none twice, and every volunteer is notified once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from shared.events import new_id, utcnow
from tests.conftest import SettingsFactory
from tests.factories import auth, mobile
from tests.helpers import eventually
from tests.system.scenes import platform, set_the_scene

VOLUNTEERS = 700  # two ProjectCompleted messages (at most 500 records each)


async def test_killing_hours_and_notifications_mid_stream_loses_and_doubles_nothing(
        make_settings: SettingsFactory, tmp_path: Path) -> None:
    admin_mobile = mobile()
    # one message at a time per consumer, so "after the first part" is "before the second"
    async with platform("distributed", make_settings, admin_mobile, tmp_path,
                        bus_concurrency=1) as p:
        assert p.processes is not None
        scene = await set_the_scene(p.client, admin_mobile)
        projects, hours, notifications = (p.databases[n] for n in
                                          ("projects", "hours", "notifications"))
        # Enrolments straight into projects' store: registering 700 people over HTTP would
        # take minutes of password hashing and prove nothing more here.
        crowd = [f"crowd-{i:04d}" for i in range(VOLUNTEERS - 1)]
        await projects.enrollments.insert_many([
            {"_id": new_id(), "project_id": scene.project_id, "position_id": scene.position_id,
             "volunteer_id": v, "status": "approved", "created_at": utcnow()} for v in crowd])
        everyone = [scene.volunteer_id, *crowd]

        response = await p.client.post(
            f"/api/v1/projects/{scene.project_id}/complete", headers=auth(scene.staff_token),
            json={"evaluations": [{"volunteer_id": v, "attended": True, "punctuality": 5,
                                   "attitude": 5, "professionalism": 5} for v in everyone]})
        assert response.status_code == 202, response.text
        assert response.json()["messages"] == 2

        async def ledger() -> int:
            return await hours.ledger.count_documents({"project_id": scene.project_id})

        async def notified() -> int:
            return await notifications.notices.count_documents({"type": "hours_granted"})

        # hours dies once its first part has committed, while it works on the second
        await eventually(ledger, timeout=60, interval=0.01, what="the first grants")
        p.processes.kill("hours")
        hours_at_kill = await ledger()
        p.processes.start("hours")
        # notifications dies part-way through the inbox
        await eventually(lambda: _at_least(notified, 100), timeout=90, interval=0.02,
                         what="the first inbox items")
        p.processes.kill("notifications")
        p.processes.start("notifications")
        await p.processes.wait_ready("hours", "notifications")

        await eventually(lambda: _at_least(ledger, VOLUNTEERS), timeout=120, what="all grants")
        await eventually(lambda: _at_least(notified, VOLUNTEERS), timeout=180,
                         what="every inbox item")

        assert hours_at_kill < VOLUNTEERS, "the kill came after everything was done"
        assert await ledger() == VOLUNTEERS
        minutes = await (await hours.ledger.aggregate([
            {"$match": {"project_id": scene.project_id}},
            {"$group": {"_id": None, "sum": {"$sum": "$minutes"}, "n": {"$sum": 1}}},
        ])).to_list()
        assert minutes[0]["sum"] == VOLUNTEERS * 180
        totals = await hours.totals.find({"_id": {"$in": everyone}}).to_list()
        assert len(totals) == VOLUNTEERS
        assert {t["total_minutes"] for t in totals} == {180}
        assert await notified() == VOLUNTEERS
        assert len(await notifications.notices.distinct("user_id",
                                                        {"type": "hours_granted"})) == VOLUNTEERS
        own = await p.client.get("/api/v1/hours/me", headers=auth(scene.volunteer_token))
        assert own.json()["total_minutes"] == 180
        for service in ("hours", "notifications"):
            assert await p.bus.dead_letters(f"{p.settings.queue_prefix}{service}") == []


async def _at_least(count: Callable[[], Awaitable[int]], n: int) -> bool:
    return await count() >= n

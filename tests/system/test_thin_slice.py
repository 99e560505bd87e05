"""The thin slice across all four services (issue 2): an organizer completes a project;
projects publishes ProjectCompleted; hours writes the ledger entry and publishes HoursGranted;
notifications writes the inbox item. Runs embedded (in-memory bus), embedded on RabbitMQ, and
distributed (four processes, RabbitMQ), always over SecantusDB; replaying ProjectCompleted
grants nothing twice.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shared.bus import Subscription
from shared.events import Envelope, HoursGranted, new_id
from tests.conftest import SettingsFactory
from tests.factories import auth, mobile
from tests.helpers import eventually
from tests.system.scenes import ok, platform, set_the_scene


@pytest.mark.parametrize("mode", ["embedded", "embedded+rabbitmq", "distributed"])
async def test_completion_grants_hours_once_and_notifies(
        mode: str, make_settings: SettingsFactory, capfd: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    admin_mobile = mobile()
    async with platform(mode, make_settings, admin_mobile, tmp_path) as p:
        client, settings = p.client, p.settings
        scene = await set_the_scene(client, admin_mobile)
        granted: list[Envelope] = []

        async def spy(envelope: Envelope, event: HoursGranted) -> None:
            granted.append(envelope)

        await p.bus.subscribe(f"{settings.queue_prefix}contract",
                              Subscription({HoursGranted: spy}))
        correlation_id = f"req-{new_id()}"

        completed = await client.post(
            f"/api/v1/projects/{scene.project_id}/complete",
            headers={**auth(scene.staff_token), "X-Request-ID": correlation_id},
            json={"evaluations": [{"volunteer_id": scene.volunteer_id, "attended": True,
                                   "punctuality": 5, "attitude": 5, "professionalism": 4,
                                   "comment": "认真负责"}]})
        assert completed.status_code == 202, completed.text
        assert completed.headers["x-request-id"] == correlation_id

        # the ledger entry and the totals
        async def hours() -> dict[str, Any]:
            body = await ok(await client.get("/api/v1/hours/me",
                                              headers=auth(scene.volunteer_token)))
            return body if body["total_minutes"] else {}

        summary = await eventually(hours, what="hours to be granted")
        assert summary["total_minutes"] == 180
        assert summary["total_hours"] == "3.00"
        records = await ok(await client.get("/api/v1/hours/me/records",
                                             headers=auth(scene.volunteer_token)))
        assert records["total"] == 1
        [record] = records["items"]
        assert (record["project_id"], record["source"], record["minutes"], record["hours"]) == (
            scene.project_id, "project_completion", 180, "3.00")
        assert record["service_date"] == "2026-11-20"
        assert record["evaluation"]["professionalism"] == 4

        # the HoursGranted event, carrying the request's correlation id
        await eventually(lambda: len(granted) == 1, what="HoursGranted")
        event = HoursGranted.model_validate(granted[0].data)
        assert (event.volunteer_id, event.minutes, event.total_minutes) == (
            scene.volunteer_id, 180, 180)
        assert granted[0].correlation_id == correlation_id
        assert granted[0].producer == "hours"

        # the inbox item
        async def inbox() -> list[dict[str, Any]]:
            body = await ok(await client.get("/api/v1/notifications/me",
                                              headers=auth(scene.volunteer_token)))
            return [i for i in body["items"] if i["type"] == "hours_granted"]

        [item] = await eventually(inbox, what="the inbox item")
        assert "3.00 小时" in item["body"] and not item["read"]

        # replay: the same ProjectCompleted again, and a copy under a new event id
        outbox_entry = await p.databases["projects"].outbox.find_one(
            {"envelope.type": "ProjectCompleted"})
        assert outbox_entry is not None and "pending" not in outbox_entry
        original = Envelope.model_validate(outbox_entry["envelope"])
        copy = original.model_copy(update={"id": new_id()})
        before = await p.handled("hours", "ProjectCompleted")
        await p.bus.publish([original, copy])

        async def both_replays_handled() -> bool:
            return await p.handled("hours", "ProjectCompleted") >= before + 2

        await eventually(both_replays_handled, what="both replays to be handled")

        again = await ok(await client.get("/api/v1/hours/me/records",
                                           headers=auth(scene.volunteer_token)))
        assert again["total"] == 1
        summary = await ok(await client.get("/api/v1/hours/me",
                                             headers=auth(scene.volunteer_token)))
        assert summary["total_minutes"] == 180
        assert len(await inbox()) == 1
        assert len(granted) == 1

        # completing twice is refused
        twice = await client.post(
            f"/api/v1/projects/{scene.project_id}/complete", headers=auth(scene.staff_token),
            json={"evaluations": [{"volunteer_id": scene.volunteer_id, "attended": True,
                                   "punctuality": 5, "attitude": 5, "professionalism": 5}]})
        assert twice.status_code == 409 and twice.json()["code"] == "already_completed"

    # one correlation id in the logs of projects, hours and notifications
    services_seen = set()
    for line in p.logs(capfd.readouterr().err).splitlines():
        if correlation_id in line and line.startswith("{"):
            services_seen.add(json.loads(line).get("service"))
    assert {"projects", "hours", "notifications"} <= services_seen


async def test_only_the_organizations_staff_may_complete(make_settings: SettingsFactory,
                                                         tmp_path: Path) -> None:
    admin_mobile = mobile()
    async with platform("embedded", make_settings, admin_mobile, tmp_path) as p:
        client = p.client
        scene = await set_the_scene(client, admin_mobile)
        evaluation = {"volunteer_id": scene.volunteer_id, "attended": True,
                      "punctuality": 5, "attitude": 5, "professionalism": 5}
        url = f"/api/v1/projects/{scene.project_id}/complete"

        anonymous = await client.post(url, json={"evaluations": [evaluation]})
        as_volunteer = await client.post(url, headers=auth(scene.volunteer_token),
                                         json={"evaluations": [evaluation]})
        forged = await client.post(url, headers=auth(scene.staff_token[:-4] + "AAAA"),
                                   json={"evaluations": [evaluation]})
        incomplete = await client.post(url, headers=auth(scene.staff_token),
                                       json={"evaluations": [{**evaluation,
                                                              "volunteer_id": "someone"}]})

        assert (anonymous.status_code, anonymous.json()["code"]) == (401, "unauthorized")
        assert as_volunteer.status_code == 403
        assert (forged.status_code, forged.json()["code"]) == (401, "invalid_token")
        assert (incomplete.status_code, incomplete.json()["code"]) == (422, "not_enrolled")
        project = await ok(await client.get(f"/api/v1/projects/{scene.project_id}"))
        assert project["status"] == "recruiting"



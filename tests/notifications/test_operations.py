"""The operations console: platform admins list and replay any service's dead letters."""

from __future__ import annotations

from prometheus_client import REGISTRY

from services.embedded import SERVICES
from shared.events import Envelope
from tests.conftest import SettingsFactory, running_app
from tests.factories import auth, login, mobile, register_and_login
from tests.helpers import eventually

ADMIN_PASSWORD = "operations-admin-password"


async def test_admin_lists_and_replays_dead_letters(make_settings: SettingsFactory) -> None:
    admin_mobile = mobile()
    settings = make_settings(rabbit=False, admin_mobile=admin_mobile,
                             admin_password=ADMIN_PASSWORD)
    async with running_app(SERVICES, settings) as (app, client):
        admin = auth(await login(client, admin_mobile, ADMIN_PASSWORD))
        _, volunteer_token, _ = await register_and_login(client)
        broken = Envelope(type="HoursGranted", producer="hours", correlation_id="c",
                          data={"volunteer_id": "v1", "minutes": "a lot"})
        await app.state.bus.publish([broken])

        async def listed() -> list[dict[str, object]]:
            r = await client.get("/api/v1/admin/dead-letters?service=notifications",
                                 headers=admin)
            assert r.status_code == 200, r.text
            items: list[dict[str, object]] = r.json()["items"]
            return items

        [letter] = await eventually(listed, what="the dead letter")
        assert (letter["id"], letter["type"], letter["service"]) == (
            broken.id, "HoursGranted", "notifications")
        assert "minutes" in str(letter["error"])

        as_volunteer = await client.get("/api/v1/admin/dead-letters?service=notifications",
                                        headers=auth(volunteer_token))
        unknown_service = await client.get("/api/v1/admin/dead-letters?service=billing",
                                           headers=admin)
        unknown_id = await client.post(
            "/api/v1/admin/dead-letters/nope/replay?service=notifications", headers=admin)
        assert as_volunteer.status_code == 403
        assert (unknown_service.status_code, unknown_service.json()["code"]) == (
            422, "validation_error")
        assert (unknown_id.status_code, unknown_id.json()["code"]) == (
            404, "dead_letter_not_found")

        queue = f"{settings.queue_prefix}notifications"
        refused_before = _refused(queue)
        replayed = await client.post(
            f"/api/v1/admin/dead-letters/{broken.id}/replay?service=notifications",
            headers=admin)
        assert replayed.json() == {"id": broken.id, "status": "replayed"}
        # it went through the consumer again and, still broken, is parked again: once
        await eventually(lambda: _refused(queue) == refused_before + 1,
                         what="the replayed letter to be consumed")
        assert [item["id"] for item in await listed()] == [broken.id]


def _refused(queue: str) -> float:
    return REGISTRY.get_sample_value("events_handled_total", {
        "queue": queue, "type": "HoursGranted", "outcome": "invalid"}) or 0.0

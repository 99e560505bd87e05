"""Scenes the multi-service stories start from, on any of the platform's run modes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import SettingsFactory
from tests.factories import auth, credit_code, login, make_project, register_and_login
from tests.helpers import eventually
from tests.system.platforms import Platform, distributed, embedded

ADMIN_PASSWORD = "platform-admin-password"


@dataclass
class Scene:
    client: httpx.AsyncClient
    staff_token: str
    volunteer_id: str
    volunteer_token: str
    project_id: str
    position_id: str
    organization_id: str
    admin_token: str


async def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def set_the_scene(client: httpx.AsyncClient, admin_mobile: str) -> Scene:
    """An approved organization with a published project and one approved volunteer."""
    _, staff_token, staff = await register_and_login(client, real_name="李四")
    org = await ok(await client.post("/api/v1/organizations", headers=auth(staff_token), json={
        "name": "海淀区阳光志愿服务队", "credit_code": credit_code(),
        "district": "海淀区", "contact_name": "李四", "contact_mobile": staff["mobile"],
    }), 201)
    admin_token = await login(client, admin_mobile, ADMIN_PASSWORD)
    await ok(await client.post(f"/api/v1/organizations/{org['id']}/approve",
                                headers=auth(admin_token)))
    staff_token = await login(client, staff["mobile"], staff["password"])  # now with the org

    project = await ok(await client.post("/api/v1/projects", headers=auth(staff_token),
                                          json=make_project(org["id"], hours="3")), 201)

    async def published() -> bool:  # projects learns of the approval through an event
        r = await client.post(f"/api/v1/projects/{project['id']}/publish",
                              headers=auth(staff_token))
        assert r.status_code in (200, 409), r.text
        return r.status_code == 200

    await eventually(published, what="the organization approval to reach projects")

    volunteer_id, volunteer_token, _ = await register_and_login(client)
    enrollment = await ok(await client.post(
        f"/api/v1/projects/{project['id']}/enrollments", headers=auth(volunteer_token),
        json={"position_id": project["positions"][0]["id"]}), 201)
    await ok(await client.post(
        f"/api/v1/projects/{project['id']}/enrollments/{enrollment['id']}/approve",
        headers=auth(staff_token)))
    return Scene(client, staff_token, volunteer_id, volunteer_token, project["id"],
                 project["positions"][0]["id"], org["id"], admin_token)


@asynccontextmanager
async def platform(mode: str, settings_factory: SettingsFactory, admin_mobile: str,
                   log_dir: Path, **overrides: Any) -> AsyncIterator[Platform]:
    settings = settings_factory(rabbit=mode != "embedded", admin_mobile=admin_mobile,
                                admin_password=ADMIN_PASSWORD, **overrides)
    if mode == "distributed":
        async with distributed(settings, log_dir) as running:
            yield running
    else:
        async with embedded(settings) as running:
            yield running

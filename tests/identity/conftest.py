"""Identity test fixtures: the identity service running over a real SecantusDB, in-memory bus."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from services.identity.app import service
from shared.mongo import Database
from shared.settings import Settings
from tests.conftest import SettingsFactory, running_app
from tests.identity.factories import make_organization, make_registration

ADMIN_MOBILE = "13900000000"
ADMIN_PASSWORD = "admin-password-1"


@dataclass
class IdentityApi:
    app: Any
    http: httpx.AsyncClient
    settings: Settings

    @property
    def db(self) -> Database:
        db: Database = self.app.state.runners["identity"].context.db
        return db

    async def register(self, **overrides: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """Register a valid volunteer (or with ``overrides``); return (request, response)."""
        body = make_registration(**overrides)
        response = await self.http.post("/api/v1/auth/register", json=body)
        assert response.status_code == 201, response.text
        return body, response.json()

    async def login(self, mobile: str, password: str) -> dict[str, Any]:
        response = await self.http.post("/api/v1/auth/login",
                                        json={"mobile": mobile, "password": password})
        assert response.status_code == 200, response.text
        tokens: dict[str, Any] = response.json()
        return tokens

    async def volunteer_token(self, **overrides: Any) -> tuple[str, dict[str, Any]]:
        body, created = await self.register(**overrides)
        tokens = await self.login(body["mobile"], body["password"])
        return tokens["access_token"], {**body, **created, "tokens": tokens}

    async def admin_token(self) -> str:
        return str((await self.login(ADMIN_MOBILE, ADMIN_PASSWORD))["access_token"])

    async def create_organization(self, token: str, **overrides: Any) -> dict[str, Any]:
        response = await self.http.post("/api/v1/organizations",
                                        json=make_organization(**overrides),
                                        headers=bearer(token))
        assert response.status_code == 201, response.text
        org: dict[str, Any] = response.json()
        return org

    async def outbox(self, event_type: str) -> list[dict[str, Any]]:
        """Envelopes of ``event_type`` committed to identity's outbox."""
        cursor = self.db["outbox"].find({"envelope.type": event_type})
        return [doc["envelope"] async for doc in cursor]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def identity(make_settings: SettingsFactory) -> AsyncIterator[IdentityApi]:
    settings = make_settings(rabbit=False, admin_mobile=ADMIN_MOBILE,
                             admin_password=ADMIN_PASSWORD)
    async with running_app([service], settings) as (app, client):
        yield IdentityApi(app, client, settings)

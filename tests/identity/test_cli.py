"""``python -m services.identity.cli create-admin``."""

from __future__ import annotations

from services.identity.app import service
from services.identity.cli import create_admin
from tests.conftest import SettingsFactory, running_app
from tests.identity.conftest import bearer
from tests.identity.factories import make_registration, unique_mobile


async def test_create_admin_then_log_in(make_settings: SettingsFactory) -> None:
    settings = make_settings(rabbit=False)
    mobile = unique_mobile()

    assert await create_admin(settings, mobile, "admin-password-2") == 0
    assert await create_admin(settings, mobile, "admin-password-2") == 0  # idempotent
    assert await create_admin(settings, "bad", "admin-password-2") == 2

    async with running_app([service], settings) as (_, http):
        volunteer = make_registration()
        await http.post("/api/v1/auth/register", json=volunteer)
        login = await http.post("/api/v1/auth/login",
                                json={"mobile": mobile, "password": "admin-password-2"})
        me = await http.get("/api/v1/me", headers=bearer(login.json()["access_token"]))

    assert me.json()["roles"] == ["platform_admin"]
    # An existing volunteer's account is never turned into an administrator.
    assert await create_admin(settings, volunteer["mobile"], "whatever-123") == 1

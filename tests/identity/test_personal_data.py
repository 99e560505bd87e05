"""Personal data never reaches the logs (SPEC §3.1, §5 Security)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.identity.conftest import IdentityApi, bearer
from tests.identity.factories import make_registration, with_wrong_check_digit


@pytest.fixture
def log_output(identity: IdentityApi,
               capfd: pytest.CaptureFixture[str]) -> Iterator[pytest.CaptureFixture[str]]:
    """The service's log lines during this test (start-up lines dropped)."""
    capfd.readouterr()
    yield capfd


async def test_logs_carry_no_mobile_or_id_number(
        identity: IdentityApi, log_output: pytest.CaptureFixture[str]) -> None:
    body, created = await identity.register(age=16)
    await identity.http.post("/api/v1/auth/register", json=body)  # duplicate: 409
    bad = make_registration()
    bad["id_number"] = with_wrong_check_digit(bad["id_number"])
    await identity.http.post("/api/v1/auth/register", json=bad)
    await identity.http.post("/api/v1/auth/login",
                             json={"mobile": body["mobile"], "password": "wrong-password"})
    tokens = await identity.login(body["mobile"], body["password"])
    await identity.http.get("/api/v1/me", headers=bearer(tokens["access_token"]))

    out, err = log_output.readouterr()
    logs = out + err

    assert created["id"] in logs  # the logs do talk about the volunteer, by id
    secrets = [body["mobile"], body["id_number"], body["guardian"]["mobile"], body["real_name"],
               bad["mobile"], bad["id_number"]]
    for secret in secrets:
        assert secret not in logs


async def test_validation_errors_do_not_echo_personal_data(identity: IdentityApi) -> None:
    body = make_registration(id_type="drivers_licence")

    response = await identity.http.post("/api/v1/auth/register", json=body)

    assert response.status_code == 422
    assert body["id_number"] not in response.text and body["mobile"] not in response.text

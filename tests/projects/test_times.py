"""Project and attendance times out of the platform's range are a 422, not a 500.

Found by tests/system/test_fuzz.py's probes: an ISO 8601 time at the ends of the calendar with
an offset (``9999-12-31T20:00:00-05:00``, ``0001-01-01T00:00:00+01:00``) is a valid aware
datetime, but converting it to UTC (the BSON encoder) or to the platform's time zone (the
service-day rule) overflows ``datetime``: OverflowError, a 500.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest

from services.projects.app import service
from shared.auth import ROLE_ORG_ADMIN, ROLE_VOLUNTEER, issue_access_token, load_signing_keys
from shared.events import new_id
from tests.conftest import SettingsFactory, running_app
from tests.factories import auth, make_project

ORG_ID = "org-under-test"
OUT_OF_RANGE = [
    "9999-12-31T20:00:00-05:00",  # past year 9999 in UTC
    "9999-12-31T20:00:00+00:00",  # past year 9999 in the platform's time zone (+08:00)
    "0001-01-01T00:00:00+01:00",  # before year 1 in UTC
    "1999-12-31T23:59:59+00:00",  # representable, but before the platform's range
    "2100-01-01T00:00:00+00:00",  # representable, but after it
]


@pytest.fixture
async def staff(make_settings: SettingsFactory) -> AsyncIterator[tuple[httpx.AsyncClient,
                                                                       dict[str, str]]]:
    """The projects service alone, and the headers of an administrator of ORG_ID."""
    settings = make_settings(rabbit=False)
    token = issue_access_token(load_signing_keys(settings), settings, user_id=new_id(),
                               roles=[ROLE_VOLUNTEER, ROLE_ORG_ADMIN], org_ids=[ORG_ID])
    async with running_app([service], settings) as (_, client):
        yield client, auth(token)


def plus_hours(moment: str, hours: int) -> str:
    try:
        return (datetime.fromisoformat(moment) + timedelta(hours=hours)).isoformat()
    except OverflowError:
        return moment.replace("9999-12-31T20", "9999-12-31T23")


@pytest.mark.parametrize("starts_at", OUT_OF_RANGE)
async def test_a_project_outside_the_platforms_years_is_a_validation_error(
        staff: tuple[httpx.AsyncClient, dict[str, str]], starts_at: str) -> None:
    client, headers = staff
    body = make_project(ORG_ID, starts_at=starts_at, ends_at=plus_hours(starts_at, 1))
    response = await client.post("/api/v1/projects", headers=headers, json=body)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_error"
    assert ["body", "starts_at"] in [e["loc"] for e in response.json()["errors"]]


@pytest.mark.parametrize("check_in", OUT_OF_RANGE)
async def test_attendance_outside_the_platforms_years_is_a_validation_error(
        staff: tuple[httpx.AsyncClient, dict[str, str]], check_in: str) -> None:
    client, headers = staff
    project = await client.post("/api/v1/projects", headers=headers,
                                json=make_project(ORG_ID))
    assert project.status_code == 201, project.text
    response = await client.post(
        f"/api/v1/projects/{project.json()['id']}/attendance", headers=headers,
        json={"volunteer_id": new_id(), "check_in": check_in,
              "check_out": plus_hours(check_in, 1)})
    assert response.status_code == 422, response.text
    assert ["body", "check_in"] in [e["loc"] for e in response.json()["errors"]]


async def test_the_ends_of_the_platforms_range_are_accepted(
        staff: tuple[httpx.AsyncClient, dict[str, str]]) -> None:
    client, headers = staff
    for starts_at in ("2000-01-01T08:00:00+08:00", "2099-12-31T15:00:00+08:00"):
        body = make_project(ORG_ID, starts_at=starts_at, ends_at=plus_hours(starts_at, 1))
        response = await client.post("/api/v1/projects", headers=headers, json=body)
        assert response.status_code == 201, response.text

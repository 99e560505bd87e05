"""Factories for test data: valid registrations, projects and the people who use them."""

from __future__ import annotations

import itertools
import random
from datetime import date, datetime, timedelta
from typing import Any

import httpx

_mobiles = itertools.count(random.randrange(10_000_000, 80_000_000))
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"


def resident_id(birth: date, serial: int | None = None) -> str:
    """A mainland resident ID number with a valid GB 11643 check digit."""
    serial = serial if serial is not None else random.randrange(100, 999)
    body = f"110105{birth:%Y%m%d}{serial:03d}"
    return body + CHECK[sum(int(c) * w for c, w in zip(body, WEIGHTS, strict=True)) % 11]


def mobile() -> str:
    return f"139{next(_mobiles):08d}"


def make_registration(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "mobile": mobile(),
        "password": "correct horse battery",
        "real_name": "张三",
        "id_type": "resident_id",
        "id_number": resident_id(date(1995, 6, 15)),
        "display_name": "小张",
        "preferences": {"service_areas": ["海淀区"], "categories": ["社区服务"],
                        "industries": ["教育"]},
    }
    body.update(overrides)
    return body


def make_project(organization_id: str, *, hours: str = "3", capacity: int = 10,
                 start: datetime | None = None, **overrides: Any) -> dict[str, Any]:
    starts = start or datetime.fromisoformat("2026-11-20T09:00:00+08:00")
    body: dict[str, Any] = {
        "organization_id": organization_id,
        "title": "社区图书角整理",
        "description": "整理社区图书角，协助读者借还书。",
        "category": "社区服务",
        "service_area": "海淀区",
        "industry": "教育",
        "address": "北京市海淀区中关村大街1号",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=4)).isoformat(),
        "positions": [{"name": "图书整理员", "capacity": capacity,
                       "hours_rule": {"type": "fixed", "hours": hours}}],
    }
    body.update(overrides)
    return body


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def register_and_login(client: httpx.AsyncClient, **overrides: Any
                             ) -> tuple[str, str, dict[str, Any]]:
    """Register a volunteer; returns (user id, access token, registration body)."""
    body = make_registration(**overrides)
    created = await client.post("/api/v1/auth/register", json=body)
    assert created.status_code == 201, created.text
    token = await login(client, body["mobile"], body["password"])
    return created.json()["id"], token, body


async def login(client: httpx.AsyncClient, mobile: str, password: str) -> str:
    response = await client.post("/api/v1/auth/login",
                                 json={"mobile": mobile, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code() -> str:
    """A unified social credit code with a valid GB 32100 check character."""
    body = "911101085" + "".join(random.choice(_CREDIT_CHARS[:10]) for _ in range(8))
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(body, _CREDIT_WEIGHTS, strict=True))
    return body + _CREDIT_CHARS[(31 - total % 31) % 31]

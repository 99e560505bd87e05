"""Test data for identity: valid by default, one override away from each invalid case."""

from __future__ import annotations

import itertools
import random
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

_serial = itertools.count(1)
_rng = random.Random()

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def birth_date_for_age(age: int) -> date:
    """A birth date giving ``age`` today, well clear of the birthday."""
    reference = today() - timedelta(days=60)
    try:
        return reference.replace(year=reference.year - age)
    except ValueError:  # 29 February
        return reference.replace(year=reference.year - age, day=28)


def unique_mobile() -> str:
    return f"1{_rng.choice('3456789')}{next(_serial) % 10**4:04d}{_rng.randrange(10**5):05d}"


def resident_id(born: date | None = None, *, region: str = "110105") -> str:
    """A resident ID number with a correct GB 11643 check digit (computed independently)."""
    born = born or birth_date_for_age(30)
    body = f"{region}{born:%Y%m%d}{_rng.randrange(1000):03d}"
    total = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True))
    return body + ID_CHECK[total % 11]


def with_wrong_check_digit(number: str) -> str:
    wrong = next(c for c in "0123456789X" if c != number[-1])
    return number[:-1] + wrong


def credit_code() -> str:
    body = "9111" + "0000" + "".join(_rng.choice(CREDIT_CHARSET) for _ in range(9))
    total = sum(CREDIT_CHARSET.index(c) * w for c, w in zip(body, CREDIT_WEIGHTS, strict=True))
    return body + CREDIT_CHARSET[(31 - total % 31) % 31]


def with_wrong_check_char(code: str) -> str:
    wrong = next(c for c in CREDIT_CHARSET if c != code[-1])
    return code[:-1] + wrong


def make_registration(*, age: int = 30, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "mobile": unique_mobile(),
        "password": "correct horse battery",
        "real_name": "张小三",
        "id_type": "resident_id",
        "id_number": resident_id(birth_date_for_age(age)),
        "display_name": f"志愿者{next(_serial)}",
        "preferences": {"service_areas": ["海淀区", "朝阳区"], "categories": ["社区服务"],
                        "industries": ["教育"]},
    }
    if 14 <= age < 18:
        body["guardian"] = {"name": "张大三", "mobile": unique_mobile()}
    body.update(overrides)
    return body


def make_organization(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": f"海淀社区志愿服务中心{next(_serial)}",
        "credit_code": credit_code(),
        "district": "海淀区",
        "contact_name": "李四",
        "contact_mobile": unique_mobile(),
    }
    body.update(overrides)
    return body

"""Identity's pure domain rules: document and code formats, ages, masking. No I/O.

- Mainland resident ID numbers: GB 11643-1999, check digit ISO 7064 MOD 11-2.
- Unified social credit codes: GB 32100-2015, check character mod 31.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Final, Literal

from services.identity import errors

BEIJING_DISTRICTS: Final[tuple[str, ...]] = (
    "东城区", "西城区", "朝阳区", "丰台区", "石景山区", "海淀区", "门头沟区", "房山区",
    "通州区", "顺义区", "昌平区", "大兴区", "怀柔区", "平谷区", "密云区", "延庆区",
)

IdType = Literal["resident_id", "passport", "hk_macao_pass", "taiwan_pass"]
ID_TYPES: Final[tuple[str, ...]] = ("resident_id", "passport", "hk_macao_pass", "taiwan_pass")

MIN_VOLUNTEER_AGE: Final = 14
ADULT_AGE: Final = 18
MIN_PASSWORD_LENGTH: Final = 8
VOLUNTEER_NO_PREFIX: Final = "BJ"
VOLUNTEER_NO_DIGITS: Final = 10

_MOBILE = re.compile(r"1[3-9]\d{9}")
_RESIDENT_ID = re.compile(r"\d{17}[\dX]")
# Formats of the other documents, kept deliberately tolerant: a wrong number is caught by the
# real-name check of the issuing authority, not by us.
_OTHER_ID_FORMATS: Final[dict[str, re.Pattern[str]]] = {
    "passport": re.compile(r"[A-Z0-9]{5,17}"),
    "hk_macao_pass": re.compile(r"[HM]\d{8}(\d{2})?|C[A-Z0-9]\d{7}"),
    "taiwan_pass": re.compile(r"\d{8}(\d{2})?|T\d{8}"),
}

_GB11643_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_GB11643_CHECK: Final = "10X98765432"

CREDIT_CODE_CHARSET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_GB32100_WEIGHTS: Final = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


# --- mobile and password ---------------------------------------------------------------------

def normalize_mobile(value: str) -> str:
    """A mainland mobile number (``1[3-9]`` + 9 digits), or :class:`errors.InvalidMobile`."""
    mobile = value.strip().replace(" ", "").replace("-", "")
    if mobile.startswith("+86"):
        mobile = mobile[3:]
    if not _MOBILE.fullmatch(mobile):
        raise errors.InvalidMobile()
    return mobile


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise errors.WeakPassword()


# --- ID documents ----------------------------------------------------------------------------

def resident_id_check_digit(first17: str) -> str:
    """GB 11643 check digit (ISO 7064 MOD 11-2) of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _GB11643_WEIGHTS, strict=True))
    return _GB11643_CHECK[total % 11]


def resident_id_birth_date(number: str) -> date:
    """Validate a normalized resident ID number; return the birth date it encodes."""
    if not _RESIDENT_ID.fullmatch(number):
        raise errors.InvalidIdNumber()
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise errors.InvalidIdNumber("The ID number's birth date is not a real date.") from exc
    if resident_id_check_digit(number[:17]) != number[17]:
        raise errors.InvalidIdCheckDigit()
    return born


def normalize_id_number(id_type: str, value: str) -> str:
    number = value.strip().replace(" ", "").upper()
    if id_type == "resident_id":
        resident_id_birth_date(number)
    elif not _OTHER_ID_FORMATS[id_type].fullmatch(number):
        raise errors.InvalidIdNumber()
    return number


def birth_date_of(id_type: str, id_number: str, declared: date | None) -> date:
    """The resident ID's own birth date; for other documents the declared one (required)."""
    if id_type == "resident_id":
        return resident_id_birth_date(id_number)
    if declared is None:
        raise errors.BirthDateRequired()
    return declared


def age_on(born: date, today: date) -> int:
    before_birthday = (today.month, today.day) < (born.month, born.day)
    return today.year - born.year - (1 if before_birthday else 0)


def check_volunteer_age(born: date, today: date, *, has_guardian: bool) -> int:
    """Volunteers are 14+; under 18 they need a guardian's consent. Returns the age."""
    if born > today or born.year < 1900:
        raise errors.InvalidBirthDate()
    age = age_on(born, today)
    if age < MIN_VOLUNTEER_AGE:
        raise errors.TooYoung()
    if age < ADULT_AGE and not has_guardian:
        raise errors.GuardianRequired()
    return age


# --- preferences -----------------------------------------------------------------------------

def check_service_areas(areas: list[str]) -> list[str]:
    """Beijing districts only; duplicates dropped, order kept."""
    unknown = [a for a in areas if a not in BEIJING_DISTRICTS]
    if unknown:
        raise errors.InvalidServiceArea()
    return list(dict.fromkeys(areas))


def check_district(district: str) -> str:
    if district not in BEIJING_DISTRICTS:
        raise errors.InvalidDistrict()
    return district


# --- organizations ---------------------------------------------------------------------------

def credit_code_check_char(first17: str) -> str:
    """GB 32100 check character of the first 17 characters."""
    total = sum(CREDIT_CODE_CHARSET.index(c) * w
                for c, w in zip(first17, _GB32100_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def normalize_credit_code(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 18 or any(c not in CREDIT_CODE_CHARSET for c in code):
        raise errors.InvalidCreditCode()
    if credit_code_check_char(code[:17]) != code[17]:
        raise errors.InvalidCreditCodeCheckChar()
    return code


# --- volunteer numbers -----------------------------------------------------------------------

def volunteer_no(sequence: int) -> str:
    """Public volunteer number, one for life: ``BJ`` + 10 digits of a never-reused counter."""
    if not 0 < sequence < 10**VOLUNTEER_NO_DIGITS:
        raise ValueError("volunteer number sequence out of range")
    return f"{VOLUNTEER_NO_PREFIX}{sequence:0{VOLUNTEER_NO_DIGITS}d}"


# --- masking ---------------------------------------------------------------------------------

def mask_id_number(number: str) -> str:
    """``110101200001011234`` -> ``110***********1234``; short numbers keep less."""
    if len(number) > 7:
        return number[:3] + "*" * (len(number) - 7) + number[-4:]
    if len(number) > 2:
        return number[0] + "*" * (len(number) - 2) + number[-1]
    return "*" * len(number)


def mask_name(name: str) -> str:
    """``张三`` -> ``张*``, ``张小三`` -> ``张*三``, ``欧阳小明`` -> ``欧**明``."""
    name = name.strip()
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_mobile(mobile: str) -> str:
    """``13812345678`` -> ``138****5678``."""
    if len(mobile) < 8:
        return "*" * len(mobile)
    return mobile[:3] + "*" * (len(mobile) - 7) + mobile[-4:]


# --- login rate limit ------------------------------------------------------------------------

LOGIN_FAILURE_LIMIT: Final = 5
LOGIN_FAILURE_WINDOW_SECONDS: Final = 15 * 60


def login_retry_after(recent_failures_newest_first: list[float], now: float) -> int | None:
    """Seconds until another login may be tried, or None when not limited.

    ``recent_failures_newest_first`` are the failure times (epoch seconds) inside the window.
    Locked while ``LOGIN_FAILURE_LIMIT`` of them are inside it: until the oldest of the latest
    ``LOGIN_FAILURE_LIMIT`` leaves the window.
    """
    if len(recent_failures_newest_first) < LOGIN_FAILURE_LIMIT:
        return None
    leaving = recent_failures_newest_first[LOGIN_FAILURE_LIMIT - 1]
    wait = leaving + LOGIN_FAILURE_WINDOW_SECONDS - now
    if wait <= 0:
        return None
    return max(1, int(wait + 0.999))

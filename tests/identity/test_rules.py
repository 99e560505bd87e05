"""Pure identity rules: GB 11643 resident IDs, GB 32100 credit codes, ages, masking."""

from __future__ import annotations

from datetime import date

import pytest

from services.identity import errors, rules
from tests.identity.factories import credit_code, resident_id, with_wrong_check_char

# Published examples (GB 11643-1999's own, and a widely cited credit code).
VALID_RESIDENT_IDS = ["11010519491231002X", "440524188001010014"]
VALID_CREDIT_CODES = ["91350100M000100Y43", "91110000600037341L"]


@pytest.mark.parametrize("number", VALID_RESIDENT_IDS)
def test_published_resident_ids_pass(number: str) -> None:
    assert rules.resident_id_check_digit(number[:17]) == number[17]
    assert rules.normalize_id_number("resident_id", number.lower()) == number


def test_resident_id_yields_birth_date() -> None:
    assert rules.resident_id_birth_date("11010519491231002X") == date(1949, 12, 31)


@pytest.mark.parametrize("number", ["11010519491231002", "1101051949123100X2",
                                    "110105194902300021", "ABCDEFGHIJKLMNOPQR"])
def test_malformed_resident_ids(number: str) -> None:
    with pytest.raises(errors.InvalidIdNumber):
        rules.resident_id_birth_date(number)


def test_every_wrong_check_digit_is_caught() -> None:
    number = resident_id()
    for digit in "0123456789X":
        if digit != number[-1]:
            with pytest.raises(errors.InvalidIdCheckDigit):
                rules.resident_id_birth_date(number[:-1] + digit)


def test_other_documents_need_a_declared_birth_date() -> None:
    with pytest.raises(errors.BirthDateRequired):
        rules.birth_date_of("passport", "E12345678", None)
    assert rules.birth_date_of("passport", "E12345678", date(2000, 1, 1)) == date(2000, 1, 1)


@pytest.mark.parametrize(("born", "today", "age"), [
    (date(2010, 6, 15), date(2024, 6, 14), 13),
    (date(2010, 6, 15), date(2024, 6, 15), 14),
    (date(2008, 2, 29), date(2026, 2, 28), 17),
    (date(2008, 2, 29), date(2026, 3, 1), 18),
])
def test_age_counts_birthdays(born: date, today: date, age: int) -> None:
    assert rules.age_on(born, today) == age


def test_volunteer_age_limits() -> None:
    today = date(2025, 5, 1)
    with pytest.raises(errors.TooYoung):
        rules.check_volunteer_age(date(2011, 5, 2), today, has_guardian=True)
    with pytest.raises(errors.GuardianRequired):
        rules.check_volunteer_age(date(2011, 5, 1), today, has_guardian=False)
    assert rules.check_volunteer_age(date(2011, 5, 1), today, has_guardian=True) == 14
    assert rules.check_volunteer_age(date(2007, 5, 1), today, has_guardian=False) == 18
    with pytest.raises(errors.InvalidBirthDate):
        rules.check_volunteer_age(date(2030, 1, 1), today, has_guardian=True)


@pytest.mark.parametrize("code", VALID_CREDIT_CODES)
def test_published_credit_codes_pass(code: str) -> None:
    assert rules.normalize_credit_code(code.lower()) == code


def test_credit_code_check_char_and_format() -> None:
    code = credit_code()
    assert rules.normalize_credit_code(code) == code
    with pytest.raises(errors.InvalidCreditCodeCheckChar):
        rules.normalize_credit_code(with_wrong_check_char(code))
    for bad in ("9135010", code[:-1] + "I", code[:-1] + "O", code + "0"):
        with pytest.raises(errors.InvalidCreditCode):
            rules.normalize_credit_code(bad)


def test_check_char_31_maps_to_zero() -> None:
    # Some body sums to 0 mod 31: its check value 31 - 0 is written as "0", not out of range.
    assert rules.credit_code_check_char("0" * 17) == "0"


@pytest.mark.parametrize(("mobile", "normalized"), [
    ("13812345678", "13812345678"), ("+86 138-1234-5678", "13812345678")])
def test_mobile_numbers(mobile: str, normalized: str) -> None:
    assert rules.normalize_mobile(mobile) == normalized


@pytest.mark.parametrize("mobile", ["12812345678", "1381234567", "138123456789", "abc"])
def test_bad_mobile_numbers(mobile: str) -> None:
    with pytest.raises(errors.InvalidMobile):
        rules.normalize_mobile(mobile)


@pytest.mark.parametrize(("name", "masked"), [
    ("张三", "张*"), ("张小三", "张*三"), ("欧阳小明", "欧**明"), ("王", "*")])
def test_name_masking(name: str, masked: str) -> None:
    assert rules.mask_name(name) == masked


def test_id_and_mobile_masking() -> None:
    assert rules.mask_id_number("110105194912311234") == "110***********1234"
    assert rules.mask_id_number("E12345678") == "E12**5678"
    assert rules.mask_mobile("13812345678") == "138****5678"


def test_service_areas_are_beijing_districts() -> None:
    assert len(rules.BEIJING_DISTRICTS) == 16
    assert rules.check_service_areas(["海淀区", "海淀区", "延庆区"]) == ["海淀区", "延庆区"]
    with pytest.raises(errors.InvalidServiceArea):
        rules.check_service_areas(["海淀区", "浦东新区"])


def test_volunteer_numbers() -> None:
    assert rules.volunteer_no(42) == "BJ0000000042"
    with pytest.raises(ValueError):
        rules.volunteer_no(0)


def test_login_retry_after() -> None:
    now = 10_000.0
    assert rules.login_retry_after([now - 1] * 4, now) is None
    # Five failures, the oldest 600 s ago: locked until it is 900 s old.
    failures = [now - 1, now - 2, now - 3, now - 4, now - 600]
    assert rules.login_retry_after(failures, now) == 300
    assert rules.login_retry_after([now - 1000] * 5, now) is None

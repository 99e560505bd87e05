"""Hours' pure rules: star levels and the units they are counted in."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.hours.rules import grant_key, next_level_minutes, star_level
from shared.units import hours_to_minutes, minutes_to_hours


@pytest.mark.parametrize(("minutes", "level", "to_next"), [
    (0, 0, 6_000),
    (5_999, 0, 1),            # 99 h 59 min is not yet 1★: no rounding up
    (6_000, 1, 12_000),       # 100 h
    (18_000, 2, 18_000),      # 300 h
    (36_000, 3, 24_000),
    (60_000, 4, 30_000),
    (90_000, 5, None),        # 1500 h: top level
    (10_000_000, 5, None),
])
def test_star_levels(minutes: int, level: int, to_next: int | None) -> None:
    assert star_level(minutes) == level
    assert next_level_minutes(minutes) == to_next


def test_star_levels_are_configurable() -> None:
    assert star_level(600, [10, 20]) == 1
    assert next_level_minutes(600, [10, 20]) == 600


@pytest.mark.parametrize(("hours", "minutes"), [
    ("3", 180), ("1.25", 75), ("0.33", 20), ("0.01", 1), ("0.50", 30), ("7.99", 479),
])
def test_hours_to_minutes_rounds_half_up(hours: str, minutes: int) -> None:
    assert hours_to_minutes(Decimal(hours)) == minutes


def test_minutes_to_hours_for_display() -> None:
    assert str(minutes_to_hours(20)) == "0.33"
    assert str(minutes_to_hours(180)) == "3.00"
    # sums are made in minutes: three 20-minute entries are exactly one hour
    assert minutes_to_hours(20 + 20 + 20) == Decimal("1.00")


def test_grant_key_is_per_volunteer_project_position_day() -> None:
    key = grant_key("v1", "p1", "pos1", date(2026, 11, 20))
    assert key == "v1|p1|pos1|2026-11-20"
    assert key != grant_key("v1", "p1", "pos1", date(2026, 11, 21))

"""How a position's hours rule turns service into minutes (travel never counts)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from services.projects.rules import Visit, attended_minutes, minutes_by_day
from shared.events import HoursRuleAttended, HoursRuleFixed

TZ = ZoneInfo("Asia/Shanghai")
RULE = HoursRuleAttended(round_minutes=30, max_minutes_per_day=360, break_minutes=30)


def visit(start: str, end: str, day: str = "2026-11-20") -> Visit:
    return Visit(datetime.fromisoformat(f"{day}T{start}+08:00"),
                 datetime.fromisoformat(f"{day}T{end}+08:00"))


def test_attended_minutes_subtract_breaks_and_round_down() -> None:
    # 09:00-12:29 is 209 min, minus a 30 min break = 179, rounded down to 30 min steps = 150
    assert attended_minutes(RULE, [visit("09:00", "12:29")]) == 150


def test_attended_minutes_are_capped_per_day() -> None:
    assert attended_minutes(RULE, [visit("07:00", "19:00")]) == 360


def test_short_stay_never_goes_negative() -> None:
    assert attended_minutes(RULE, [visit("09:00", "09:10")]) == 0


def test_days_are_calendar_days_in_the_platform_time_zone() -> None:
    # 23:30 UTC on the 19th is 07:30 on the 20th in Beijing
    late = Visit(datetime.fromisoformat("2026-11-19T23:30:00+00:00"),
                 datetime.fromisoformat("2026-11-20T03:30:00+00:00"))
    days = minutes_by_day(RULE, [late, visit("09:00", "11:00", day="2026-11-21")], True,
                          date(2026, 11, 20), TZ)
    assert days == {date(2026, 11, 20): 210, date(2026, 11, 21): 90}


def test_fixed_rule_credits_each_attended_day_and_no_show_gets_zero() -> None:
    fixed = HoursRuleFixed(minutes_per_day=180)
    first = date(2026, 11, 20)
    assert minutes_by_day(fixed, [], True, first, TZ) == {first: 180}
    assert minutes_by_day(fixed, [visit("09:00", "10:00")], False, first, TZ) == {first: 0}
    two_days = [visit("09:00", "10:00"), visit("09:00", "10:00", day="2026-11-22")]
    assert minutes_by_day(fixed, two_days, True, first, TZ) == {
        first: 180, date(2026, 11, 22): 180}

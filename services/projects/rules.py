"""Pure rules of projects: how a position's hours rule turns service into minutes.

No I/O here. Travel never counts: no rule has a way to add it.

- ``fixed``: the rule's minutes for each attended service day.
- ``attended``: per day, (check-out − check-in − breaks), rounded *down* to the rule's step,
  capped at the rule's daily maximum; never negative.
- A no-show gets 0 minutes.
- Service days are calendar days in the platform's time zone. A volunteer with attendance
  records served on the days of those records; one marked attended without any record served on
  the project's first day (the common one-day activity).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from shared.events import HoursRuleAttended, HoursRuleFixed

HoursRule = HoursRuleFixed | HoursRuleAttended

MAX_RECORDS_PER_MESSAGE = 500
"""A very large project's completion is split into ProjectCompleted parts of this many."""


@dataclass(frozen=True)
class Visit:
    check_in: datetime
    check_out: datetime


def service_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def attended_minutes(rule: HoursRuleAttended, visits: list[Visit]) -> int:
    """One day's minutes under the ``attended`` rule."""
    worked = sum(int((v.check_out - v.check_in).total_seconds()) // 60 for v in visits)
    net = max(0, worked - rule.break_minutes)
    rounded = net - net % rule.round_minutes
    return min(rounded, rule.max_minutes_per_day)


def day_minutes(rule: HoursRule, visits: list[Visit]) -> int:
    if isinstance(rule, HoursRuleFixed):
        return rule.minutes_per_day
    return attended_minutes(rule, visits)


def minutes_by_day(rule: HoursRule, visits: list[Visit], attended: bool, first_day: date,
                   tz: ZoneInfo) -> dict[date, int]:
    """A volunteer's minutes per service day in one position."""
    if not attended:
        return {first_day: 0}
    if not visits:
        if isinstance(rule, HoursRuleFixed):
            return {first_day: rule.minutes_per_day}
        return {first_day: 0}
    days: dict[date, list[Visit]] = {}
    for visit in visits:
        days.setdefault(service_day(visit.check_in, tz), []).append(visit)
    return {day: day_minutes(rule, day_visits) for day, day_visits in sorted(days.items())}


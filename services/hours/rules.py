"""Pure rules of hours: star levels and ledger keys. No I/O.

Star levels (SPEC §3.3, configurable): 1★ at 100 h, 2★ 300 h, 3★ 600 h, 4★ 1000 h, 5★ 1500 h.
Thresholds are compared in minutes, so no rounding ever decides a level.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

DEFAULT_STAR_HOURS: tuple[int, ...] = (100, 300, 600, 1000, 1500)


def star_level(total_minutes: int, star_hours: Sequence[int] = DEFAULT_STAR_HOURS) -> int:
    return sum(1 for hours in star_hours if total_minutes >= hours * 60)


def next_level_minutes(total_minutes: int,
                       star_hours: Sequence[int] = DEFAULT_STAR_HOURS) -> int | None:
    """Minutes still needed for the next star, or None at the top level."""
    for hours in star_hours:
        if total_minutes < hours * 60:
            return hours * 60 - total_minutes
    return None


def grant_key(volunteer_id: str, project_id: str, position_id: str, service_date: date) -> str:
    """The natural key of a grant: one entry per (volunteer, project, position, service day)."""
    return f"{volunteer_id}|{project_id}|{position_id}|{service_date.isoformat()}"

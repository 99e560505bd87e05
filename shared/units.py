"""Hours as money: integer minutes in storage and events, decimal hours (≤ 2 places) in the API.

Rounding rules, explicit and in one place:
- hours → minutes: ``hours × 60`` rounded half up to a whole minute (1.25 h → 75 min,
  0.33 h → 19.8 → 20 min). Minutes are then only ever added as integers.
- minutes → hours: ``minutes / 60`` rounded half up to 2 decimals (20 min → 0.33 h), for
  display only; sums are always made in minutes first, never of rounded hours.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import Field

HoursAmount = Annotated[Decimal, Field(ge=0, le=10_000, max_digits=7, decimal_places=2)]
"""An hours figure in a request: non-negative, at most 2 decimals."""

_CENT = Decimal("0.01")


def hours_to_minutes(hours: Decimal) -> int:
    return int((hours * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def minutes_to_hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(_CENT, rounding=ROUND_HALF_UP)

"""Hours' domain errors, each with its HTTP status and stable code."""

from __future__ import annotations

from shared.errors import PlatformError


class HoursError(PlatformError):
    pass


class AlreadyGranted(HoursError):
    status = 409
    code = "already_granted"
    message = "Hours for this volunteer, project, position and day are already recorded."

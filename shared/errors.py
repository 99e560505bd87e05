"""The platform's error base. Each domain derives its own (``HoursError(PlatformError)`` ...),
each carrying an HTTP status and a stable ``code``; ``shared.app`` maps them to SPEC §4's JSON
``{"code": ..., "message": ...}`` once, so routes never build error responses by hand.
"""

from __future__ import annotations

from typing import Any, ClassVar


class PlatformError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    message: ClassVar[str] = "The request could not be processed."

    def __init__(self, message: str | None = None, **details: Any) -> None:
        self.detail_message = message or self.message
        self.details = details
        super().__init__(self.detail_message)


class Unauthorized(PlatformError):
    status = 401
    code = "unauthorized"
    message = "Authentication is required."


class InvalidToken(Unauthorized):
    code = "invalid_token"
    message = "The access token is invalid or expired."


class Forbidden(PlatformError):
    status = 403
    code = "forbidden"
    message = "You are not allowed to do this."


class RateLimited(PlatformError):
    status = 429
    code = "rate_limited"
    message = "Too many attempts; try again later."

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after

"""Notifications' domain errors."""

from __future__ import annotations

from shared.errors import PlatformError


class NotificationsError(PlatformError):
    pass


class NoticeNotFound(NotificationsError):
    status = 404
    code = "notification_not_found"
    message = "No such notification."


class DeadLetterNotFound(NotificationsError):
    status = 404
    code = "dead_letter_not_found"
    message = "No such dead letter in that service's queue."

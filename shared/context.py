"""Correlation: the id of the HTTP request (or event) that started a chain of work.

It lives in structlog's contextvars, so every log line carries it, and every event emitted while
it is bound carries it too (``correlation_id``), with the event being handled as ``causation_id``.
"""

from __future__ import annotations

from shared.events import new_id
from shared.logging import get_bound


def current_correlation_id() -> str:
    value = get_bound().get("correlation_id")
    return str(value) if value else new_id()


def current_causation_id() -> str | None:
    value = get_bound().get("event_id")
    return str(value) if value else None

"""Prometheus metrics shared by every service (labelled by service / queue)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "http_requests_total", "HTTP requests served", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds", "HTTP request latency", ["service", "method", "route"]
)
EVENTS_HANDLED = Counter(
    "events_handled_total", "Consumed events by outcome", ["queue", "type", "outcome"]
)
EVENTS_PUBLISHED = Counter("events_published_total", "Events published by the relay",
                           ["service", "type"])
OUTBOX_PENDING = Gauge("outbox_pending", "Outbox entries not yet published", ["service"])
OUTBOX_LAG = Gauge("outbox_lag_seconds", "Age of the oldest unpublished outbox entry",
                   ["service"])
QUEUE_DEPTH = Gauge("queue_depth", "Messages ready in a service's queues", ["queue"])

"""The embedded mode: all four services and the gateway routes in one process and one port,
the in-memory bus unless ``AMQP_URL`` is set, a SecantusDB child process unless ``MONGO_URL``
is set. This module is the only place that knows all four services."""

from __future__ import annotations

from fastapi import FastAPI

from services.hours.app import service as hours
from services.identity.app import service as identity
from services.notifications.app import service as notifications
from services.projects.app import service as projects
from shared.app import create_app
from shared.runtime import ServiceSpec
from shared.settings import Settings

SERVICES: tuple[ServiceSpec, ...] = (identity, projects, hours, notifications)


def create_embedded_app(settings: Settings) -> FastAPI:
    return create_app(SERVICES, settings, embedded=True,
                      title="Volunteer hours platform (embedded)")

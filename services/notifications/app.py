"""The notifications service: its routes, the events it handles, its indexes."""

from services.notifications import store
from services.notifications.api import admin_router, router
from services.notifications.handlers import handlers
from shared.runtime import ServiceSpec

service = ServiceSpec(name="notifications", routers=[router, admin_router],
                      handlers=handlers, ensure_indexes=store.ensure_indexes)

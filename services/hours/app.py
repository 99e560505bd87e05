"""The hours service: its routes, the events it handles, its indexes."""

from services.hours import store
from services.hours.api import router
from services.hours.handlers import handlers
from shared.runtime import ServiceSpec

service = ServiceSpec(name="hours", routers=[router], handlers=handlers,
                      ensure_indexes=store.ensure_indexes)

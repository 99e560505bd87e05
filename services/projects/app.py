"""The projects service: its routes, the events it handles, its indexes."""

from services.projects import store
from services.projects.api import router
from services.projects.handlers import handlers
from shared.runtime import ServiceSpec

service = ServiceSpec(name="projects", routers=[router], handlers=handlers,
                      ensure_indexes=store.ensure_indexes)

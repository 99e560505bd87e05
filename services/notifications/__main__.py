"""``python -m services.notifications``: this service alone (HTTP, consumers, outbox relay)."""

from services.notifications.app import service
from shared.app import create_app, serve
from shared.settings import get_settings

if __name__ == "__main__":
    settings = get_settings()
    serve(create_app([service], settings, embedded=False, title="notifications"), settings)

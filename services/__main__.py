"""``python -m services``: the embedded mode on http://127.0.0.1:8000 (docs at /docs)."""

from services.embedded import create_embedded_app
from shared.app import serve
from shared.settings import get_settings

if __name__ == "__main__":
    settings = get_settings()
    serve(create_embedded_app(settings), settings)

"""``python -m services.identity``: the identity service alone (distributed mode)."""

from __future__ import annotations

from services.identity.app import service
from shared.app import create_app, serve
from shared.settings import get_settings


def main() -> None:
    settings = get_settings()
    serve(create_app([service], settings, embedded=False, title="identity"), settings)


if __name__ == "__main__":
    main()

"""Identity's admin commands.

    python -m services.identity.cli create-admin --mobile 13800000000 --password '...'

Reads the same settings as the service (``MONGO_URL``, ``MONGO_DB_PREFIX`` ...).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from services.identity.errors import IdentityError
from services.identity.service import bootstrap_platform_admin
from services.identity.store import Store
from shared.logging import configure_logging
from shared.mongo import create_client, service_database
from shared.settings import Settings, get_settings


async def create_admin(settings: Settings, mobile: str, password: str) -> int:
    if not settings.mongo_url:
        print("MONGO_URL must be set", file=sys.stderr)
        return 2
    client = create_client(settings.mongo_url)
    try:
        store = Store(service_database(client, settings, "identity"))
        await store.ensure_indexes()
        try:
            outcome = await bootstrap_platform_admin(store, mobile, password)
        except IdentityError as exc:
            print(f"{exc.code}: {exc.detail_message}", file=sys.stderr)
            return 2
    finally:
        await client.close()
    messages = {
        "created": "platform administrator created",
        "exists": "platform administrator already exists",
        "mobile_taken": "this mobile number belongs to an account that is not a platform "
                        "administrator; nothing changed",
    }
    print(messages[outcome], file=sys.stderr if outcome == "mobile_taken" else sys.stdout)
    return 1 if outcome == "mobile_taken" else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.identity.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    admin = commands.add_parser("create-admin", help="create a platform administrator")
    admin.add_argument("--mobile", required=True)
    admin.add_argument("--password", required=True)
    args = parser.parse_args(argv)
    settings = get_settings()
    configure_logging(settings, embedded=False)
    if args.command == "create-admin":
        return asyncio.run(create_admin(settings, args.mobile, args.password))
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())

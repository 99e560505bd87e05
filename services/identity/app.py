"""Identity as a service: its routes, indexes and start-up work. It consumes no events."""

from __future__ import annotations

from services.identity.api import router
from services.identity.crypto import PersonalDataCipher, load_or_create_fernet_key
from services.identity.service import CIPHER, KEYS, bootstrap_platform_admin
from services.identity.store import Store
from shared.auth import load_signing_keys
from shared.runtime import ServiceContext, ServiceSpec


async def ensure_indexes(ctx: ServiceContext) -> None:
    await Store(ctx.db).ensure_indexes()


async def on_start(ctx: ServiceContext) -> None:
    settings = ctx.settings
    ctx.state[KEYS] = load_signing_keys(settings)
    ctx.state[CIPHER] = PersonalDataCipher.from_key(load_or_create_fernet_key(settings))
    if settings.admin_mobile and settings.admin_password:
        await bootstrap_platform_admin(Store(ctx.db), settings.admin_mobile,
                                       settings.admin_password)


service = ServiceSpec(name="identity", routers=[router], ensure_indexes=ensure_indexes,
                      on_start=on_start)

"""Projects' event handlers: a local copy of organizations (event-carried state transfer)."""

from __future__ import annotations

from collections.abc import Mapping

from services.projects import store
from shared.bus import Handler
from shared.events import Envelope, Event, OrganizationApproved, OrganizationRegistered
from shared.outbox import Tx
from shared.runtime import ServiceContext


def handlers(ctx: ServiceContext) -> Mapping[type[Event], Handler]:
    async def on_organization_registered(envelope: Envelope,
                                         event: OrganizationRegistered) -> None:
        async def write(tx: Tx) -> None:
            # $setOnInsert-like: never downgrade an organization already seen as approved
            existing = await tx.db.organizations.find_one({"_id": event.organization_id},
                                                          session=tx.session)
            status = existing["status"] if existing else "pending"
            await store.upsert_organization(tx.db, event.organization_id, tx.session,
                                            name=event.name, status=status)

        await ctx.handle_once(envelope, write)

    async def on_organization_approved(envelope: Envelope, event: OrganizationApproved) -> None:
        async def write(tx: Tx) -> None:
            await store.upsert_organization(tx.db, event.organization_id, tx.session,
                                            name=event.name, status="approved")

        await ctx.handle_once(envelope, write)

    return {OrganizationRegistered: on_organization_registered,
            OrganizationApproved: on_organization_approved}

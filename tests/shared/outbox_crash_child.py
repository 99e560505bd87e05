"""Child process for test_outbox: commit a state change and its event, then die at once.

``python -m tests.shared.outbox_crash_child <mongo_url> <db_name> <amqp_url> <exchange>``

The outbox's bus is built but never started, so no relay runs and nothing can be published; the
process prints ``EVENT_ID=<id>`` and ``os._exit(0)``s right after the commit: no clean-up, no
flush of anything but stdout, exactly a process killed between commit and publish.
"""

from __future__ import annotations

import asyncio
import os
import sys

from shared.bus import RabbitBus
from shared.events import OrganizationApproved
from shared.mongo import create_client
from shared.outbox import Outbox, Tx


async def main(mongo_url: str, db_name: str, amqp_url: str, exchange: str) -> None:
    client = create_client(mongo_url)
    db = client.get_database(db_name)
    outbox = Outbox(client, db, "crash-child", RabbitBus(amqp_url, exchange=exchange))

    async def approve(tx: Tx) -> str:
        await tx.db["organizations"].insert_one(
            {"_id": "org-crash", "status": "approved"}, session=tx.session)
        return tx.emit(OrganizationApproved(organization_id="org-crash", name="Crash Org")).id

    event_id = await outbox.transaction(approve)
    sys.stdout.write(f"EVENT_ID={event_id}\n")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))

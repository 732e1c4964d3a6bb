"""What a partner changes on one of its clients (``PATCH …/clients/{client_id}``)."""

from __future__ import annotations

from typing import Any

from partnerhub.domain.clients.model import Client
from partnerhub.domain.clock import Clock
from partnerhub.domain.errors import InvalidInput, NotFound
from partnerhub.domain.ports import UnitOfWork
from partnerhub.domain.text import clean_text


async def update_client(
    uow: UnitOfWork,
    clock: Clock,
    partner_id: str,
    client_id: str,
    changes: dict[str, Any],
) -> Client:
    await uow.lock_for_write()
    client = await uow.clients.get_client(partner_id, client_id)
    if client is None:
        raise NotFound("Client not found")
    if "partner_payload" in changes:
        payload = changes["partner_payload"]
        client.partner_payload = None if payload is None else clean_text("partner_payload", payload)
    # ``null`` on the optional numeric setting leaves it unchanged (docs/fidelity.md).
    if changes.get("max_channels") is not None:
        value = changes["max_channels"]
        if not 1 <= value <= 1000:
            raise InvalidInput("max_channels", "must be between 1 and 1000")
        if value < await uow.clients.count_channels(client.id):
            raise InvalidInput("max_channels", "is below the client's current number of channels")
        client.max_channels = value
    client.modified_at = clock.now()
    client.modified_by = {"user_id": "partner", "user_name": partner_id}
    await uow.commit()
    return client

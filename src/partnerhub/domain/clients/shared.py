"""Shared clients (``POST …/account_sharing/clients``): a client the partner creates itself,
for a partner that hosts Meta's embedded signup; numbers follow once shared."""

from __future__ import annotations

from partnerhub.domain import ids
from partnerhub.domain.clients import events
from partnerhub.domain.clients.model import Client
from partnerhub.domain.clock import Clock
from partnerhub.domain.errors import InvalidInput
from partnerhub.domain.partners.services import load_partner, validate_email
from partnerhub.domain.ports import UnitOfWork
from partnerhub.domain.text import clean_text
from partnerhub.domain.webhooks import outbox


async def create_shared_client(
    uow: UnitOfWork,
    clock: Clock,
    partner_id: str,
    *,
    name: str,
    email: str,
    user_name: str | None,
    partner_payload: str | None,
) -> Client:
    """``POST …/account_sharing/clients``: an empty client (no WABA, no numbers yet) for a
    partner that hosts Meta's embedded signup itself; numbers follow once shared."""
    partner = await load_partner(uow, partner_id)
    organisation = clean_text("name", name).strip()
    if not organisation:
        raise InvalidInput("name", "must not be empty")
    if len(organisation) > 255:
        raise InvalidInput("name", "must be at most 255 characters")
    address = validate_email(email)
    contact = clean_text("user_name", user_name or "").strip() or organisation
    now = clock.now()
    client = Client(
        id=ids.new_id(ids.CLIENT),
        partner_id=partner.id,
        name=organisation,
        status="active",
        organisation=organisation,
        partner_payload=None
        if partner_payload is None
        else clean_text("partner_payload", partner_payload),
        contact_info={"email": address, "full_name": contact},
        contact_user={"name": contact, "email": address, "phone": None},
        created_by={"user_id": "partner", "user_name": partner.id},
        modified_by={"user_id": "partner", "user_name": partner.id},
        created_at=now,
        modified_at=now,
    )
    uow.clients.add(client)
    await uow.flush()
    await outbox.emit(uow, clock, partner, events.client_created(client))
    await uow.commit()
    return client

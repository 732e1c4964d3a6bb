"""Partner change between 360dialog partners (issue 18 item 5), as a state machine.

360dialog's docs (docs/fidelity.md, "Partner change"): a client asks, in its Client Hub, to move
to another partner (the *target*), giving that partner's id; the target partner receives the
request and accepts it (or has ``settings.partner_change_request.auto_approve`` on, and it is
accepted at once); on acceptance the client moves with **all** its numbers (a full migration),
and the client must then grant the new partner permission again.

States: ``pending`` → ``completed`` (approved: moved) or ``rejected`` [ours]. Only the target
partner sees a request (``/selective_partner_change_requests`` lists those "to your partner
hub"), and before the move it sees only the request itself (ids and status), never the
client's objects: ``/clients/{client_id}`` stays the source partner's until the move commits.

The move is one transaction: the client, its WABAs and numbers (with their templates, catalogs,
media and Client Hub login) change owner; every channel API key of the numbers is revoked, the
numbers' messaging webhooks are cleared (they pointed at the old partner's systems) and their
``permission`` becomes false; the source partner gets ``channel_permission_revoked`` per number,
the target ``client_created`` and ``channel_created`` per number [ours: 360dialog documents no
partner-change webhook event].
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from partnerhub.domain.clients import events
from partnerhub.domain.clients.model import Channel, ChannelStatus
from partnerhub.domain.clock import Clock
from partnerhub.domain.errors import Conflict, InvalidInput, NotFound
from partnerhub.domain.ids import new_id
from partnerhub.domain.listing import ListQuery
from partnerhub.domain.partner_change.model import PartnerChangeRequest, PcrStatus
from partnerhub.domain.partners.model import Partner
from partnerhub.domain.partners.services import load_partner
from partnerhub.domain.ports import UnitOfWork
from partnerhub.domain.webhooks import outbox
from partnerhub.wire import events as wire

_ENDED = (ChannelStatus.TERMINATED, ChannelStatus.CANCELLED)

# The target partner's decision on a pending request: :func:`approve` or :func:`reject`.
Decision = Callable[[UnitOfWork, Clock, str, str], Awaitable[PartnerChangeRequest]]


def auto_approves(partner: Partner) -> bool:
    setting = partner.settings.get("partner_change_request") or {}
    return bool(setting.get("auto_approve", False))


async def request_change(
    uow: UnitOfWork, clock: Clock, client_id: str, target_partner_id: str
) -> PartnerChangeRequest:
    """The client asks to move to ``target_partner_id`` (the emulator stands in for its Client
    Hub). Decided at once when the target auto-approves; otherwise ``pending``."""
    await uow.lock_for_write()
    source_id = await uow.clients.owner_of_client(client_id)
    if source_id is None:
        raise NotFound("Client not found")
    target = await uow.partners.get(target_partner_id)
    if target is None:
        raise InvalidInput("target_partner_id", "no partner has this id")
    if target.id == source_id:
        raise InvalidInput("target_partner_id", "the client already belongs to this partner")
    if await uow.partner_changes.pending_for_client(client_id) is not None:
        raise Conflict("The client has a pending partner change request already")
    channels = [
        c for c in await uow.clients.channels_of_client(client_id) if c.status not in _ENDED
    ]
    now = clock.now()
    pcr = PartnerChangeRequest(
        id=new_id("PCR"),
        status=str(PcrStatus.PENDING),
        client_id=client_id,
        source_partner_id=source_id,
        target_partner_id=target.id,
        channel_ids=tuple(c.id for c in channels),
        created_at=now,
        updated_at=now,
    )
    if not await uow.partner_changes.add(pcr):
        raise Conflict("The client has a pending partner change request already")
    if auto_approves(target):
        pcr = await _complete(uow, clock, pcr, target)
    await uow.commit()
    return pcr


async def list_requests(
    uow: UnitOfWork, partner_id: str, query: ListQuery, status: str | None = None
) -> tuple[list[PartnerChangeRequest], int]:
    """The requests to ``partner_id``'s hub (it is their target), newest first."""
    return await uow.partner_changes.list_for_target(partner_id, query, status)


async def _pending_of(uow: UnitOfWork, partner_id: str, pcr_id: str) -> PartnerChangeRequest:
    pcr = await uow.partner_changes.get(pcr_id, for_update=True)
    if pcr is None or pcr.target_partner_id != partner_id:
        raise NotFound("Partner change request not found")
    if pcr.status != PcrStatus.PENDING:
        raise Conflict(f"The partner change request is {pcr.status} already")
    return pcr


async def approve(
    uow: UnitOfWork, clock: Clock, partner_id: str, pcr_id: str
) -> PartnerChangeRequest:
    """The target partner accepts: the client moves to it (see the module docstring)."""
    await uow.lock_for_write()
    target = await load_partner(uow, partner_id)
    pcr = await _complete(uow, clock, await _pending_of(uow, partner_id, pcr_id), target)
    await uow.commit()
    return pcr


async def reject(
    uow: UnitOfWork, clock: Clock, partner_id: str, pcr_id: str
) -> PartnerChangeRequest:
    """The target partner refuses: nothing moves; the client stays with its partner."""
    await uow.lock_for_write()
    await load_partner(uow, partner_id)
    pcr = (await _pending_of(uow, partner_id, pcr_id)).decided(PcrStatus.REJECTED, clock.now())
    await uow.partner_changes.save(pcr)
    await uow.commit()
    return pcr


async def _complete(
    uow: UnitOfWork, clock: Clock, pcr: PartnerChangeRequest, target: Partner
) -> PartnerChangeRequest:
    """Move the client, its WABAs and numbers to ``target``; no commit (the caller's)."""
    source = await load_partner(uow, pcr.source_partner_id)
    client = await uow.clients.get_client(source.id, pcr.client_id, for_update=True)
    if client is None:  # moved or deleted since the request was made
        raise Conflict("The client no longer belongs to the partner it asked to leave")
    now = clock.now()
    channels: list[Channel] = await uow.clients.channels_of_client(client.id)
    wabas = await uow.clients.wabas_by_id(sorted({c.waba_account_id for c in channels}))
    first_waba = await uow.clients.waba_of_client(client.id)
    if first_waba is not None:
        wabas.setdefault(first_waba.id, first_waba)
    moving = [c for c in channels if c.status not in _ENDED]
    lost: list[wire.Event] = []
    for channel in moving:
        await uow.messaging.revoke_channel_keys(channel.id, now)
        channel.permission = False
        channel.messaging_webhook_url = None
        channel.messaging_webhook_headers = {}
        channel.multi_webhook_enabled = False
        channel.multi_webhook_destinations = []
        channel.modified_at = now
        lost.append(
            events.permission_event(
                wire.ChannelPermissionRevoked, channel, client, wabas[channel.waba_account_id]
            )
        )
    for channel in channels:
        channel.partner_id = target.id
    for waba in wabas.values():
        waba.partner_id = target.id
        waba.modified_at = now
    client.partner_id = target.id
    client.partner_payload = None  # the old partner's note about its client stays with it
    client.modified_at = now
    await uow.flush()
    await uow.partner_changes.move_client_rows(
        client.id, list(wabas), [c.id for c in channels], target.id, now
    )
    gained: list[wire.Event] = [events.client_created(client)]
    gained += [
        events.channel_event(wire.ChannelCreated, c, client, wabas[c.waba_account_id])
        for c in moving
    ]
    await outbox.emit_many(uow, clock, source, lost)
    await outbox.emit_many(uow, clock, target, gained)
    # The numbers that moved: those the client has now (it may have added one since it asked).
    done = replace(pcr.decided(PcrStatus.COMPLETED, now), channel_ids=tuple(c.id for c in moving))
    await uow.partner_changes.save(done)
    return done

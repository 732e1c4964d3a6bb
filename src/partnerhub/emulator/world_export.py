"""The world export (``GET /_emulator/state``): one domain-to-document mapper per resource [ours].

Each mapper turns one stored object into its :mod:`partnerhub.emulator.wire` ``World…`` Struct;
:func:`export` reads everything in one unit of work and assembles the document. Adding a field
to a resource: its ``wire.World…`` Struct, its builder in :mod:`partnerhub.emulator.world`
(the seed) and its line in the mapper here.

Why not the Partner API presenters (``server/presenters/<resource>.py``)? They map the same
objects to a different contract: the public view, with times at the API's precision, derived
fields (a channel's ``terminated_at`` shows its cancellation date) and no secrets. The export
must be lossless (exact times, raw fields, secrets as hashes or sealed) so that seeding it back
gives the same world; the two would share no line of output. What they do share, the rules of
how a value is shown, they take from the domain (``templates.model.author``, ``clock``,
``billing.model.from_micros``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import msgspec

from partnerhub.adapters.unit_of_work import UnitOfWork
from partnerhub.domain import sealing
from partnerhub.domain.billing.model import Balance, from_micros
from partnerhub.domain.clients.model import Channel, Client, ClientLogin, WabaAccount
from partnerhub.domain.clock import isoformat_exact as isoformat
from partnerhub.domain.keys.model import ApiKey
from partnerhub.domain.partners.model import Partner, PartnerUser
from partnerhub.domain.templates.model import Template, author
from partnerhub.emulator import wire, world_rows


def _sealed(master_key: str, headers: dict[str, str]) -> str | None:
    return sealing.seal(master_key, headers) if headers else None


def _renewed_at(balance: Balance | None) -> str | None:
    return None if balance is None else isoformat(balance.last_renewal_at)


def _renewed(balance: Balance | None) -> float | None:
    if balance is None or balance.last_renewal_micros is None:
        return None
    return from_micros(balance.last_renewal_micros)


def world_user(u: PartnerUser) -> wire.WorldUser:
    return wire.WorldUser(
        id=u.id,
        email=u.email,
        password_hash=u.password_hash,
        disabled_at=isoformat(u.disabled_at),
        created_at=isoformat(u.created_at),
    )


def world_api_key(k: ApiKey) -> wire.WorldApiKey:
    return wire.WorldApiKey(
        id=k.id,
        name=k.name,
        key_sha256=k.secret_digest,
        prefix=k.prefix,
        created_at=isoformat(k.created_at),
        revoked_at=isoformat(k.revoked_at),
        last_used_at=isoformat(k.last_used_at),
    )


def world_partner(
    p: Partner,
    balance: Balance | None,
    users: list[wire.WorldUser],
    api_keys: list[wire.WorldApiKey],
    master_key: str,
) -> wire.WorldPartner:
    return wire.WorldPartner(
        id=p.id,
        brand_name=p.brand_name,
        logo_url=p.logo_url,
        country=p.country,
        webhook_url=p.webhook_url,
        webhook_headers_sealed=_sealed(master_key, p.webhook_headers),
        webhook_disabled_at=isoformat(p.webhook_disabled_at),
        partner_redirect_url=p.partner_redirect_url,
        billing_model=p.billing_model,
        allow_client_to_add_phone_no=p.allow_client_to_add_phone_no,
        io_signature_enabled=p.io_signature_enabled,
        platform_secret_nonce=p.platform_secret_nonce,
        previous_platform_secret_nonce=p.previous_platform_secret_nonce,
        previous_platform_secret_until=isoformat(p.previous_platform_secret_until),
        settings=p.settings,
        created_at=isoformat(p.created_at),
        modified_at=isoformat(p.modified_at),
        balance=from_micros(balance.total_micros) if balance is not None else None,
        currency=balance.currency if balance is not None else None,
        last_renewal_at=_renewed_at(balance),
        last_renewal_amount=_renewed(balance),
        users=users,
        api_keys=api_keys,
    )


def world_login(login: ClientLogin) -> wire.WorldUser:
    return wire.WorldUser(
        email=login.email,
        password_hash=login.password_hash,
        created_at=isoformat(login.created_at),
    )


def world_client(c: Client, balance: Balance | None, login: ClientLogin | None) -> wire.WorldClient:
    return wire.WorldClient(
        id=c.id,
        partner_id=c.partner_id,
        name=c.name,
        status=c.status,
        organisation=c.organisation,
        partner_payload=c.partner_payload,
        max_channels=c.max_channels,
        meta_info=c.meta_info,
        contact_info=c.contact_info,
        contact_user=c.contact_user,
        created_by=c.created_by,
        modified_by=c.modified_by,
        created_at=isoformat(c.created_at),
        modified_at=isoformat(c.modified_at),
        balance=from_micros(balance.total_micros) if balance is not None else None,
        last_renewal_at=_renewed_at(balance),
        last_renewal_amount=_renewed(balance),
        login=world_login(login) if login is not None else None,
    )


def world_waba(w: WabaAccount) -> wire.WorldWaba:
    return wire.WorldWaba(
        id=w.id,
        client_id=w.client_id,
        name=w.name,
        status=w.status,
        external_id=w.external_id,
        fb_business_id=w.fb_business_id,
        namespace=w.namespace,
        timezone_id=w.timezone_id,
        settings=w.settings,
        created_at=isoformat(w.created_at),
        modified_at=isoformat(w.modified_at),
        restriction_info=[
            wire.WorldRestriction(r["restriction_type"], int(r["expiration"]))
            for r in w.restriction_info
        ]
        or None,
    )


def world_channel(ch: Channel, master_key: str) -> wire.WorldChannel:
    return wire.WorldChannel(
        id=ch.id,
        client_id=ch.client_id,
        waba_account_id=ch.waba_account_id,
        phone_number=ch.phone_number,
        phone_name=ch.phone_name,
        status=str(ch.status),
        permission=ch.permission,
        account_mode=ch.account_mode,
        external_id=ch.external_id,
        current_limit=ch.current_limit,
        current_quality_rating=ch.current_quality_rating,
        type=ch.type,
        version=ch.version,
        is_migrated=ch.is_migrated,
        availability_status=ch.availability_status,
        was_in_use=ch.was_in_use,
        verification_method=ch.verification_method,
        default_language=ch.default_language,
        billing_started_at=isoformat(ch.billing_started_at),
        terminated_at=isoformat(ch.terminated_at),
        cancellation_requested_at=isoformat(ch.cancellation_requested_at),
        cancellation_date=isoformat(ch.cancellation_date),
        created_at=isoformat(ch.created_at),
        modified_at=isoformat(ch.modified_at),
        messaging_webhook_url=ch.messaging_webhook_url,
        messaging_webhook_headers_sealed=_sealed(master_key, ch.messaging_webhook_headers),
        multi_webhook_enabled=ch.multi_webhook_enabled,
        multi_webhook_destinations=[
            wire.WorldWebhookDestination(
                name=d["name"],
                url=d["url"],
                headers_sealed=_sealed(master_key, d.get("headers") or {}),
            )
            for d in ch.multi_webhook_destinations
        ]
        or None,
        is_on_biz_app=ch.is_on_biz_app,
        tier=ch.tier,
        smb_app_state=ch.smb_app_state or None,
        smb_contacts_synced_at=isoformat(ch.smb_contacts_synced_at),
        smb_contacts_pending=ch.smb_contacts_pending,
        smb_history_synced_at=isoformat(ch.smb_history_synced_at),
        smb_history_next_phase=ch.smb_history_next_phase,
        smb_history_next_at=isoformat(ch.smb_history_next_at),
        name_status=ch.name_status,
        display_name_requests=[
            msgspec.convert(r, wire.WorldDisplayNameRequest) for r in ch.display_name_requests
        ]
        or None,
        ctwa_enabled=ch.ctwa_enabled,
    )


def world_template(t: Template) -> wire.WorldTemplate:
    return wire.WorldTemplate(
        id=t.id,
        waba_account_id=t.waba_account_id,
        name=t.name,
        language=t.language,
        category=t.category,
        components=t.components,
        status=t.status,
        rejected_reason=t.rejected_reason,
        created_at=isoformat(t.created_at),
        modified_at=isoformat(t.modified_at),
        # As shown: a template stored before authors were kept shows its partner.
        created_by=author(t.created_by, t),
        modified_by=author(t.modified_by, t),
        approved_edits=[isoformat(datetime.fromisoformat(at)) or "" for at in t.approved_edits],
    )


async def export(uow: UnitOfWork, master_key: str) -> wire.World:
    """The current world, in the seed format (secrets as hashes or sealed, never in clear)."""
    store = world_rows.WorldStore(uow)
    partners: list[Partner] = await store.all_of(Partner)
    users: list[PartnerUser] = await store.all_of(PartnerUser)
    keys: list[ApiKey] = await store.all_of(ApiKey)
    clients: list[Client] = await store.all_of(Client)
    wabas: list[WabaAccount] = await store.all_of(WabaAccount)
    channels: list[Channel] = await store.all_of(Channel)
    templates: list[Template] = await store.all_of(Template)
    balances: Mapping[str, Balance] = {b.owner_id: b for b in await store.all_of(Balance)}
    logins = {login.client_id: login for login in await store.all_of(ClientLogin)}
    history = {section: await store.export_rows(section) for section in world_rows.SECTIONS}
    return wire.World(
        version=wire.FORMAT_VERSION,
        **history,
        partners=[
            world_partner(
                p,
                balances.get(p.id),
                [world_user(u) for u in users if u.partner_id == p.id],
                [world_api_key(k) for k in keys if k.partner_id == p.id],
                master_key,
            )
            for p in partners
        ],
        clients=[world_client(c, balances.get(c.id), logins.get(c.id)) for c in clients],
        waba_accounts=[world_waba(w) for w in wabas],
        channels=[world_channel(ch, master_key) for ch in channels],
        waba_templates=[world_template(t) for t in templates],
    )

"""Seed and export the whole emulated world (``/_emulator/seed`` and ``/_emulator/state``) [ours].

A test suite wants to start from a known world: the same partners, keys, clients and numbers,
with the same ids, every run. :func:`seed` replaces everything with the objects of a
:class:`~partnerhub.emulator.wire.World` document in one transaction — checked whole first, so a bad
document changes nothing — and :func:`partnerhub.emulator.world_export.export` writes the
current world in the same format, one mapper per resource.

The document format is the wire contract itself (it is what the emulator takes and returns),
so this module reads :mod:`partnerhub.emulator.wire` directly instead of mirroring it.
Seeding writes no *new* webhook events: it sets up a world, it does not replay its history; the
history an export carries (events, deliveries, usage, messages) is stored back as it was, so an
export seeds into a fresh server and every list and detail answer is the same (version 2).

Adding a field to a resource: its ``wire.World…`` struct, its builder below (``_partners``,
``_clients``, …) and its line in its mapper in :mod:`partnerhub.emulator.world_export`.
Adding a history table: one line in :data:`partnerhub.emulator.world_rows.SECTIONS` and a
list in ``wire.World``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import msgspec

from partnerhub.adapters.unit_of_work import UnitOfWork
from partnerhub.domain import ids, sealing
from partnerhub.domain.auth.passwords import MIN_PASSWORD_LENGTH, hash_password
from partnerhub.domain.billing.model import (
    DEFAULT_CURRENCY,
    Balance,
    to_micros,
    validate_currency,
)
from partnerhub.domain.clients import login as client_login
from partnerhub.domain.clients.model import (
    LIFECYCLE,
    Channel,
    ChannelStatus,
    Client,
    ClientLogin,
    WabaAccount,
)
from partnerhub.domain.clients.phones import normalize_phone
from partnerhub.domain.clock import Clock, parse_timestamp
from partnerhub.domain.compliance import display_names, enforcement, schedule
from partnerhub.domain.errors import InvalidInput
from partnerhub.domain.keys import secrets as key_secrets
from partnerhub.domain.keys.model import ApiKey
from partnerhub.domain.messaging import coexistence
from partnerhub.domain.messaging.multi_webhook import MAX_DESTINATIONS
from partnerhub.domain.partners import rules
from partnerhub.domain.partners.model import Partner, PartnerUser, default_settings
from partnerhub.domain.partners.services import validate_email
from partnerhub.domain.templates import rules as template_rules
from partnerhub.domain.templates.model import SEED_AUTHOR, Template, TemplateStatus
from partnerhub.domain.templates.services import (
    DEFAULT_REJECTED_REASON,
    TEMPLATE_ID_SUFFIX,
)
from partnerhub.domain.text import clean_text
from partnerhub.domain.webhooks import signing
from partnerhub.domain.webhooks.services import validate_headers
from partnerhub.emulator import wire, world_rows

_ID = re.compile(r"^[A-Za-z0-9]{1,30}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
WABA_STATUSES = (
    "created",
    "consents_pending",
    "unverified",
    "approved",
    "account_violation",
    "account_restriction",
    "account_banned",
    "bsp_removed",
)
BILLING_MODELS = ("partner", "direct")
ACCOUNT_MODES = ("live", "sandbox")
TIERS = ("basic", "regular", "premium")  # 360dialog's license plans
# Meta counts edits of an approved template over 30 days; far more than any limit.
MAX_APPROVED_EDITS = 1000


@dataclass
class Summary:
    partners: int = 0
    clients: int = 0
    waba_accounts: int = 0
    channels: int = 0
    waba_templates: int = 0
    api_keys: int = 0
    users: int = 0
    ids: dict[str, list[str]] = field(default_factory=dict)
    history: dict[str, int] = field(default_factory=dict)


def _numeric(seed: str, digits: int = 15) -> str:
    """A Meta-style numeric id derived from one of ours: the same seed always gives the same id."""
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")
    return str(10 ** (digits - 1) + number % (9 * 10 ** (digits - 1)))


def _check_id(where: str, value: str, suffix: str, seen: set[str]) -> str:
    if not _ID.match(value) or not value.endswith(suffix) or len(value) <= len(suffix):
        raise InvalidInput(
            where, f"must be letters and digits ending in '{suffix}', e.g. demo{suffix}"
        )
    if value in seen:
        raise InvalidInput(where, f"'{value}' is used twice")
    seen.add(value)
    return value


def _time(where: str, value: str | None, default: datetime) -> datetime:
    return default if value is None else parse_timestamp(where, value, whole_seconds=False)


def _optional_time(where: str, value: str | None) -> datetime | None:
    return None if value is None else parse_timestamp(where, value, whole_seconds=False)


def _version(where: str, value: int) -> int:
    if not 0 <= value < 2**31:
        raise InvalidInput(where, "must be between 0 and 2147483647")
    return value


def _renewal(
    at: str, when: str | None, amount: float | None, balance: float | None
) -> tuple[datetime | None, int | None]:
    """A balance's last top-up (``last_renewal_at`` + ``last_renewal_amount``): both or neither,
    and only on a balance."""
    if (when is None) != (amount is None):
        raise InvalidInput(f"{at}.last_renewal_at", "give last_renewal_amount with it, or neither")
    if when is None or amount is None:
        return None, None
    if balance is None:
        raise InvalidInput(f"{at}.last_renewal_at", "a last renewal needs a balance")
    return (
        parse_timestamp(f"{at}.last_renewal_at", when, whole_seconds=False),
        to_micros(f"{at}.last_renewal_amount", amount, allow_negative=False),
    )


def _author(where: str, value: dict[str, str] | None) -> dict[str, str]:
    """A template's ``created_by`` / ``modified_by``: ``{"user_id", "user_name"}``."""
    if value is None:
        return dict(SEED_AUTHOR)
    if set(value) != {"user_id", "user_name"}:
        raise InvalidInput(where, 'must be {"user_id": ..., "user_name": ...}')
    return {k: clean_text(f"{where}.{k}", v)[:255] for k, v in value.items()}


def _approved_edits(where: str, values: list[str]) -> list[str]:
    """Stored as the template service writes them (``datetime.isoformat()``)."""
    if len(values) > MAX_APPROVED_EDITS:
        raise InvalidInput(where, f"must list at most {MAX_APPROVED_EDITS} edits")
    return [
        parse_timestamp(f"{where}[{i}]", value, whole_seconds=False).isoformat()
        for i, value in enumerate(values)
    ]


def _one_of(where: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise InvalidInput(where, f"must be one of: {', '.join(allowed)}")
    return value


@dataclass
class _Loaded:
    balances: list[Balance] = field(default_factory=list)
    logins: list[ClientLogin] = field(default_factory=list)
    partners: list[Partner] = field(default_factory=list)
    users: list[PartnerUser] = field(default_factory=list)
    keys: list[ApiKey] = field(default_factory=list)
    clients: list[Client] = field(default_factory=list)
    wabas: list[WabaAccount] = field(default_factory=list)
    channels: list[Channel] = field(default_factory=list)
    templates: list[Template] = field(default_factory=list)
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _headers(
    master_key: str, where: str, clear: dict[str, str] | None, sealed: str | None
) -> dict[str, str]:
    """Custom webhook headers given in clear (a hand-written seed) or sealed (an export)."""
    if clear is not None and sealed is not None:
        raise InvalidInput(where, "give the headers in clear or sealed, not both")
    if sealed is not None:
        opened = sealing.unseal(master_key, f"{where}_sealed", sealed)
        if not isinstance(opened, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in opened.items()
        ):
            raise InvalidInput(f"{where}_sealed", "does not hold a header map")
        clear = opened
    try:
        return validate_headers(clear or {})
    except InvalidInput as exc:
        raise InvalidInput(f"{where}.{exc.field.removeprefix('headers.')}", exc.message) from None


def _destinations(
    master_key: str, where: str, items: list[wire.WorldWebhookDestination] | None
) -> list[dict[str, Any]]:
    """A number's ``/multi_webhook`` destinations: the API's limits, URLs checked for form."""
    found: list[dict[str, Any]] = []
    if items and len(items) > MAX_DESTINATIONS:
        raise InvalidInput(where, f"at most {MAX_DESTINATIONS} destinations per number")
    for i, item in enumerate(items or []):
        at = f"{where}[{i}]"
        if not item.name or item.name in {d["name"] for d in found}:
            raise InvalidInput(f"{at}.name", "must be a name not used by another destination")
        url = rules.validate_url(f"{at}.url", item.url)
        headers = _headers(master_key, f"{at}.headers", item.headers, item.headers_sealed)
        found.append({"name": item.name, "url": url, "headers": headers})
    return found


def _partners(document: wire.World, now: datetime, master_key: str, out: _Loaded) -> None:
    seen: set[str] = set()
    emails: set[str] = set()
    digests: set[str] = set()
    for i, item in enumerate(document.partners):
        at = f"partners[{i}]"
        partner = Partner(
            id=_check_id(f"{at}.id", item.id, ids.PARTNER, seen),
            brand_name=rules.validate_brand_name(clean_text(f"{at}.brand_name", item.brand_name)),
            logo_url=rules.validate_url(f"{at}.logo_url", item.logo_url) if item.logo_url else None,
            country=rules.validate_country(item.country) if item.country else None,
            webhook_url=rules.validate_url(f"{at}.webhook_url", item.webhook_url)
            if item.webhook_url
            else None,
            webhook_headers=_headers(
                master_key,
                f"{at}.webhook_headers",
                item.webhook_headers,
                item.webhook_headers_sealed,
            ),
            webhook_disabled_at=_optional_time(
                f"{at}.webhook_disabled_at", item.webhook_disabled_at
            ),
            partner_redirect_url=rules.validate_url(
                f"{at}.partner_redirect_url", item.partner_redirect_url
            )
            if item.partner_redirect_url
            else None,
            billing_model=_one_of(f"{at}.billing_model", item.billing_model, BILLING_MODELS),
            allow_client_to_add_phone_no=item.allow_client_to_add_phone_no,
            io_signature_enabled=item.io_signature_enabled,
            # Every partner signs its webhooks: one seeded without a nonce gets one derived
            # from its id (deterministic, like every left-out id).
            platform_secret_nonce=item.platform_secret_nonce or signing.nonce_for_seed(item.id),
            previous_platform_secret_nonce=item.previous_platform_secret_nonce,
            previous_platform_secret_until=_optional_time(
                f"{at}.previous_platform_secret_until", item.previous_platform_secret_until
            ),
            settings=item.settings if item.settings is not None else default_settings(),
            created_at=_time(f"{at}.created_at", item.created_at, now),
            modified_at=_time(f"{at}.modified_at", item.modified_at, now),
        )
        if (partner.previous_platform_secret_nonce is None) != (
            partner.previous_platform_secret_until is None
        ):
            raise InvalidInput(
                f"{at}.previous_platform_secret_nonce",
                "give previous_platform_secret_until with it, or neither",
            )
        out.partners.append(partner)
        renewed_at, renewed = _renewal(
            at,
            item.last_renewal_at,
            item.last_renewal_amount,
            None if item.balance is None and item.currency is None else item.balance or 0,
        )
        if item.balance is not None or item.currency is not None:
            out.balances.append(
                Balance(
                    owner_id=partner.id,
                    partner_id=partner.id,
                    total_micros=to_micros(f"{at}.balance", item.balance or 0, allow_negative=True),
                    currency=validate_currency(item.currency or DEFAULT_CURRENCY, f"{at}.currency"),
                    modified_at=now,
                    last_renewal_at=renewed_at,
                    last_renewal_micros=renewed,
                )
            )
        for j, user in enumerate(item.users):
            where = f"{at}.users[{j}]"
            email = validate_email(user.email, f"{where}.email")
            if email in emails:
                raise InvalidInput(f"{where}.email", f"'{email}' is used twice")
            emails.add(email)
            out.users.append(
                PartnerUser(
                    id=_check_id(f"{where}.id", user.id, ids.USER, seen)
                    if user.id is not None
                    else "u" + _numeric(f"{partner.id}/{email}", 10) + ids.USER,
                    partner_id=partner.id,
                    email=email,
                    password_hash=_password_hash(where, user),
                    created_at=_time(f"{where}.created_at", user.created_at, partner.created_at),
                    disabled_at=_optional_time(f"{where}.disabled_at", user.disabled_at),
                )
            )
        for j, key in enumerate(item.api_keys):
            where = f"{at}.api_keys[{j}]"
            if (key.key is None) == (key.key_sha256 is None):
                raise InvalidInput(where, "give exactly one of key and key_sha256")
            if key.key is not None and not key_secrets.well_formed(key.key):
                raise InvalidInput(
                    f"{where}.key", "is not a partnerhub key (ph_live_/ph_test_ + 38 characters)"
                )
            if key.key_sha256 is not None and not _SHA256.match(key.key_sha256):
                raise InvalidInput(f"{where}.key_sha256", "must be 64 lower-case hex digits")
            digest = key_secrets.digest(key.key) if key.key else str(key.key_sha256)
            if digest in digests:
                raise InvalidInput(where, "the same key is listed twice")
            digests.add(digest)
            key_id = key.id or "k" + _numeric(digest, 10) + ids.API_KEY
            out.keys.append(
                ApiKey(
                    id=_check_id(f"{where}.id", key_id, ids.API_KEY, seen),
                    partner_id=partner.id,
                    name=clean_text(f"{where}.name", key.name)[:100] or "seeded",
                    prefix=key_secrets.display_prefix(key.key) if key.key else key.prefix or "",
                    secret_digest=digest,
                    created_at=_time(f"{where}.created_at", key.created_at, now),
                    revoked_at=_optional_time(f"{where}.revoked_at", key.revoked_at),
                    last_used_at=_optional_time(f"{where}.last_used_at", key.last_used_at),
                )
            )


def _password_hash(where: str, user: wire.WorldUser, minimum: int = MIN_PASSWORD_LENGTH) -> str:
    """The stored hash of a seeded login: hashed here from ``password``, or given as is."""
    if (user.password is None) == (user.password_hash is None):
        raise InvalidInput(where, "give exactly one of password and password_hash")
    if user.password_hash is not None:
        if not user.password_hash.startswith("$argon2"):
            raise InvalidInput(f"{where}.password_hash", "must be an argon2 hash")
        return user.password_hash
    password = user.password or ""
    if len(password) < minimum:
        raise InvalidInput(f"{where}.password", f"must be at least {minimum} characters")
    return hash_password(password)


def _clients(document: wire.World, now: datetime, out: _Loaded) -> dict[str, Client]:
    partners = {p.id for p in out.partners}
    seen: set[str] = set()
    for i, item in enumerate(document.clients):
        at = f"clients[{i}]"
        if item.partner_id not in partners:
            raise InvalidInput(f"{at}.partner_id", f"no partner '{item.partner_id}' in this seed")
        if not 1 <= item.max_channels <= 1000:
            raise InvalidInput(f"{at}.max_channels", "must be between 1 and 1000")
        name = clean_text(f"{at}.name", item.name).strip()
        if not name:
            raise InvalidInput(f"{at}.name", "must not be empty")
        created = _time(f"{at}.created_at", item.created_at, now)
        out.clients.append(
            Client(
                id=_check_id(f"{at}.id", item.id, ids.CLIENT, seen),
                partner_id=item.partner_id,
                name=name,
                status=clean_text(f"{at}.status", item.status),
                organisation=item.organisation or name,
                partner_payload=item.partner_payload,
                max_channels=item.max_channels,
                meta_info=item.meta_info,
                contact_info=item.contact_info,
                contact_user=item.contact_user,
                created_by=item.created_by or {"user_id": "seed", "user_name": "seed"},
                modified_by=item.modified_by or {"user_id": "seed", "user_name": "seed"},
                created_at=created,
                modified_at=_time(f"{at}.modified_at", item.modified_at, created),
            )
        )
    _client_balances(document, now, out)
    for i, item in enumerate(document.clients):
        if item.login is not None:
            where = f"clients[{i}].login"
            out.logins.append(
                ClientLogin(
                    client_id=item.id,
                    partner_id=item.partner_id,
                    email=validate_email(item.login.email, f"{where}.email"),
                    password_hash=_password_hash(
                        where, item.login, client_login.MIN_PASSWORD_LENGTH
                    ),
                    created_at=_time(f"{where}.created_at", item.login.created_at, now),
                )
            )
    return {c.id: c for c in out.clients}


def _client_balances(document: wire.World, now: datetime, out: _Loaded) -> None:
    partners = {p.id: p for p in out.partners}
    currencies = {b.owner_id: b.currency for b in out.balances}
    for i, item in enumerate(document.clients):
        renewed_at, renewed = _renewal(
            f"clients[{i}]", item.last_renewal_at, item.last_renewal_amount, item.balance
        )
        if item.balance is None:
            continue
        if partners[item.partner_id].billing_model != "direct":
            raise InvalidInput(
                f"clients[{i}].balance", "only clients of a direct-paid hub have a balance"
            )
        out.balances.append(
            Balance(
                owner_id=item.id,
                partner_id=item.partner_id,
                total_micros=to_micros(f"clients[{i}].balance", item.balance, allow_negative=True),
                currency=currencies.get(item.partner_id, DEFAULT_CURRENCY),
                modified_at=now,
                client_id=item.id,
                last_renewal_at=renewed_at,
                last_renewal_micros=renewed,
            )
        )


def _wabas(
    document: wire.World, now: datetime, clients: dict[str, Client], out: _Loaded
) -> dict[str, WabaAccount]:
    seen: set[str] = set()
    meta_ids: set[str] = set()
    for i, item in enumerate(document.waba_accounts):
        at = f"waba_accounts[{i}]"
        if item.external_id:
            # Meta's WABA id is unique (the database's index, migration 0031).
            if item.external_id in meta_ids:
                raise InvalidInput(f"{at}.external_id", f"{item.external_id} is used twice")
            meta_ids.add(item.external_id)
        client = clients.get(item.client_id)
        if client is None:
            raise InvalidInput(f"{at}.client_id", f"no client '{item.client_id}' in this seed")
        created = _time(f"{at}.created_at", item.created_at, now)
        waba_id = _check_id(f"{at}.id", item.id, ids.WABA_ACCOUNT, seen)
        out.wabas.append(
            WabaAccount(
                id=waba_id,
                partner_id=client.partner_id,
                client_id=client.id,
                name=item.name or client.name,
                status=_one_of(f"{at}.status", item.status, WABA_STATUSES),
                external_id=item.external_id or _numeric(waba_id + "/external"),
                fb_business_id=item.fb_business_id or _numeric(waba_id + "/business"),
                namespace=item.namespace or hashlib.sha256(waba_id.encode()).hexdigest()[:13],
                timezone_id=item.timezone_id,
                settings=item.settings,
                created_at=created,
                modified_at=_time(f"{at}.modified_at", item.modified_at, created),
                restriction_info=_restrictions(f"{at}.restriction_info", item.restriction_info),
            )
        )
    return {w.id: w for w in out.wabas}


def _restrictions(at: str, items: list[wire.WorldRestriction] | None) -> list[dict[str, Any]]:
    """A WABA's restrictions (issue 18): Meta's types, one of each."""
    seen: set[str] = set()
    for item in items or []:
        if (
            item.restriction_type not in enforcement.RESTRICTION_TYPES
            or item.restriction_type in seen
        ):
            raise InvalidInput(at, f"{item.restriction_type!r} is not a restriction type, or twice")
        seen.add(item.restriction_type)
    return [msgspec.to_builtins(item) for item in items or []]


def _channels(
    document: wire.World,
    now: datetime,
    step_seconds: float,
    master_key: str,
    clients: dict[str, Client],
    wabas: dict[str, WabaAccount],
    out: _Loaded,
) -> None:
    seen: set[str] = set()
    phones: set[str] = set()
    meta_ids: set[str] = set()
    per_client: dict[str, int] = {}
    for i, item in enumerate(document.channels):
        at = f"channels[{i}]"
        client = clients.get(item.client_id)
        if client is None:
            raise InvalidInput(f"{at}.client_id", f"no client '{item.client_id}' in this seed")
        waba = wabas.get(item.waba_account_id)
        if waba is None or waba.client_id != client.id:
            raise InvalidInput(
                f"{at}.waba_account_id", "must name a WABA account of the same client in this seed"
            )
        phone = normalize_phone(f"{at}.phone_number", item.phone_number)
        per_client[client.id] = per_client.get(client.id, 0) + 1
        if per_client[client.id] > client.max_channels:
            raise InvalidInput(f"{at}.client_id", "the client has more channels than max_channels")
        try:
            status = ChannelStatus(item.status)
        except ValueError:
            allowed = tuple(s.value for s in ChannelStatus)
            raise InvalidInput(f"{at}.status", f"must be one of: {', '.join(allowed)}") from None
        # Terminated and cancelled channels keep their number without holding it (a released
        # or cancelled number may have been signed up again): only channels in use must differ.
        if status not in (ChannelStatus.TERMINATED, ChannelStatus.CANCELLED):
            if phone in phones:
                raise InvalidInput(f"{at}.phone_number", f"{phone} is used twice")
            phones.add(phone)
            if item.external_id:  # so is its Meta id (migration 0031)
                if item.external_id in meta_ids:
                    raise InvalidInput(f"{at}.external_id", f"{item.external_id} is used twice")
                meta_ids.add(item.external_id)
        channel_id = _check_id(f"{at}.id", item.id, ids.CHANNEL, seen)
        created = _time(f"{at}.created_at", item.created_at, now)
        running = status not in (
            ChannelStatus.CREATED,
            ChannelStatus.SUBMITTED,
            ChannelStatus.READY,
        )
        cancellation = _optional_time(f"{at}.cancellation_date", item.cancellation_date)
        # Numbers still in review go on through it from the moment of the seed, like any other.
        review = now + timedelta(seconds=step_seconds) if status in LIFECYCLE else None
        candidates = [m for m in (review, cancellation) if m is not None]
        out.channels.append(
            Channel(
                id=channel_id,
                partner_id=client.partner_id,
                client_id=client.id,
                waba_account_id=waba.id,
                status=status,
                phone_number=phone,
                phone_name=clean_text(f"{at}.phone_name", item.phone_name or client.name),
                external_id=item.external_id or _numeric(channel_id + "/phone"),
                account_mode=_one_of(f"{at}.account_mode", item.account_mode, ACCOUNT_MODES),
                current_limit=clean_text(f"{at}.current_limit", item.current_limit),
                current_quality_rating=clean_text(
                    f"{at}.current_quality_rating", item.current_quality_rating
                ),
                permission=item.permission,
                type=clean_text(f"{at}.type", item.type),
                version=_version(f"{at}.version", item.version),
                is_migrated=item.is_migrated,
                availability_status=clean_text(
                    f"{at}.availability_status", item.availability_status
                ),
                was_in_use=item.was_in_use,
                verification_method=clean_text(
                    f"{at}.verification_method", item.verification_method
                ),
                default_language=clean_text(f"{at}.default_language", item.default_language),
                messaging_webhook_url=rules.validate_url(
                    f"{at}.messaging_webhook_url", item.messaging_webhook_url
                )
                if item.messaging_webhook_url
                else None,
                messaging_webhook_headers=_headers(
                    master_key,
                    f"{at}.messaging_webhook_headers",
                    item.messaging_webhook_headers,
                    item.messaging_webhook_headers_sealed,
                ),
                multi_webhook_enabled=item.multi_webhook_enabled,
                multi_webhook_destinations=_destinations(
                    master_key, f"{at}.multi_webhook_destinations", item.multi_webhook_destinations
                ),
                restrictions=[dict(r) for r in waba.restriction_info],
                name_status=clean_text(f"{at}.name_status", item.name_status),
                display_name_requests=[
                    msgspec.to_builtins(r) for r in item.display_name_requests or []
                ][-display_names.KEEP_REQUESTS :],
                ctwa_enabled=item.ctwa_enabled,
                billing_started_at=_optional_time(
                    f"{at}.billing_started_at", item.billing_started_at
                )
                or (created if running else None),
                terminated_at=_optional_time(f"{at}.terminated_at", item.terminated_at),
                cancellation_requested_at=_optional_time(
                    f"{at}.cancellation_requested_at", item.cancellation_requested_at
                )
                or (now if cancellation else None),
                cancellation_date=cancellation,
                is_on_biz_app=item.is_on_biz_app,
                tier=_one_of(f"{at}.tier", item.tier, TIERS),
                smb_app_state=coexistence.stored_state(f"{at}.smb_app_state", item.smb_app_state)
                if item.smb_app_state
                else {},
                smb_contacts_synced_at=_optional_time(
                    f"{at}.smb_contacts_synced_at", item.smb_contacts_synced_at
                ),
                smb_contacts_pending=item.smb_contacts_pending
                and item.smb_contacts_synced_at is not None,
                smb_history_synced_at=_optional_time(
                    f"{at}.smb_history_synced_at", item.smb_history_synced_at
                ),
                smb_history_next_phase=coexistence.next_phase(
                    f"{at}.smb_history_next_phase", item.smb_history_next_phase
                ),
                smb_history_next_at=_optional_time(
                    f"{at}.smb_history_next_at", item.smb_history_next_at
                ),
                next_step_at=min(candidates) if candidates else None,
                created_at=created,
                modified_at=_time(f"{at}.modified_at", item.modified_at, created),
            )
        )
        seeded = out.channels[-1]
        seeded.compliance_due_at = schedule.next_due(seeded)


def _templates(
    document: wire.World,
    now: datetime,
    review_seconds: float,
    wabas: dict[str, WabaAccount],
    out: _Loaded,
) -> None:
    seen: set[str] = set()
    keys: set[tuple[str, str, str]] = set()
    for i, item in enumerate(document.waba_templates):
        at = f"waba_templates[{i}]"
        waba = wabas.get(item.waba_account_id)
        if waba is None:
            raise InvalidInput(
                f"{at}.waba_account_id", f"no WABA account '{item.waba_account_id}' in this seed"
            )
        template_id = _check_id(f"{at}.id", item.id, TEMPLATE_ID_SUFFIX, seen)
        try:
            valid = template_rules.validate(
                template_rules.NewTemplate(
                    item.name,
                    item.category,
                    item.language,
                    item.components,
                    # Named or positional as its texts are (a world export keeps no format).
                    template_rules.parameter_format_of(item.components),
                )
            )
        except InvalidInput as exc:  # the same rules, the path inside this document
            raise InvalidInput(f"{at}.{exc.field}", exc.message[len(exc.field) + 2 :]) from None
        if (waba.id, valid.name, valid.language) in keys:
            raise InvalidInput(f"{at}.name", "the WABA account has this name and language twice")
        keys.add((waba.id, valid.name, valid.language))
        status = TemplateStatus(
            _one_of(f"{at}.status", item.status, tuple(s.value for s in TemplateStatus))
        )
        reason = None
        if status == TemplateStatus.REJECTED:
            reason = clean_text(f"{at}.rejected_reason", item.rejected_reason or "")
            reason = reason or DEFAULT_REJECTED_REASON
        elif item.rejected_reason is not None:
            raise InvalidInput(f"{at}.rejected_reason", "only a rejected template has a reason")
        created = _time(f"{at}.created_at", item.created_at, now)
        in_review = status in (TemplateStatus.SUBMITTED, TemplateStatus.PENDING)
        out.templates.append(
            Template(
                id=template_id,
                partner_id=waba.partner_id,
                waba_account_id=waba.id,
                name=valid.name,
                language=valid.language,
                category=valid.category.value,
                status=status.value,
                namespace=waba.namespace,
                created_at=created,
                modified_at=_time(f"{at}.modified_at", item.modified_at, created),
                components=valid.components,
                rejected_reason=reason,
                created_by=_author(f"{at}.created_by", item.created_by),
                modified_by=_author(f"{at}.modified_by", item.modified_by),
                approved_edits=_approved_edits(f"{at}.approved_edits", item.approved_edits),
                # Templates still in review are decided from the moment of the seed.
                review_at=now + timedelta(seconds=review_seconds) if in_review else None,
            )
        )


def _check_lengths(store: world_rows.WorldStore, loaded: _Loaded) -> None:
    """Refuse text longer than its column (PostgreSQL would fail the insert, SQLite store it)."""
    groups: dict[str, list[Any]] = {
        "partners": loaded.partners,
        "clients": loaded.clients,
        "waba_accounts": loaded.wabas,
        "channels": loaded.channels,
        "waba_templates": loaded.templates,
        "users": loaded.users,
        "api_keys": loaded.keys,
        "logins": loaded.logins,
    }
    for name, items in groups.items():
        for i, item in enumerate(items):
            found = store.too_long(item)
            if found is not None:
                column, limit = found
                raise InvalidInput(f"{name}[{i}].{column}", f"must be at most {limit} characters")


def _from_v1(document: wire.World) -> wire.World:
    """Version 1 (no ``version`` field, or 1) had no history sections and no sealed headers:
    every version-1 document reads as a version-2 one without history."""
    return msgspec.structs.replace(document, version=2)


# version -> the step to the next version; a document climbs them in turn.
MIGRATIONS: dict[int, Callable[[wire.World], wire.World]] = {1: _from_v1}


def migrate(document: wire.World) -> wire.World:
    """The document in the current format, whatever (known) version it was written in."""
    if not wire.FIRST_VERSION <= document.version <= wire.FORMAT_VERSION:
        raise InvalidInput(
            "version",
            f"must be between {wire.FIRST_VERSION} and {wire.FORMAT_VERSION} "
            "(a newer partnerhub wrote this document: upgrade this server)",
        )
    while document.version < wire.FORMAT_VERSION:
        document = MIGRATIONS[document.version](document)
    return document


def _history(document: wire.World, out: _Loaded) -> None:
    """The history sections, checked against what the seed holds (every reference resolved)."""
    known: dict[str, set[Any]] = {
        "partners": {p.id for p in out.partners},
        "partner_users": {u.id for u in out.users},
        "clients": {c.id for c in out.clients},
        "waba_accounts": {w.id for w in out.wabas},
        "channels": {c.id for c in out.channels},
    }
    for section in world_rows.SECTIONS:
        rows: list[dict[str, Any]] = getattr(document, section)
        out.history[section] = world_rows.check_rows(section, rows, known)


async def seed(
    uow: UnitOfWork,
    clock: Clock,
    document: wire.World,
    *,
    step_seconds: float,
    master_key: str,
    review_seconds: float | None = None,
) -> Summary:
    """Replace the whole world with the document's, atomically; a bad document changes nothing."""
    document = migrate(document)
    now = clock.now()
    loaded = _Loaded()
    _partners(document, now, master_key, loaded)
    clients = _clients(document, now, loaded)
    wabas = _wabas(document, now, clients, loaded)
    _channels(document, now, step_seconds, master_key, clients, wabas, loaded)
    _templates(
        document, now, step_seconds if review_seconds is None else review_seconds, wabas, loaded
    )
    _history(document, loaded)

    store = world_rows.WorldStore(uow)
    _check_lengths(store, loaded)
    await store.wipe()
    for group in (
        loaded.partners,
        loaded.users,
        loaded.keys,
        loaded.clients,
        loaded.wabas,
        loaded.channels,
        loaded.templates,
        loaded.balances,
        loaded.logins,
    ):
        for item in group:
            store.add(item)
        await uow.flush()  # parents before children: the mapper does not order across classes
    for section, rows in loaded.history.items():
        await store.insert_rows(section, rows)
    await uow.commit()
    return Summary(
        partners=len(loaded.partners),
        clients=len(loaded.clients),
        waba_accounts=len(loaded.wabas),
        channels=len(loaded.channels),
        waba_templates=len(loaded.templates),
        api_keys=len(loaded.keys),
        users=len(loaded.users),
        history={section: len(rows) for section, rows in loaded.history.items()},
    )

"""Partner services: creating a partner with its first user, reading and updating its settings."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from partnerhub.domain import cache_keys, ids
from partnerhub.domain.auth.passwords import MIN_PASSWORD_LENGTH, hash_password
from partnerhub.domain.clock import Clock
from partnerhub.domain.errors import Conflict, InvalidInput, NotFound
from partnerhub.domain.partners import rules
from partnerhub.domain.partners.model import Partner, PartnerUser
from partnerhub.domain.ports import CredentialReads, ReadCache, UnitOfWork
from partnerhub.domain.text import clean_text
from partnerhub.domain.webhooks import signing

UNSET: Any = object()


@dataclass(frozen=True)
class PartnerChanges:
    """A PATCH: each field is UNSET (leave it) or the new value (None clears a URL).

    Only these fields are the partner's to change; the rest are 360dialog-managed.
    """

    brand_name: Any = UNSET
    logo_url: Any = UNSET
    webhook_url: Any = UNSET
    partner_redirect_url: Any = UNSET
    country: Any = UNSET
    allow_client_to_add_phone_no: Any = UNSET


def validate_email(email: str, field: str = "email") -> str:
    cleaned = clean_text(field, email).strip().lower()
    local, _, domain = cleaned.partition("@")
    if not local or "." not in domain or " " in cleaned or len(cleaned) > 320:
        raise InvalidInput(field, "is not a valid email address")
    return cleaned


async def create_partner(
    uow: UnitOfWork,
    clock: Clock,
    *,
    brand_name: str,
    email: str,
    password: str,
    country: str | None = None,
) -> tuple[Partner, PartnerUser]:
    """A new partner, with its platform secret, and its first hub user (who can log in and
    fetch bearer tokens)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")
    email = validate_email(email)
    if await uow.users.get_by_email(email) is not None:
        raise Conflict(f"A user with email {email} already exists")
    now = clock.now()
    partner = Partner(
        id=ids.new_id(ids.PARTNER),
        brand_name=rules.validate_brand_name(brand_name),
        country=rules.validate_country(country) if country else None,
        created_at=now,
        modified_at=now,
        # Every partner signs its webhooks from the first event (360dialog: the signature is
        # "present in every webhook event"); the CLI and the dashboard show the secret.
        platform_secret_nonce=signing.new_nonce(),
    )
    user = PartnerUser(
        id=ids.new_id(ids.USER),
        partner_id=partner.id,
        email=email,
        password_hash=hash_password(password),
        created_at=now,
    )
    uow.partners.add(partner)
    await uow.flush()
    uow.users.add(user)
    await uow.commit()
    return partner, user


V = TypeVar("V")


class PartnerReader:
    """Cached partner reads for the hot ``GET /partners/{id}``; see :mod:`adapters.cache`.

    :meth:`view` caches what a caller derives from the partner (the HTTP layer passes its
    presenter), so a hit costs neither a query nor a conversion. A miss reads through ``reads``
    when given (one query, no transaction).
    """

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        cache: ReadCache,
        reads: CredentialReads | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._cache = cache
        self._reads = reads

    async def get(self, partner_id: str) -> Partner:
        name = cache_keys.partner(partner_id)
        cached = self._cache.get(name)
        if isinstance(cached, Partner):
            return cached
        partner: Partner = await self._cache.fetch(name, lambda: self._load(partner_id))
        return partner

    async def _load(self, partner_id: str) -> tuple[Partner, tuple[str, ...]]:
        if self._reads is not None:
            partner = await self._reads.partner(partner_id)
        else:
            async with self._uow_factory() as uow:
                partner = await uow.partners.get(partner_id)
        if partner is None:
            raise NotFound("Partner not found")
        return partner, (cache_keys.partner(partner_id),)

    async def view(self, partner_id: str, present: Callable[[Partner], V]) -> V:
        cache_key = ("view", partner_id, present)
        cached = self._cache.get(cache_key)
        if cached is not None:
            return cached  # type: ignore[return-value]
        value: V = await self._cache.fetch(cache_key, lambda: self._view(partner_id, present))
        return value

    async def _view(
        self, partner_id: str, present: Callable[[Partner], V]
    ) -> tuple[V, tuple[str, ...]]:
        return present(await self.get(partner_id)), (cache_keys.partner(partner_id),)


async def load_partner(uow: UnitOfWork, partner_id: str) -> Partner:
    """The partner, or NotFound; every service acting on a partner starts here."""
    partner = await uow.partners.get(partner_id)
    if partner is None:
        raise NotFound("Partner not found")
    return partner


async def update_partner(
    uow: UnitOfWork,
    clock: Clock,
    partner_id: str,
    changes: PartnerChanges,
    *,
    hub_mode: bool = False,
) -> Partner:
    # Imported here: the webhooks domain builds on partners, not the other way round.
    from partnerhub.domain.webhooks.services import check_webhook_url, webhook_url_columns

    values: dict[str, Any] = {}
    if changes.brand_name is not UNSET:
        if changes.brand_name is None:
            raise InvalidInput("brand_name", "must not be null")
        values["brand_name"] = rules.validate_brand_name(changes.brand_name)
    if changes.webhook_url is not UNSET:
        checked = await check_webhook_url(changes.webhook_url, hub_mode=hub_mode)
        values.update(webhook_url_columns(checked, clock))
    for field in ("logo_url", "partner_redirect_url"):
        value = getattr(changes, field)
        if value is not UNSET:
            values[field] = None if value is None else rules.validate_url(field, value)
    if changes.country is not UNSET:
        values["country"] = (
            None if changes.country is None else rules.validate_country(changes.country)
        )
    if changes.allow_client_to_add_phone_no is not UNSET:
        if changes.allow_client_to_add_phone_no is None:
            raise InvalidInput("allow_client_to_add_phone_no", "must not be null")
        values["allow_client_to_add_phone_no"] = changes.allow_client_to_add_phone_no
    values["modified_at"] = clock.now()
    # One statement: every value above is checked, nothing needs the stored partner first.
    partner = await uow.partners.update_columns(partner_id, values)
    if partner is None:
        raise NotFound("Partner not found")
    await uow.commit()
    return partner


async def set_change_request_auto_approve(
    uow: UnitOfWork, clock: Clock, partner_id: str, auto_approve: bool
) -> bool:
    partner = await load_partner(uow, partner_id)
    # Reassign a copy: JSON columns only notice a new object, not an in-place edit.
    settings = copy.deepcopy(partner.settings or {})
    settings.setdefault("partner_change_request", {})["auto_approve"] = auto_approve
    partner.settings = settings
    partner.modified_at = clock.now()
    await uow.commit()
    return auto_approve


async def set_io_signature(uow: UnitOfWork, clock: Clock, partner_id: str, enabled: bool) -> bool:
    partner = await load_partner(uow, partner_id)
    if enabled and partner.platform_secret_nonce is None:
        raise Conflict("Generate a platform secret first: it keys the IO signature")
    partner.io_signature_enabled = enabled
    partner.modified_at = clock.now()
    await uow.commit()
    return enabled


async def list_partners(uow: UnitOfWork) -> list[Partner]:
    return await uow.partners.list_all()


async def count_partners(uow: UnitOfWork) -> int:
    return await uow.partners.count()

"""Partners made for a test, in one call: partner, API key, platform secret, webhook URL [ours].

A partner's integration test wants a partner of its own, so that nothing another test left
behind (clients, numbers, events) can be seen through its credentials. Creating one the hub's
way (``partners create``) hashes a user's password with argon2, which is built to be slow;
a test partner needs no login, only an API key, so this skips the user and does the rest of
the set-up a test would otherwise make four requests for.
"""

from __future__ import annotations

from dataclasses import dataclass

from partnerhub.adapters.unit_of_work import UnitOfWork
from partnerhub.domain import ids
from partnerhub.domain.clock import Clock
from partnerhub.domain.keys import services as key_services
from partnerhub.domain.keys.model import IssuedKey
from partnerhub.domain.partners import rules
from partnerhub.domain.partners.model import Partner
from partnerhub.domain.text import clean_text
from partnerhub.domain.webhooks import signing
from partnerhub.domain.webhooks.services import check_webhook_url


@dataclass(frozen=True)
class ReadyPartner:
    partner: Partner
    key: IssuedKey
    platform_secret: str | None


async def create_ready_partner(
    uow: UnitOfWork,
    clock: Clock,
    *,
    brand_name: str,
    key_prefix: str,
    master_key: str,
    webhook_url: str | None = None,
    partner_redirect_url: str | None = None,
    platform_secret: bool = True,
) -> ReadyPartner:
    """A partner without hub users, with one API key and its platform secret (every partner has
    one); ``platform_secret=False`` only leaves the secret out of the answer."""
    url = await check_webhook_url(webhook_url, hub_mode=False)
    now = clock.now()
    partner = Partner(
        id=ids.new_id(ids.PARTNER),
        brand_name=rules.validate_brand_name(clean_text("brand_name", brand_name)),
        webhook_url=url,
        partner_redirect_url=rules.validate_url("partner_redirect_url", partner_redirect_url)
        if partner_redirect_url
        else None,
        created_at=now,
        modified_at=now,
        platform_secret_nonce=signing.new_nonce(),
    )
    uow.partners.add(partner)
    await uow.flush()
    issued = await key_services.issue_key(uow, clock, partner.id, "test", prefix=key_prefix)
    assert partner.platform_secret_nonce is not None
    secret = (
        signing.derive_platform_secret(master_key, partner.id, partner.platform_secret_nonce)
        if platform_secret
        else None
    )
    return ReadyPartner(partner=partner, key=issued, platform_secret=secret)

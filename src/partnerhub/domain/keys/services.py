"""Partner API key management (the hub's "API Keys" section, as an API)."""

from __future__ import annotations

from partnerhub.domain import ids
from partnerhub.domain.clock import Clock
from partnerhub.domain.errors import InvalidInput, NotFound
from partnerhub.domain.keys import secrets
from partnerhub.domain.keys.model import ApiKey, IssuedKey
from partnerhub.domain.listing import ListQuery
from partnerhub.domain.ports import UnitOfWork

SORTABLE = ("id", "name", "prefix", "created_at", "last_used_at")
FILTERABLE = {"id": str, "name": str, "prefix": str}
MAX_NAME_LENGTH = 255


def _clean_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned:
        raise InvalidInput("name", "must not be empty")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidInput("name", f"must be at most {MAX_NAME_LENGTH} characters")
    return cleaned


async def issue_key(
    uow: UnitOfWork, clock: Clock, partner_id: str, name: str, *, prefix: str = "ph_live_"
) -> IssuedKey:
    """Create a key and return its secret; the caller shows it once, we keep only its digest."""
    if await uow.partners.get(partner_id) is None:
        raise NotFound("Partner not found")
    secret = secrets.generate(prefix)
    key = ApiKey(
        id=ids.new_id(ids.API_KEY),
        partner_id=partner_id,
        name=_clean_name(name),
        prefix=secrets.display_prefix(secret),
        secret_digest=secrets.digest(secret),
        created_at=clock.now(),
    )
    uow.api_keys.add(key)
    await uow.commit()
    return IssuedKey(key=key, secret=secret)


async def list_keys(uow: UnitOfWork, partner_id: str, query: ListQuery) -> tuple[list[ApiKey], int]:
    return await uow.api_keys.list_active(partner_id, query)


async def revoke_key(uow: UnitOfWork, clock: Clock, partner_id: str, key_id: str) -> ApiKey:
    """Revoke at once: the commit is visible to the auth cache before this returns."""
    key = await uow.api_keys.get_active(partner_id, key_id)
    if key is None:
        raise NotFound("API key not found")
    key.revoked_at = clock.now()
    await uow.commit()
    return key

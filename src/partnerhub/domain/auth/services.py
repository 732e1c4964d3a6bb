"""Authenticating Partner API callers and granting bearer tokens (spec §2.1, §2.2)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from partnerhub.domain import cache_keys, ids
from partnerhub.domain.auth.lockout import Locked, PasswordGuard, user_account
from partnerhub.domain.auth.model import CredentialKind, Principal, RefreshToken, TokenFamily
from partnerhub.domain.auth.passwords import verify_password
from partnerhub.domain.auth.tokens import (
    AccessClaims,
    TokenCodec,
    new_refresh_secret,
    refresh_digest,
)
from partnerhub.domain.clock import Clock
from partnerhub.domain.errors import AuthenticationFailed, DomainError
from partnerhub.domain.keys import secrets as key_secrets
from partnerhub.domain.partners.model import PartnerUser
from partnerhub.domain.ports import CredentialReads, ReadCache, UnitOfWork

# As the dashboard login's (domain/hub/login.py): longer is no one's email or password.
_MAX_EMAIL_LENGTH = 320
_MAX_PASSWORD = 1024


class TokenGrantError(DomainError):
    """A refused token request, answered in the OAuth shape rather than the ``meta`` envelope.

    ``error`` is the OAuth error code (RFC 6749 §5.2: ``invalid_request``, ``invalid_grant``,
    ``unsupported_grant_type``, ``access_denied``); ``retry_after`` is set, in seconds, when the
    password grant is locked out. The OAuth renderer (:mod:`partnerhub.server.errors.oauth`)
    maps them to a status."""

    def __init__(self, error: str, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error = error
        self.retry_after = retry_after


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


@dataclass(frozen=True)
class _KeyEntry:
    principal: Principal
    last_used_at: float | None


class Authenticator:
    """Turns a credential into a :class:`Principal`, on one cache hit or one indexed lookup.

    A key's lookup (through ``reads`` when given: one query, no transaction) brings its partner
    along into the cache, for the partner read most requests make next. ``last_used_at`` is
    written at most once per ``last_used_resolution`` seconds per key, off the request path, so
    that reads stay reads.
    """

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        clock: Clock,
        codec: TokenCodec,
        cache: ReadCache,
        last_used_resolution: float = 60.0,
        reads: CredentialReads | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._reads = reads
        self._clock = clock
        self._codec = codec
        self._cache = cache
        self._resolution = last_used_resolution
        self._background: set[asyncio.Task[None]] = set()
        self._touched: dict[str, float] = {}

    async def api_key(self, secret: str) -> Principal:
        digest = key_secrets.digest(secret)
        name = cache_keys.api_key(digest)
        entry = self._cache.get(name)
        if not isinstance(entry, _KeyEntry):
            # Only a miss pays for the checksum: it spares the database made-up keys.
            if not key_secrets.well_formed(secret):
                raise AuthenticationFailed("Invalid API key")
            entry = await self._cache.fetch(name, lambda: self._load_key(digest))
        now = self._clock.now().timestamp()
        key_id = entry.principal.credential_id
        last = max(entry.last_used_at or 0.0, self._touched.get(key_id, 0.0))
        if now - last >= self._resolution:
            self._touched[key_id] = now
            self._touch(key_id)
        return entry.principal

    async def _load_key(self, digest: str) -> tuple[_KeyEntry, tuple[str, ...]]:
        epoch = self._cache.epoch()
        if self._reads is not None:
            found = await self._reads.api_key(digest)
            if found is None:
                raise AuthenticationFailed("Invalid API key")
            key, partner = found
            tag = cache_keys.partner(partner.id)
            self._cache.put(tag, partner, epoch, (tag,))
        else:
            async with self._uow_factory() as uow:
                key = await uow.api_keys.get_active_by_digest(digest)  # type: ignore[assignment]
            if key is None:
                raise AuthenticationFailed("Invalid API key")
        principal = Principal(key.partner_id, CredentialKind.API_KEY, key.id)
        last = key.last_used_at.timestamp() if key.last_used_at else None
        return _KeyEntry(principal, last), (cache_keys.api_key(digest),)

    def _touch(self, key_id: str) -> None:
        task = asyncio.get_running_loop().create_task(self._record_use(key_id))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _record_use(self, key_id: str) -> None:
        async with self._uow_factory() as uow:
            await uow.api_key_uses.touch(key_id, self._clock.now())
            await uow.commit()

    async def drain(self) -> None:
        """Wait for pending ``last_used_at`` writes (at shutdown, and in tests)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    async def bearer(self, token: str) -> Principal:
        claims = self._codec.verify(token)
        live = await self._cache.fetch(
            cache_keys.family(claims.family_id), lambda: self._load_family(claims)
        )
        if not live:
            raise AuthenticationFailed("Bearer token has been revoked")
        return Principal(claims.partner_id, CredentialKind.BEARER, claims.family_id)

    async def _load_family(self, claims: AccessClaims) -> tuple[bool, tuple[str, ...]]:
        """Whether the login is live, tagged with everything that can end it."""
        async with self._uow_factory() as uow:
            family = await uow.tokens.get_family(claims.family_id)
            user = await uow.users.get(claims.user_id)
            partner = await uow.partners.get(claims.partner_id)
        live = bool(
            family is not None
            and family.revoked_at is None
            and user is not None
            and user.disabled_at is None
            and user.partner_id == claims.partner_id
            and partner is not None
            and partner.bearer_auth_enabled
        )
        tags = (
            cache_keys.family(claims.family_id),
            cache_keys.user(claims.user_id),
            cache_keys.partner(claims.partner_id),
        )
        return live, tags


async def check_grant_password(
    uow: UnitOfWork, guard: PasswordGuard, email: str, password: str, address: str
) -> PartnerUser:
    """The user behind a password grant, through the same lockout as ``/hub/login`` (issue 20).

    Whether the partner has bearer login switched off is decided *before* the password is
    looked at, so a right and a wrong password get the same 403: the answer is no oracle for
    passwords. Otherwise exactly one argon2 verification per attempt, whatever the email.
    """
    email = email.strip().lower()
    locked_out = {
        False: "Too many failed attempts for this email; try again later",
        True: "Too many login attempts from this address; try again later",
    }
    try:
        if len(email) > _MAX_EMAIL_LENGTH or "\x00" in email or len(password) > _MAX_PASSWORD:
            await guard.spend(address)
            await verify_password(None, password[:_MAX_PASSWORD].replace("\x00", ""))
            raise TokenGrantError("invalid_grant", "Wrong email or password")
        user = await uow.users.get_by_email(email)
        if user is not None:
            partner = await uow.partners.get(user.partner_id)
            if partner is None or not partner.bearer_auth_enabled:
                await guard.spend(address)
                # The same argon2 work as any other attempt: the answer's timing must not
                # tell this known email from an unknown one (issue 20, finding 6).
                await verify_password(None, password)
                raise TokenGrantError(
                    "access_denied",
                    "Bearer token authentication is disabled for this partner",
                )

        async def verify() -> bool:
            ok = await verify_password(user.password_hash if user else None, password)
            return ok and user is not None and user.disabled_at is None

        passed = await guard.check(uow, user_account(email), address, verify)
    except Locked as locked:
        raise TokenGrantError(
            "invalid_grant", locked_out[locked.by_address], retry_after=locked.retry_after
        ) from None
    if not passed or user is None:
        raise TokenGrantError("invalid_grant", "Wrong email or password")
    return user


class TokenService:
    """The ``/token`` grants. Refresh tokens are single-use; replaying one revokes its family."""

    REFRESH_TTL = timedelta(days=30)

    def __init__(
        self, clock: Clock, codec: TokenCodec, family_lifetime: timedelta = timedelta(days=30)
    ) -> None:
        self._clock = clock
        self._codec = codec
        # Absolute: from the password grant, whatever the refreshes (docs/operations.md).
        self._family_lifetime = family_lifetime

    async def password_grant(
        self, uow: UnitOfWork, email: str, password: str, guard: PasswordGuard, address: str
    ) -> TokenPair:
        """The password check is :func:`check_grant_password` (lockout and budgets shared with
        the dashboard login); then a new token family."""
        user = await check_grant_password(uow, guard, email, password, address)
        family = TokenFamily(
            id=ids.new_id("TF", 12),
            user_id=user.id,
            partner_id=user.partner_id,
            created_at=self._clock.now(),
        )
        uow.tokens.add_family(family)
        await uow.flush()  # no ORM relationships, so the family must exist before its tokens
        pair = self._issue(uow, family)
        await uow.commit()
        return pair

    async def refresh_grant(self, uow: UnitOfWork, refresh_token: str) -> TokenPair:
        stored = await uow.tokens.get_refresh_by_digest(refresh_digest(refresh_token))
        if stored is None:
            raise TokenGrantError("invalid_grant", "Unknown refresh token")
        family = await uow.tokens.get_family(stored.family_id)
        now = self._clock.now()
        if family is None or family.revoked_at is not None:
            raise TokenGrantError("invalid_grant", "Refresh token has been revoked")
        if stored.expires_at <= now:
            raise TokenGrantError("invalid_grant", "Refresh token has expired")
        if family.created_at + self._family_lifetime <= now:
            raise TokenGrantError(
                "invalid_grant", "The login reached its maximum lifetime; sign in again"
            )
        user = await uow.users.get(family.user_id)
        partner = await uow.partners.get(family.partner_id)
        if user is None or user.disabled_at is not None or partner is None:
            raise TokenGrantError("invalid_grant", "The user can no longer sign in")
        if not partner.bearer_auth_enabled:
            raise TokenGrantError(
                "access_denied", "Bearer token authentication is disabled for this partner"
            )
        if not await uow.tokens.spend_refresh(stored.id, now):
            # Reuse (sequential, or two requests racing with one token) means the token
            # leaked: end the whole login, access tokens included.
            await uow.tokens.revoke_family(family.id, now)
            await uow.commit()
            raise TokenGrantError(
                "invalid_grant", "Refresh token was already used; the session is revoked"
            )
        pair = self._issue(uow, family)
        await uow.commit()
        return pair

    def _issue(self, uow: UnitOfWork, family: TokenFamily) -> TokenPair:
        now = self._clock.now()
        # Neither token outlives the family: a refresh never extends a login.
        family_ends = family.created_at + self._family_lifetime
        secret = new_refresh_secret()
        uow.tokens.add_refresh(
            RefreshToken(
                id=ids.new_id("RT", 12),
                family_id=family.id,
                token_digest=refresh_digest(secret),
                issued_at=now,
                expires_at=min(now + self.REFRESH_TTL, family_ends),
            )
        )
        access = self._codec.issue(
            user_id=family.user_id,
            partner_id=family.partner_id,
            family_id=family.id,
            not_after=family_ends,
        )
        expires_in = min(self._codec.ttl_seconds, int((family_ends - now).total_seconds()))
        return TokenPair(access, secret, max(expires_in, 0))

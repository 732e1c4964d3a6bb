"""Authenticating Messaging API callers by their ``D360-API-KEY``.

Only a live channel key is accepted here: a partner key or a bearer token is not a channel key,
so it is unknown (401), as spec §1 requires. A live key of a number whose permission the client
took away (direct-paid hubs) is refused too (403, Graph code 10): revoking the permission
revokes the number's keys in the same transaction, and this check keeps a key that survived
anyway (one issued by an older version, or one racing the revocation) from sending, re-pointing
the webhook or reading templates.

The lookup is cached for a short TTL because a send must not pay a database round trip for its
credential. A commit that changes a key or its channel drops just that key's entry (:meth:`forget`,
called by the app's cache with the commit's tags: in this process at once, including a lookup in
flight — whoever waits for a lookup that started before the change reads again — and in the
others when they hear of it), and the TTL (one second by default) bounds what another process's
change can take, which is the bound docs/operations.md promises. Sends do not even have that
window: their batch transaction checks the key and the permission again
(:class:`partnerhub.domain.messaging.services.MessageSender`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass

from partnerhub.domain import cache_keys
from partnerhub.domain.clock import Clock
from partnerhub.domain.messaging import keys
from partnerhub.domain.messaging.errors import auth_failed, permission_revoked
from partnerhub.domain.ports import CredentialReads, UnitOfWork

_MAX_ENTRIES = 50_000


@dataclass(frozen=True)
class ChannelPrincipal:
    """Who is calling: one channel's key, with what a send needs to know about the channel."""

    key_id: str
    channel_id: str
    partner_id: str
    client_id: str
    waba_account_id: str
    channel_status: str
    phone_number: str
    external_id: str
    # WhatsApp Coexistence: the number stays on the WhatsApp Business app (20 messages/s).
    is_on_biz_app: bool = False
    # Meta's restrictions on the number's WABA, ``{restriction_type, expiration}`` (Unix
    # seconds): the send path refuses what they block while they last (domain/compliance).
    restrictions: tuple[tuple[str, int], ...] = ()


@dataclass
class _Entry:
    principal: ChannelPrincipal
    expires: float
    last_used: float
    generation: int  # the cache generation the lookup started in


class ChannelKeyAuthenticator:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        clock: Clock,
        ttl_seconds: float = 1.0,
        last_used_resolution: float = 60.0,
        reads: CredentialReads | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._reads = reads
        self._clock = clock
        self._ttl = ttl_seconds
        self._resolution = last_used_resolution
        self._entries: dict[str, _Entry] = {}
        self._by_channel: dict[str, set[str]] = {}  # channel id -> digests of its cached keys
        self._generation = 0
        self._cleared = 0  # the generation of the last whole drop
        self._tag_generation: dict[str, int] = {}  # the generation each tag was last forgotten
        self._background: set[asyncio.Task[None]] = set()
        # The lookup in flight per key digest: when an entry expires under load, every request
        # holding that key waits for one query instead of each sending its own.
        self._loading: dict[str, asyncio.Future[_Entry]] = {}

    def invalidate(self) -> None:
        """Forget every cached key: called after this process revokes or rotates one."""
        self._entries.clear()
        self._by_channel.clear()
        self._tag_generation.clear()
        self._loading.clear()  # requests from now on read afresh
        self._generation += 1
        self._cleared = self._generation

    def forget(self, tags: Collection[str] | None) -> None:
        """Forget the keys a commit changed (tags of :mod:`domain.cache_keys`: a key's, or its
        channel's); everything when ``tags`` is None. Lookups of other keys stay cached."""
        if tags is None:
            self.invalidate()
            return
        if len(self._tag_generation) >= _MAX_ENTRIES:
            self.invalidate()
            return
        self._loading.clear()
        self._generation += 1
        for tag in tags:
            self._tag_generation[tag] = self._generation
            kind, _, ident = tag.partition(":")
            if kind == "chkey":
                self._drop(ident)
            elif kind == "channel":
                for digest in list(self._by_channel.get(ident, ())):
                    self._drop(digest)

    def _drop(self, digest: str) -> None:
        entry = self._entries.pop(digest, None)
        if entry is not None:
            keys = self._by_channel.get(entry.principal.channel_id)
            if keys is not None:
                keys.discard(digest)
                if not keys:
                    del self._by_channel[entry.principal.channel_id]

    def _stale(self, digest: str, channel_id: str, generation: int) -> bool:
        """Whether what a lookup begun at ``generation`` read may have changed since."""
        if generation < self._cleared:
            return True
        for tag in (cache_keys.channel_key(digest), cache_keys.channel(channel_id)):
            if self._tag_generation.get(tag, 0) > generation:
                return True
        return False

    async def authenticate(self, secret: str | None) -> ChannelPrincipal:
        if not secret:
            raise auth_failed("Missing D360-API-KEY header")
        digest = keys.digest(secret)
        entry = self._entries.get(digest)
        now = time.monotonic()
        if entry is None or entry.expires < now:
            entry = await self._load_once(secret, digest, now)
            if self._stale(digest, entry.principal.channel_id, entry.generation):
                # The lookup read the database before a revocation in this process finished:
                # what it read may be the revoked key. Read once more, after the revocation.
                entry = await self._load_once(secret, digest, time.monotonic())
        wall = self._clock.now().timestamp()
        if wall - entry.last_used >= self._resolution:
            entry.last_used = wall
            self._touch(entry.principal.key_id)
        return entry.principal

    async def _load_once(self, secret: str, digest: str, now: float) -> _Entry:
        pending = self._loading.get(digest)
        if pending is None:
            pending = asyncio.ensure_future(self._load(secret, digest, now))
            self._loading[digest] = pending

            def forget(done: asyncio.Future[_Entry]) -> None:
                if self._loading.get(digest) is done:
                    del self._loading[digest]
                if not done.cancelled():
                    done.exception()  # seen here, so no waiter left behind makes it "unretrieved"

            pending.add_done_callback(forget)
        # Shielded: a caller that gives up does not cancel the lookup the others wait for.
        return await asyncio.shield(pending)

    async def _load(self, secret: str, digest: str, now: float) -> _Entry:
        if not keys.well_formed(secret):
            raise auth_failed("Invalid D360-API-KEY")
        generation = self._generation
        if self._reads is not None:
            found = await self._reads.channel_key(digest)
        else:
            async with self._uow_factory() as uow:
                found = await uow.messaging.key_and_channel(digest)
        if found is None:
            self._drop(digest)
            raise auth_failed("Invalid D360-API-KEY")
        key, channel = found
        if not channel.permission:
            self._drop(digest)
            raise permission_revoked(channel.id)
        principal = ChannelPrincipal(
            key_id=key.id,
            channel_id=channel.id,
            partner_id=channel.partner_id,
            client_id=channel.client_id,
            waba_account_id=channel.waba_account_id,
            channel_status=channel.status,
            phone_number=channel.phone_number,
            external_id=channel.external_id,
            is_on_biz_app=channel.is_on_biz_app,
            restrictions=tuple(
                (r["restriction_type"], int(r["expiration"])) for r in channel.restrictions
            ),
        )
        last = key.last_used_at.timestamp() if key.last_used_at else 0.0
        entry = _Entry(principal, now + self._ttl, last, generation)
        # A revocation that ran while we read must not be undone by caching what we read; an
        # unrelated commit meanwhile changes nothing we read.
        if not self._stale(digest, channel.id, generation):
            if len(self._entries) >= _MAX_ENTRIES:
                self._entries.clear()
                self._by_channel.clear()
            self._drop(digest)
            self._entries[digest] = entry
            self._by_channel.setdefault(channel.id, set()).add(digest)
        return entry

    def _touch(self, key_id: str) -> None:
        task = asyncio.get_running_loop().create_task(self._record_use(key_id))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _record_use(self, key_id: str) -> None:
        async with self._uow_factory() as uow:
            await uow.messaging.touch_key(key_id, self._clock.now())
            await uow.commit()

    async def drain(self) -> None:
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

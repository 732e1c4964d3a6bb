"""Which cached things a transaction changed, and how other processes hear of it.

The auth cache (:mod:`adapters.cache`) holds API keys, partners, users, token families, channel
keys and channels. Every write to one of those rows names it as a *tag*, found here without the
services having to remember:

- ORM changes (``key.revoked_at = now``, a partner's new webhook URL, a disabled user): the
  session's ``before_flush`` event tags every changed or deleted object of those classes;
- set-based ``UPDATE``/``DELETE`` statements on their tables: the ``do_orm_execute`` event takes
  the tags the statement carries (``.execution_options(cache_tags=...)``); a statement that
  carries none (a bulk reset) tags everything (:data:`EVERYTHING`), so a write nobody thought of
  costs a whole drop, never a stale credential.

New rows are not tagged: the cache keeps no negative answers for them to contradict.

:func:`publish` runs inside the committing transaction: on PostgreSQL a ``NOTIFY`` on
:data:`CACHE_CHANNEL` (delivered on commit, not at all on rollback; sent by :func:`notify` in
one statement with the commit's other notifications), on SQLite a bump of the tags' rows in
``cache_versions`` (migration 0017).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

from partnerhub.adapters import tables
from partnerhub.adapters.cache import EVERYTHING
from partnerhub.domain.auth.model import TokenFamily
from partnerhub.domain.cache_keys import api_key, channel, channel_key, family, partner, user
from partnerhub.domain.clients.model import Channel
from partnerhub.domain.keys.model import ApiKey
from partnerhub.domain.messaging.model import ChannelApiKey
from partnerhub.domain.partners.model import Partner, PartnerUser

CACHE_CHANNEL = "partnerhub_cache"
_INFO_KEY = "partnerhub_cache_tags"
# NOTIFY payloads must stay under 8000 bytes.
_PAYLOAD_LIMIT = 7000


def _tag_of(obj: object) -> str | None:
    if isinstance(obj, ApiKey):
        return api_key(obj.secret_digest)
    if isinstance(obj, Partner):
        return partner(obj.id)
    if isinstance(obj, PartnerUser):
        return user(obj.id)
    if isinstance(obj, TokenFamily):
        return family(obj.id)
    if isinstance(obj, ChannelApiKey):
        return channel_key(obj.secret_digest)
    if isinstance(obj, Channel):
        return channel(obj.id)
    return None


_WATCHED_TABLES = frozenset(
    table.name
    for table in (
        tables.partner_api_keys,
        tables.partners,
        tables.partner_users,
        tables.token_families,
        tables.channel_api_keys,
        tables.channels,
    )
)


def _tags(session: Session) -> set[str]:
    found: set[str] = session.info.setdefault(_INFO_KEY, set())
    return found


@event.listens_for(Session, "before_flush")
def _collect_flush(session: Session, _context: Any, _instances: Any) -> None:
    for obj in session.deleted:
        tag = _tag_of(obj)
        if tag is not None:
            _tags(session).add(tag)
    for obj in session.dirty:
        tag = _tag_of(obj)
        if tag is not None and session.is_modified(obj):
            _tags(session).add(tag)


@event.listens_for(Session, "do_orm_execute")
def _collect_statement(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) not in _WATCHED_TABLES:
        return
    named = state.execution_options.get("cache_tags")
    _tags(state.session).update([EVERYTHING] if named is None else named)


def note(session: AsyncSession, tags: Collection[str]) -> None:
    """Name what a statement run on the session's connection (below the ORM, where neither
    event above sees it) changed."""
    _tags(session.sync_session).update(tags)


def take(session: AsyncSession) -> frozenset[str]:
    """The tags this session's writes touched since the last call (emptied)."""
    found = session.sync_session.info.pop(_INFO_KEY, None)
    return frozenset(found) if found else frozenset()


async def publish(session: AsyncSession, tags: Collection[str]) -> list[tuple[str, str]]:
    """Tell other processes, in the committing transaction, which cached things changed.

    SQLite: bumps the tags' version rows now. PostgreSQL: answers the ``(channel, payload)``
    notifications to send, for :func:`notify` to send with the commit's others in one
    statement."""
    bind = session.bind
    dialect = bind.dialect.name if bind is not None else ""
    if dialect == "postgresql":
        return [(CACHE_CHANNEL, payload) for payload in _payloads(tags)]
    if dialect == "sqlite":
        # One statement on the driver: each tag's row takes the next sequence number (the
        # transaction already wrote, so it holds SQLite's one write lock: max + 1 is ours).
        connection = await session.connection()
        try:
            await connection.exec_driver_sql(_BUMP, [(tag,) for tag in sorted(tags)])
        except OperationalError as exc:
            if "no such table" not in str(exc):
                raise
            # A schema older than migration 0017: no process reads versions from it.
    return []


async def notify(session: AsyncSession, notifications: Sequence[tuple[str, str]]) -> None:
    """PostgreSQL: send every ``(channel, payload)`` of a commit in one statement, inside its
    transaction (delivered on commit, not at all on rollback). One round trip instead of one
    per notification; on the connection, below the ORM's execute events."""
    connection = await session.connection()
    await connection.execute(
        _NOTIFY,
        {
            "channels": [channel for channel, _ in notifications],
            "payloads": [payload for _, payload in notifications],
        },
    )


_NOTIFY = text(
    "SELECT pg_notify(c, p) FROM unnest(CAST(:channels AS text[]), CAST(:payloads AS text[]))"
    " AS t(c, p)"
)
_BUMP = (
    "INSERT INTO cache_versions (tag, seq) "
    "SELECT ?, coalesce(max(seq), 0) + 1 FROM cache_versions WHERE true "
    "ON CONFLICT (tag) DO UPDATE SET seq = excluded.seq"
)


def _payloads(tags: Collection[str]) -> list[str]:
    if EVERYTHING in tags:
        return [EVERYTHING]
    payloads: list[str] = []
    current: list[str] = []
    size = 0
    for tag in sorted(tags):
        if current and size + len(tag) + 1 > _PAYLOAD_LIMIT:
            payloads.append(" ".join(current))
            current, size = [], 0
        current.append(tag)
        size += len(tag) + 1
    if current:
        payloads.append(" ".join(current))
    return payloads

"""Everything one running app holds: engine, clock, cache and the services built on them.

Built by the app's lifespan (and by the CLI) from :class:`Settings`; there is no module-level
singleton, so tests can run several apps side by side.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from partnerhub.adapters import db, migrate, tables
from partnerhub.adapters.cache import CoherentCache, SqliteChangeDetector
from partnerhub.adapters.cache_listener import CacheListener
from partnerhub.adapters.credential_reads import CoreCredentialReads
from partnerhub.adapters.delivery.engine import DeliveryEngine, EngineConfig, Worker
from partnerhub.adapters.delivery.listener import OutboxListener
from partnerhub.adapters.fastpath.postgres_send import PostgresSendStore
from partnerhub.adapters.fastpath.sqlite_send import SqliteSendStore
from partnerhub.adapters.idempotency import IdempotencyStore
from partnerhub.adapters.media_storage import LocalMediaStorage, S3MediaStorage
from partnerhub.adapters.ratelimit import RateLimits
from partnerhub.adapters.repositories.media import MediaRepository
from partnerhub.adapters.retention import Retention, RetentionConfig
from partnerhub.adapters.simulator import Simulator
from partnerhub.adapters.unit_of_work import ReadUnitOfWork, UnitOfWork, sqlite_write_gate
from partnerhub.adapters.worker_hooks import NO_HOOKS, WorkerHooks
from partnerhub.domain.auth.lockout import LockoutPolicy, PasswordGuard
from partnerhub.domain.auth.services import Authenticator, TokenService
from partnerhub.domain.auth.tokens import TokenCodec
from partnerhub.domain.catalogs import services as catalogs
from partnerhub.domain.clock import Clock, SystemClock
from partnerhub.domain.flows import services as flow_services
from partnerhub.domain.media.services import MediaService
from partnerhub.domain.messaging.auth import ChannelKeyAuthenticator, ChannelPrincipal
from partnerhub.domain.messaging.services import (
    MAY_NAME_MEDIA,
    MessageSender,
    MessagingConfig,
    SendCheck,
    SendStore,
    UnitOfWorkSendStore,
)
from partnerhub.domain.messaging.validation import OutgoingMessage, ProductRef
from partnerhub.domain.partners.services import PartnerReader
from partnerhub.domain.ratelimit import Rule
from partnerhub.server.policy import ModePolicy
from partnerhub.server.settings import Settings

log = structlog.get_logger("partnerhub.state")


@dataclass
class AppState:
    settings: Settings
    # What differs between hub and emulator mode, read by the core instead of the mode.
    policy: ModePolicy
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: Clock
    cache: CoherentCache
    authenticator: Authenticator
    tokens: TokenService
    partners: PartnerReader
    delivery: DeliveryEngine
    worker: Worker
    master_key: str
    simulator: Simulator
    rate_limits: RateLimits
    channel_keys: ChannelKeyAuthenticator
    messaging: MessagingConfig
    sender: MessageSender
    idempotency: IdempotencyStore
    # The one gate in front of every password check (lockout and per-address budgets).
    password_guard: PasswordGuard
    # What the composition root added to the background work (the emulator's clock, faults).
    hooks: WorkerHooks = NO_HOOKS
    # Requests per minute one credential may make on the Partner API (None: no budget).
    api_budget: Rule | None = None
    # Shown by /livez and /readyz: which server answered.
    instance_id: str = ""
    # Deletes old delivered events and finished messages; sizes the retained tables (/metrics).
    retention: Retention | None = None
    # PostgreSQL: hears which cached things other processes changed (adapters/cache_listener.py).
    cache_listener: CacheListener | None = None
    # Media uploads and downloads (issue 17): rows in the database, bytes in the media storage.
    media: MediaService = None  # type: ignore[assignment]  # always set by build_state

    # Sessions without a transaction around their reads (PostgreSQL: autocommit), for reads().
    read_sessionmaker: async_sessionmaker[AsyncSession] | None = None

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessionmaker, self.worker.notify, self.cache.invalidate)

    def reads(self) -> UnitOfWork:
        """A read-only unit of work for the list pages: one round trip per statement, no
        ``BEGIN``/``ROLLBACK`` (it refuses to commit)."""
        return ReadUnitOfWork(self.read_sessionmaker or self.sessionmaker)

    def start_cache_listener(self) -> None:
        """On PostgreSQL the auth cache is bypassed until its listener is connected."""
        if self.cache_listener is not None:
            self.cache_listener.start()

    @property
    def key_prefix(self) -> str:
        return self.policy.key_prefix

    async def start_on_database(self) -> None:
        """A process's startup work on the database: migrate, then what the hooks add (a
        restarted emulator resumes at the virtual time it had reached)."""
        await migrate.upgrade(self.engine)
        await self.hooks.start(self.uow)

    async def close(self) -> None:
        await self.worker.stop()
        if self.cache_listener is not None:
            await self.cache_listener.close()
        await self.authenticator.drain()
        await self.channel_keys.drain()
        await self.delivery.aclose()
        await self.sender.aclose()
        await self.rate_limits.aclose()
        storage = getattr(self.media, "storage", None)
        if isinstance(storage, S3MediaStorage):
            await storage.aclose()
        self.cache.close()
        await self.engine.dispose()


def lockout_policy(settings: Settings) -> LockoutPolicy:
    return LockoutPolicy(
        max_failures=settings.hub_login_max_failures,
        max_failures_per_address=settings.login_address_failures,
        window=timedelta(seconds=settings.hub_login_failure_window_seconds),
        attempts_per_minute=settings.login_address_budget,
        trusted_for=timedelta(days=settings.login_trusted_address_days),
    )


def _send_store(
    engine: AsyncEngine,
    path: Path | None,
    uow_factory: Callable[[], UnitOfWork],
    pool_size: int,
) -> SendStore:
    """A SQLite file and PostgreSQL get their one-hop send stores; in-memory SQLite (which a
    second connection could not see) the unit of work."""
    if engine.dialect.name == "postgresql":
        # Up to four batches in flight, a fifth of the pool at most: requests keep the rest.
        return PostgresSendStore(engine, concurrency=max(1, min(4, pool_size // 5)))
    if path is None:
        return UnitOfWorkSendStore(uow_factory)
    return SqliteSendStore(path, lambda: sqlite_write_gate(engine))


def media_storage(settings: Settings) -> LocalMediaStorage | S3MediaStorage:
    """The S3-compatible bucket when ``PARTNERHUB_MEDIA_S3_URL`` is set, else a directory."""
    if settings.media_s3_url:
        secret = settings.media_s3_secret_key
        return S3MediaStorage(
            settings.media_s3_url,
            settings.media_s3_bucket,
            access_key=settings.media_s3_access_key,
            secret_key=secret.get_secret_value() if secret is not None else None,
            region=settings.media_s3_region,
            prefix=settings.media_s3_prefix,
        )
    return LocalMediaStorage(settings.media_dir or settings.data_dir / "media")


def _send_checks(
    uow_factory: Callable[[], UnitOfWork], media: MediaService
) -> tuple[SendCheck, ...]:
    """The sends' lookups beyond the batch, each a read only for the messages it concerns:
    catalog products, media ids of the number, and the Flow of an interactive ``flow``."""

    async def check_products(principal: ChannelPrincipal, products: ProductRef) -> None:
        async with uow_factory() as uow:
            await catalogs.check_products(uow, principal.waba_account_id, products)

    async def check_flow(principal: ChannelPrincipal, action: dict[str, Any]) -> None:
        async with uow_factory() as uow:
            await flow_services.check_sendable(uow, principal.waba_account_id, action)

    def products(principal: ChannelPrincipal, outgoing: OutgoingMessage) -> Awaitable[None] | None:
        if outgoing.products is None:
            return None
        return check_products(principal, outgoing.products)

    def media_ids(principal: ChannelPrincipal, outgoing: OutgoingMessage) -> Awaitable[None] | None:
        if outgoing.type not in MAY_NAME_MEDIA:
            return None
        return media.check_send(principal, outgoing.body)

    def flow(principal: ChannelPrincipal, outgoing: OutgoingMessage) -> Awaitable[None] | None:
        interactive = outgoing.body.get("interactive")
        if not (isinstance(interactive, dict) and interactive.get("type") == "flow"):
            return None
        return check_flow(principal, interactive.get("action") or {})

    return (products, media_ids, flow)


def build_state(
    settings: Settings,
    clock: Clock | None = None,
    *,
    policy: ModePolicy | None = None,
    hooks: WorkerHooks = NO_HOOKS,
) -> AppState:
    """The core's state. ``clock`` and ``hooks`` come from the composition root
    (:mod:`partnerhub.app`): the emulator's virtual clock and its hooks in emulator mode, the
    system clock and none on a hub."""
    tables.map_domain()
    policy = policy or ModePolicy.from_settings(settings)
    url = settings.sqlalchemy_url
    engine = db.create_engine(url, settings.database_pool)
    sessionmaker = db.create_sessionmaker(engine)
    clock = clock or SystemClock()
    path = db.sqlite_path(url)
    detector = SqliteChangeDetector(path) if path is not None else None
    # SQLite: on when there is a file to watch. PostgreSQL: off until the listener is connected.
    # In-memory SQLite: off (a write outside the units of work would go unnoticed).
    cache = CoherentCache(detector, settings.auth_cache_ttl_seconds, enabled=detector is not None)
    postgres = url.get_backend_name() == "postgresql"
    # Behind PgBouncer without a direct URL nothing can LISTEN: the cache then stays off.
    listen_url = settings.listen_url
    cache_listener = CacheListener(listen_url, cache) if postgres and listen_url else None
    reads = CoreCredentialReads(engine)
    codec = TokenCodec(settings.resolve_jwt_secret(), clock, settings.access_token_ttl_seconds)
    master_key = settings.resolve_secret_key()
    delivery = DeliveryEngine(
        sessionmaker,
        clock,
        EngineConfig(
            timeout_seconds=settings.webhook_timeout_seconds,
            retry_delays=settings.retry_delays,
            hub_mode=policy.ssrf_rules,
            master_key=master_key,
            concurrency=settings.delivery_concurrency,
            batch_size=settings.delivery_batch_size,
        ),
        hooks,
    )

    def uow_factory() -> UnitOfWork:
        return UnitOfWork(sessionmaker, worker.notify, cache.invalidate)

    messaging = MessagingConfig(
        status_step_seconds=settings.message_status_seconds,
        read_receipts=settings.message_read_receipts,
        prices=dict(settings.message_prices),
    )
    simulator = Simulator(
        uow_factory,
        clock,
        settings.simulator_step_seconds,
        messaging,
        reject_template_names=settings.template_reject_names,
        hooks=hooks,
    )
    worker = Worker(delivery, settings.delivery_poll_seconds, simulator.run_due)

    media = MediaService(
        MediaRepository(engine),
        media_storage(settings),
        clock,
        hashlib.sha256(f"media-url:{master_key}".encode()).digest(),
    )
    sender = MessageSender(
        _send_store(engine, path, uow_factory, settings.database_pool.size),
        clock,
        messaging,
        checks=_send_checks(uow_factory, media),
    )
    worker.busy = sender.busy
    listen_url = settings.listen_url
    if listen_url is not None:
        worker.listener = OutboxListener(listen_url, worker.notify)
    elif url.get_backend_name() == "postgresql":
        log.warning(
            "outbox_listener_off",
            reason="the database URL goes through PgBouncer and no "
            "PARTNERHUB_DATABASE_DIRECT_URL is set: delivery polls instead of LISTEN",
        )

    retention = Retention(
        engine,
        clock,
        RetentionConfig(
            days=settings.retention_days,
            batch_size=settings.retention_batch_size,
            interval_seconds=settings.retention_interval_seconds,
            stats_seconds=settings.table_stats_seconds,
        ),
    )
    if retention.enabled:
        worker.housekeeping = retention.run_due
    rate_limits = RateLimits(settings.rate_limit_storage_url, settings.redis_key_prefix)
    channel_keys = ChannelKeyAuthenticator(
        uow_factory,
        clock,
        settings.channel_key_cache_seconds,
        settings.api_key_last_used_resolution_seconds,
        reads,
    )
    cache.subscribe(channel_keys.forget)
    retention.media = media
    return AppState(
        settings=settings,
        policy=policy,
        engine=engine,
        sessionmaker=sessionmaker,
        read_sessionmaker=db.create_read_sessionmaker(engine),
        clock=clock,
        cache=cache,
        authenticator=Authenticator(
            uow_factory, clock, codec, cache, settings.api_key_last_used_resolution_seconds, reads
        ),
        tokens=TokenService(clock, codec, timedelta(days=settings.refresh_family_max_days)),
        partners=PartnerReader(uow_factory, cache, reads),
        delivery=delivery,
        worker=worker,
        master_key=master_key,
        simulator=simulator,
        rate_limits=rate_limits,
        channel_keys=channel_keys,
        messaging=messaging,
        sender=sender,
        idempotency=IdempotencyStore(sessionmaker, clock, settings.idempotency_key_ttl_seconds),
        password_guard=PasswordGuard(clock, rate_limits, lockout_policy(settings)),
        api_budget=(
            Rule("partner_api", settings.api_budget_per_minute, 60)
            if settings.api_budget_per_minute
            else None
        ),
        instance_id=settings.instance_id or secrets.token_hex(6),
        hooks=hooks,
        retention=retention,
        cache_listener=cache_listener,
        media=media,
    )

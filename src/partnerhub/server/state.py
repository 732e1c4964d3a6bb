"""Everything one running app holds: engine, clock, cache and the services built on them.

Built by the app's lifespan (and by the CLI) from :class:`Settings`; there is no module-level
singleton, so tests can run several apps side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from partnerhub.adapters import db, tables
from partnerhub.adapters.cache import CoherentCache, SqliteChangeDetector
from partnerhub.adapters.unit_of_work import UnitOfWork
from partnerhub.domain.auth.services import Authenticator, TokenService
from partnerhub.domain.auth.tokens import TokenCodec
from partnerhub.domain.clock import Clock, SystemClock
from partnerhub.domain.partners.services import PartnerReader
from partnerhub.server.settings import Settings


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: Clock
    cache: CoherentCache[Any, object]
    authenticator: Authenticator
    tokens: TokenService
    partners: PartnerReader

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessionmaker)

    @property
    def key_prefix(self) -> str:
        return "ph_live_" if self.settings.mode == "hub" else "ph_test_"

    async def close(self) -> None:
        await self.authenticator.drain()
        self.cache.close()
        await self.engine.dispose()


def build_state(settings: Settings, clock: Clock | None = None) -> AppState:
    tables.map_domain()
    url = settings.sqlalchemy_url
    engine = db.create_engine(url)
    sessionmaker = db.create_sessionmaker(engine)
    clock = clock or SystemClock()
    path = db.sqlite_path(url)
    detector = SqliteChangeDetector(path) if path is not None else None
    cache: CoherentCache[Any, object] = CoherentCache(detector)
    codec = TokenCodec(settings.resolve_jwt_secret(), clock, settings.access_token_ttl_seconds)

    def uow_factory() -> UnitOfWork:
        return UnitOfWork(sessionmaker)

    return AppState(
        settings=settings,
        engine=engine,
        sessionmaker=sessionmaker,
        clock=clock,
        cache=cache,
        authenticator=Authenticator(
            uow_factory, clock, codec, cache, settings.api_key_last_used_resolution_seconds
        ),
        tokens=TokenService(clock, codec),
        partners=PartnerReader(uow_factory, cache),
    )

"""Number migrations and two-step verification flags (issue 18 item 4): mapped dataclasses,
tracked by the session like channels."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from partnerhub.adapters import tables
from partnerhub.domain.migration.model import NumberMigration, TwoStepSetting


class MigrationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, item: NumberMigration | TwoStepSetting) -> None:
        self._session.add(item)

    async def get_migration(
        self, channel_id: str, *, for_update: bool = False
    ) -> NumberMigration | None:
        return await self._session.get(NumberMigration, channel_id, with_for_update=for_update)

    async def two_step(self, phone_number: str) -> TwoStepSetting | None:
        return await self._session.get(TwoStepSetting, phone_number)

    async def migrations_of_partner(self, partner_id: str) -> list[NumberMigration]:
        c = tables.number_migrations.c
        statement = (
            select(NumberMigration)
            .where(c.partner_id == partner_id)
            .order_by(c.created_at, c.channel_id)
        )
        return list((await self._session.scalars(statement)).all())

"""Balances, debits and usage reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    case,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from partnerhub.adapters import tables
from partnerhub.adapters.buckets import parse_key, period_key
from partnerhub.domain.billing.model import (
    Balance,
    Funds,
    PeriodUsage,
    PricingType,
    UsagePoint,
    UsageRecord,
)
from partnerhub.domain.billing.periods import Granularity, next_period

_US = tables.usage_records.c
_BA = tables.balances.c


def _total(expression: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(expression), 0)


class BillingRepository:
    """Balances and usage records (spec §4: balance, client balance, channel usage)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    @property
    def _dialect(self) -> str:
        bind = self._session.bind
        return "sqlite" if bind is None else bind.dialect.name

    async def get_balance(self, owner_id: str) -> Balance | None:
        return await self._session.get(Balance, owner_id)

    def add_balance(self, balance: Balance) -> None:
        self._session.add(balance)

    async def debit(
        self,
        owner_id: str,
        partner_id: str,
        client_id: str | None,
        micros: int,
        currency: str,
        now: datetime,
    ) -> Funds:
        """Take ``micros`` off a balance (creating it at zero first) and return what is left.

        One UPDATE computing ``total - micros`` in the database: concurrent debits of the same
        payer serialise on the row and none is lost, which a read-modify-write would risk.
        """
        make_insert = postgresql.insert if self._dialect == "postgresql" else sqlite.insert
        await self._session.execute(
            make_insert(tables.balances)
            .values(
                owner_id=owner_id,
                partner_id=partner_id,
                client_id=client_id,
                total_micros=0,
                currency=currency,
                modified_at=now,
            )
            .on_conflict_do_nothing(index_elements=["owner_id"])
        )
        result = await self._session.execute(
            update(tables.balances)
            .where(_BA.owner_id == owner_id)
            .values(total_micros=_BA.total_micros - micros, modified_at=now)
            .returning(_BA.total_micros, _BA.currency)
            .execution_options(synchronize_session=False)
        )
        total, currency = result.one()
        return Funds(int(total), str(currency))

    def add_usage(self, record: UsageRecord) -> None:
        self._session.add(record)

    async def insert_usage(self, rows: list[dict[str, Any]]) -> None:
        """Many usage records in one statement (the simulator charging a batch of deliveries)."""
        if rows:
            await self._session.execute(insert(tables.usage_records), rows)

    async def usage_by_period(
        self, client_id: str, start: datetime, end: datetime, granularity: Granularity
    ) -> list[PeriodUsage]:
        """The client's usage in ``[start, end)``, one row per period that has any."""
        key = period_key(_US.occurred_at, granularity, self._dialect).label("period")
        statement = (
            select(
                key,
                _total(_US.volume),
                _total(case((_US.pricing_type != PricingType.REGULAR, _US.volume), else_=0)),
                _total(case((_US.pricing_type == PricingType.REGULAR, _US.volume), else_=0)),
                _total(case((_US.initiated_by == "business", _US.volume), else_=0)),
                _total(case((_US.initiated_by == "user", _US.volume), else_=0)),
                _total(_US.cost_micros),
            )
            .where(_US.client_id == client_id, _US.occurred_at >= start, _US.occurred_at < end)
            # By the label: PostgreSQL would not see two renderings of the expression (each
            # with its own bound format string) as the same grouping.
            .group_by("period")
            .order_by("period")
        )
        rows = (await self._session.execute(statement)).all()
        return [
            PeriodUsage(
                period_start=parse_key(row[0], granularity),
                quantity=int(row[1]),
                free_quantity=int(row[2]),
                paid_quantity=int(row[3]),
                business_initiated_quantity=int(row[4]),
                user_initiated_quantity=int(row[5]),
                cost_micros=int(row[6]),
            )
            for row in rows
        ]

    async def usage_points(
        self,
        channel_id: str,
        start: datetime,
        end: datetime,
        granularity: Granularity,
        countries: frozenset[str] | None,
    ) -> list[UsagePoint]:
        """The channel's usage in ``[start, end)`` per period, country, category and type."""
        key = period_key(_US.occurred_at, granularity, self._dialect).label("period")
        statement = (
            select(
                key,
                _US.country,
                _US.pricing_category,
                _US.pricing_type,
                _total(_US.volume),
                _total(_US.cost_micros),
            )
            .where(_US.channel_id == channel_id, _US.occurred_at >= start, _US.occurred_at < end)
            .group_by("period", _US.country, _US.pricing_category, _US.pricing_type)
            .order_by("period", _US.country, _US.pricing_category, _US.pricing_type)
        )
        if countries is not None:
            statement = statement.where(_US.country.in_(sorted(countries)))
        points = []
        for row in (await self._session.execute(statement)).all():
            period_start = parse_key(row[0], granularity)
            points.append(
                UsagePoint(
                    start=period_start,
                    end=next_period(period_start, granularity),
                    country=row[1],
                    pricing_category=row[2],
                    pricing_type=row[3],
                    volume=int(row[4]),
                    cost_micros=int(row[5]),
                )
            )
        return points

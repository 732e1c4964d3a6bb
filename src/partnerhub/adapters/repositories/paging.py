"""Filters, sort and paging of a validated :class:`ListQuery`, shared by every list query."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from partnerhub.domain.listing import ListQuery, SortKey, TimeRange

NEWEST_FIRST = (SortKey("created_at", descending=True),)


def _condition(column: ColumnElement[Any], value: Any) -> ColumnElement[bool]:
    if value is None:
        return column.is_(None)
    if isinstance(value, TimeRange):
        bounds = [
            column >= value.gte if value.gte is not None else None,
            column < value.lt if value.lt is not None else None,
        ]
        return and_(*(bound for bound in bounds if bound is not None))
    condition: ColumnElement[bool] = column == value
    return condition


async def fetch_page(
    session: AsyncSession,
    statement: Select[Any],
    query: ListQuery,
    columns: Mapping[str, ColumnElement[Any]],
    *,
    default_sort: Sequence[SortKey] = NEWEST_FIRST,
    total_from: Select[tuple[int]] | None = None,
) -> tuple[list[Any], int]:
    """Apply a validated :class:`ListQuery` (filters, sort, paging) and count the total.

    The order always ends with ``id`` in the direction of the last sort key, so pages are
    stable and an index on ``(…, created_at, id)`` serves the default newest-first order.
    ``total_from`` is a statement counting the total more cheaply than ``COUNT(*)`` (a counter
    table): the page carries it as a scalar subquery, still one round trip.
    """
    for name, value in query.filters.items():
        statement = statement.where(_condition(columns[name], value))
    keys = list(query.sort) or list(default_sort)
    order = [columns[k.field].desc() if k.descending else columns[k.field].asc() for k in keys]
    if keys[-1].field != "id":
        order.append(columns["id"].desc() if keys[-1].descending else columns["id"].asc())
    page = statement.order_by(*order).limit(query.limit).offset(query.offset)
    # The page and the total in one statement (one round trip, one snapshot): the window count
    # is taken over the filtered rows before LIMIT/OFFSET. Only a page past the end, which has
    # no row to carry it, needs a second statement.
    carried = func.count().over() if total_from is None else total_from.scalar_subquery()
    rows = (await session.execute(page.add_columns(carried))).all()
    if rows:
        return [row[0] for row in rows], int(rows[0][-1])
    if total_from is not None:
        return [], int(await session.scalar(total_from) or 0)
    if query.offset == 0:
        return [], 0
    counted = await session.scalar(select(func.count()).select_from(statement.subquery()))
    return [], int(counted or 0)

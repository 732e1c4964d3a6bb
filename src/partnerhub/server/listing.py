"""The list endpoints' shared plumbing (spec §3.3): the four query parameters and the envelope.

Every list route takes ``page: ListParams`` (one dependency, so the parameters are declared and
documented once) and builds its response with :func:`envelope`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from litestar.di import Provide
from litestar.params import FromQuery, Parameter

from partnerhub.domain.listing import ListQuery, parse_list_query


@dataclass(frozen=True)
class ListParams:
    limit: str | None
    offset: str | None
    sort: str | None
    filters: str | None

    def parse(self, sortable: Collection[str], filterable: Mapping[str, type]) -> ListQuery:
        return parse_list_query(
            limit=self.limit,
            offset=self.offset,
            sort=self.sort,
            filters=self.filters,
            sortable=sortable,
            filterable=filterable,
        )


async def provide_list_params(
    limit: FromQuery[str | None] = None,
    offset: FromQuery[str | None] = None,
    sort: FromQuery[str | None] = None,
    filters: Annotated[
        str | None,
        Parameter(
            description="A URL-encoded JSON object of field conditions, dotted keys for nested "
            "fields; a key sent as null sets no condition; an unknown key is a 400 naming it."
        ),
    ] = None,
) -> ListParams:
    return ListParams(limit, offset, sort, filters)


LIST_DEPENDENCIES = {"page": Provide(provide_list_params)}


def envelope(query: ListQuery, total: int, count: int) -> dict[str, Any]:
    """Everything of a list response but the items themselves."""
    return {
        "limit": query.limit,
        "offset": query.offset,
        "sort": query.sort_strings,
        "total": total,
        "count": count,
        "filters": query.echo,
    }

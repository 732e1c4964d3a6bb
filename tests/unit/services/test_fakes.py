"""The fakes themselves: a unit of work commits all or nothing, and lists page and sort as the
SQL repositories do. A service test is only as good as these."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from partnerhub.domain.listing import ListQuery, SortKey, TimeRange
from tests.fakes import FakeDatabase, FakeUnitOfWork, builders
from tests.fakes.store import page

Uow = Callable[[], FakeUnitOfWork]
T0 = datetime(2026, 1, 1, tzinfo=UTC)


async def test_changes_are_seen_inside_the_unit_of_work_and_kept_only_on_commit(
    new_uow: Uow, db: FakeDatabase
) -> None:
    partner = builders.partner(T0)
    db.seed(partner)
    async with new_uow() as uow:
        stored = await uow.partners.get(partner.id)
        assert stored is not None and stored is not partner  # a working copy
        stored.brand_name = "Changed"
        assert (await uow.partners.get(partner.id)) is stored  # one object per row
    assert db.tables.partners[partner.id].brand_name == "Acme"
    async with new_uow() as uow:
        stored = await uow.partners.get(partner.id)
        assert stored is not None
        stored.brand_name = "Changed"
        await uow.commit()
        stored.brand_name = "After the commit"  # not committed again
    assert db.tables.partners[partner.id].brand_name == "Changed"
    assert db.commits == 1


async def test_seeded_objects_are_copies_of_what_the_test_holds(db: FakeDatabase) -> None:
    partner = builders.partner(T0)
    db.seed(partner)
    partner.settings["x"] = 1
    assert "x" not in db.tables.partners[partner.id].settings


def test_a_page_filters_sorts_with_id_as_tie_breaker_and_counts_the_total() -> None:
    now = T0
    partners = [
        builders.partner(now, id="b", brand_name="Same"),
        builders.partner(now, id="a", brand_name="Same"),
        builders.partner(now + timedelta(seconds=1), id="c", brand_name="Other"),
    ]
    columns = {
        "id": lambda p: p.id,
        "brand_name": lambda p: p.brand_name,
        "created_at": lambda p: p.created_at,
    }
    newest, total = page(partners, ListQuery(limit=2), columns)
    assert ([p.id for p in newest], total) == (["c", "b"], 3)
    by_name, _ = page(partners, ListQuery(sort=(SortKey("brand_name", False),)), columns)
    assert [p.id for p in by_name] == ["c", "a", "b"]
    second = TimeRange(gte=now + timedelta(seconds=1), lt=now + timedelta(seconds=2))
    found, total = page(partners, ListQuery(filters={"created_at": second}), columns)
    assert ([p.id for p in found], total) == (["c"], 1)
    rest, total = page(partners, ListQuery(offset=2), columns)
    assert ([p.id for p in rest], total) == (["a"], 3)

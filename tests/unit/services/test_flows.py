"""WhatsApp Flows' state machine (issue 18 item 1) against the fakes: DRAFT → PUBLISHED →
DEPRECATED, what each state refuses, the preview link's lifetime, cloning and migration."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from partnerhub.domain.clients.model import WabaAccount
from partnerhub.domain.errors import NotFound
from partnerhub.domain.flows import services as flows
from partnerhub.domain.flows.model import Flow
from tests.fakes import FakeClock, FakeDatabase, FakeUnitOfWork, builders
from tests.helpers import flow_json as fj

Uow = Callable[[], FakeUnitOfWork]


@pytest.fixture
def wabas(db: FakeDatabase, clock: FakeClock) -> tuple[WabaAccount, WabaAccount, WabaAccount]:
    partner = builders.partner(clock.now())
    client = builders.client(partner, clock.now())
    other = builders.partner(clock.now())
    their_client = builders.client(other, clock.now())
    mine, second, theirs = (
        builders.waba(client, clock.now()),
        builders.waba(client, clock.now()),
        builders.waba(their_client, clock.now()),
    )
    db.seed(partner, client, other, their_client, mine, second, theirs)
    return mine, second, theirs


async def _new(uow: Uow, clock: FakeClock, waba: WabaAccount, name: str = "Survey") -> Flow:
    async with uow() as u:
        return await flows.create_flow(
            u, clock, waba.partner_id, waba.id, flows.NewFlow(name, ["SURVEY"])
        )


async def _upload(uow: Uow, clock: FakeClock, flow: Flow, text: str) -> Flow:
    async with uow() as u:
        return await flows.upload_flow_json(
            u,
            clock,
            flow.partner_id,
            flow.waba_account_id,
            flow.id,
            name="flow.json",
            asset_type="FLOW_JSON",
            content=text.encode(),
        )


async def test_the_lifecycle_and_what_each_state_refuses(
    new_uow: Uow, clock: FakeClock, wabas: tuple[WabaAccount, ...]
) -> None:
    waba = wabas[0]
    flow = await _new(new_uow, clock, waba)
    ids = (waba.partner_id, waba.id, flow.id)
    assert flow.status == "DRAFT"
    with pytest.raises(flows.FlowRefused) as no_json:
        async with new_uow() as u:
            await flows.publish(u, clock, *ids)
    assert no_json.value.code == flows.PUBLISHING_FAILED
    broken = await _upload(new_uow, clock, flow, "{}")
    assert broken.validation_errors and broken.json_version is None
    with pytest.raises(flows.FlowRefused):
        async with new_uow() as u:
            await flows.publish(u, clock, *ids)
    fixed = await _upload(new_uow, clock, flow, fj.text(fj.SURVEY))
    assert fixed.validation_errors == [] and fixed.json_version == "6.0"
    async with new_uow() as u:
        published = await flows.publish(u, clock, *ids)
    assert published.status == "PUBLISHED"
    for refused in (
        lambda u: flows.delete(u, *ids),
        lambda u: flows.publish(u, clock, *ids),
        lambda u: flows.update_flow(u, clock, *ids, flows.FlowEdit(name="New")),
    ):
        with pytest.raises(flows.FlowRefused):
            async with new_uow() as u:
                await refused(u)
    with pytest.raises(flows.FlowRefused):
        await _upload(new_uow, clock, flow, fj.text(fj.SURVEY))
    async with new_uow() as u:
        assert (await flows.deprecate(u, clock, *ids)).status == "DEPRECATED"
    with pytest.raises(flows.FlowRefused) as again:
        async with new_uow() as u:
            await flows.deprecate(u, clock, *ids)
    assert again.value.code == flows.DEPRECATING_FAILED


async def test_a_draft_is_deleted_and_names_are_unique_per_waba(
    new_uow: Uow, clock: FakeClock, wabas: tuple[WabaAccount, ...]
) -> None:
    mine, second, _ = wabas
    flow = await _new(new_uow, clock, mine)
    with pytest.raises(flows.FlowRefused) as taken:
        await _new(new_uow, clock, mine)
    assert taken.value.code == flows.INVALID_PARAMETER
    await _new(new_uow, clock, second)  # the same name in another WABA is fine
    async with new_uow() as u:
        await flows.delete(u, mine.partner_id, mine.id, flow.id)
    with pytest.raises(NotFound):
        async with new_uow() as u:
            await flows.get_flow(u, mine.partner_id, mine.id, flow.id)


async def test_the_preview_link_lives_30_days_and_can_be_renewed(
    new_uow: Uow, clock: FakeClock, wabas: tuple[WabaAccount, ...]
) -> None:
    waba = wabas[0]
    flow = await _new(new_uow, clock, waba)
    ids = (waba.partner_id, waba.id, flow.id)
    async with new_uow() as u:
        first = await flows.preview(u, clock, *ids, invalidate=False)
    assert first.preview_expires_at == clock.now() + timedelta(days=30)
    async with new_uow() as u:
        same = await flows.preview(u, clock, *ids, invalidate=False)
    assert same.preview_token == first.preview_token
    async with new_uow() as u:
        renewed = await flows.preview(u, clock, *ids, invalidate=True)
    assert renewed.preview_token != first.preview_token
    clock.advance(31 * 86400)
    async with new_uow() as u:
        expired = await flows.preview(u, clock, *ids, invalidate=False)
    assert expired.preview_token != renewed.preview_token


async def test_clone_and_migrate_stay_within_the_partner(
    new_uow: Uow, clock: FakeClock, wabas: tuple[WabaAccount, ...]
) -> None:
    mine, second, theirs = wabas
    their_flow = await _new(new_uow, clock, theirs, "Theirs")
    with pytest.raises(flows.FlowRefused):
        async with new_uow() as u:
            await flows.create_flow(
                u, clock, mine.partner_id, mine.id, flows.NewFlow("c", clone_flow_id=their_flow.id)
            )
    with pytest.raises(NotFound):
        async with new_uow() as u:
            await flows.migrate(u, clock, mine.partner_id, mine.id, theirs.id, None)
    draft = await _new(new_uow, clock, mine, "Draft")
    await _upload(new_uow, clock, draft, fj.text(fj.SURVEY))
    async with new_uow() as u:
        moved, failed = await flows.migrate(u, clock, mine.partner_id, second.id, mine.id, None)
    assert [m.source_name for m in moved] == ["Draft"] and failed == []
    async with new_uow() as u:
        copy = await flows.get_flow(u, mine.partner_id, second.id, moved[0].migrated_id)
    assert (copy.status, copy.flow_json, copy.waba_account_id) == (
        "DRAFT",
        fj.text(fj.SURVEY),
        second.id,
    )

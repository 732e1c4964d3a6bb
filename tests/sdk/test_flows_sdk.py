"""WhatsApp Flows through the SDK: ``hub.flows`` (async, in process) and its sync twin over a
real ``partnerhub serve`` process."""

from __future__ import annotations

import pytest

from partnerhub.client import AsyncPartnerClient, PartnerClient, ValidationError
from tests.helpers import flow_json as fj
from tests.sdk.conftest import Server, World, world_document


async def test_async_flow_lifecycle(hub: AsyncPartnerClient, world: World) -> None:
    created = await hub.flows.create(world.waba_id, "Survey", ["SURVEY"])
    uploaded = await hub.flows.upload_json(world.waba_id, created.id, fj.SURVEY)
    assert uploaded.success and uploaded.validation_errors == []
    broken = fj.broken(fj.SURVEY, lambda d: d.pop("version"))
    bad = await hub.flows.upload_json(world.waba_id, created.id, fj.text(broken))
    assert [e.error for e in bad.validation_errors] == ["MISSING_REQUIRED_PROPERTY"]
    with pytest.raises(ValidationError):
        await hub.flows.publish(world.waba_id, created.id)
    await hub.flows.upload_json(world.waba_id, created.id, fj.text(fj.SURVEY).encode())
    assert (await hub.flows.publish(world.waba_id, created.id)).success
    got = await hub.flows.get(world.waba_id, created.id, fields=["status", "json_version"])
    assert got == {"id": created.id, "status": "PUBLISHED", "json_version": "6.0"}
    (asset,) = (await hub.flows.assets(world.waba_id, created.id)).data
    assert asset.asset_type == "FLOW_JSON"
    assert (await hub.flows.deprecate(world.waba_id, created.id)).success
    draft = await hub.flows.create(world.waba_id, "Draft", ["OTHER"])
    await hub.flows.update(world.waba_id, draft.id, name="Renamed")
    listed = await hub.flows.list(world.waba_id, fields="name,status")
    assert [(f["name"], f["status"]) for f in listed.flows] == [
        ("Renamed", "DRAFT"),
        ("Survey", "DEPRECATED"),
    ]
    assert (await hub.flows.delete(world.waba_id, draft.id)).success
    assert (await hub.flows.list(world.waba_id)).total == 1


@pytest.mark.slow
def test_sync_flows_and_migrate(server: Server) -> None:
    doc, world = world_document(clients=2)
    doc["waba_accounts"].append({"id": "sdk2WA", "client_id": world.client_ids[1]})
    server.emulator("/_emulator/seed", doc)
    with PartnerClient(world.partner_id, api_key=world.api_key, base_url=server.base_url) as hub:
        flow = hub.flows.create(world.waba_id, "lead-gen", ["LEAD_GENERATION"])
        assert hub.flows.upload_json(world.waba_id, flow.id, fj.LEAD_GENERATION).success
        hub.flows.publish(world.waba_id, flow.id)
        moved = hub.flows.migrate("sdk2WA", world.waba_id, ["lead-gen"])
        (migrated,) = moved.migrated_flows
        assert moved.failed_flows == []
        copy = hub.flows.get("sdk2WA", migrated.migrated_id, fields="name,status")
        assert copy == {"id": migrated.migrated_id, "name": "lead-gen", "status": "PUBLISHED"}

"""Idempotency-Key on the Partner API's POSTs: one run per (partner, key), replays, conflicts."""

from __future__ import annotations

import asyncio
import hashlib

import httpx
from sqlalchemy import select

from partnerhub.adapters.tables import idempotency_keys
from partnerhub.emulator.clock import VirtualClock
from partnerhub.server.state import AppState
from tests.conftest import PartnerCreds
from tests.helpers.api import assert_error

Client = httpx.AsyncClient


def keys_url(partner: PartnerCreds) -> str:
    return f"/api/v2/partners/{partner.partner_id}/api_keys"


async def key_names(client: Client, partner: PartnerCreds) -> list[str]:
    listed = await client.get(keys_url(partner), headers=partner.headers)
    assert listed.status_code == 200, listed.text
    return sorted(item["name"] for item in listed.json()["api_keys"])


async def test_same_key_and_body_replays_the_first_answer_and_runs_once(
    client: Client, partner: PartnerCreds
) -> None:
    headers = {**partner.headers, "Idempotency-Key": "create-ci-key-1"}
    first = await client.post(keys_url(partner), headers=headers, json={"name": "CI"})
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    again = await client.post(keys_url(partner), headers=headers, json={"name": "CI"})
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["content-type"].startswith("application/json")
    # the very same answer, the secret shown once included: a retry after a lost answer
    # still learns the key it created
    assert again.json() == first.json()
    # JSON is compared by value, not by bytes
    spaced = await client.post(
        keys_url(partner),
        headers={**headers, "Content-Type": "application/json"},
        content=b'{ "name" : "CI" }',
    )
    assert spaced.status_code == 201 and spaced.json() == first.json()
    assert await key_names(client, partner) == ["CI", "test"]
    # without a key, every POST runs
    for _ in range(2):
        assert (
            await client.post(keys_url(partner), headers=partner.headers, json={"name": "CI"})
        ).status_code == 201
    assert await key_names(client, partner) == ["CI", "CI", "CI", "test"]


async def test_same_key_for_another_request_is_a_conflict(
    client: Client, partner: PartnerCreds
) -> None:
    headers = {**partner.headers, "Idempotency-Key": "k-2"}
    assert (
        await client.post(keys_url(partner), headers=headers, json={"name": "one"})
    ).status_code == 201
    other_body = await client.post(keys_url(partner), headers=headers, json={"name": "two"})
    meta = assert_error(other_body, 409, "Idempotency-Key")
    assert "different request" in meta["developer_message"]
    other_path = await client.post(
        f"/api/v2/partners/{partner.partner_id}/webhook_url",
        headers=headers,
        json={"webhook_url": "https://example.com/hook"},
    )
    assert_error(other_path, 409, "Idempotency-Key")
    assert await key_names(client, partner) == ["one", "test"]


async def test_keys_belong_to_one_partner(
    client: Client, partner: PartnerCreds, other_partner: PartnerCreds
) -> None:
    mine = await client.post(
        keys_url(partner),
        headers={**partner.headers, "Idempotency-Key": "shared"},
        json={"name": "a"},
    )
    theirs = await client.post(
        keys_url(other_partner),
        headers={**other_partner.headers, "Idempotency-Key": "shared"},
        json={"name": "b"},
    )
    assert mine.status_code == theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers
    assert mine.json()["api_key"] != theirs.json()["api_key"]
    # another partner's credentials with my path and my key: refused as always, nothing replayed
    stolen = await client.post(
        keys_url(partner),
        headers={**other_partner.headers, "Idempotency-Key": "shared"},
        json={"name": "a"},
    )
    meta = assert_error(stolen, 403)
    assert mine.json()["api_key"] not in stolen.text
    # no credentials: 401, and the key is not spent
    anonymous = await client.post(
        keys_url(partner), headers={"Idempotency-Key": "fresh"}, json={"name": "c"}
    )
    assert_error(anonymous, 401)
    used = await client.post(
        keys_url(partner),
        headers={**partner.headers, "Idempotency-Key": "fresh"},
        json={"name": "c"},
    )
    assert used.status_code == 201 and "idempotent-replayed" not in used.headers
    assert meta["http_code"] == 403


async def test_a_malformed_key_is_refused_naming_the_header(
    client: Client, partner: PartnerCreds
) -> None:
    for bad in ("x" * 256, "with space", "tab\there"):
        refused = await client.post(
            keys_url(partner),
            headers={**partner.headers, "Idempotency-Key": bad},
            json={"name": "z"},
        )
        assert_error(refused, 400, "Idempotency-Key")
    non_ascii = await client.post(
        keys_url(partner),
        headers=[*partner.headers.items(), ("Idempotency-Key", "schlüssel".encode())],
        json={"name": "z"},
    )
    assert_error(non_ascii, 400, "Idempotency-Key")
    assert await key_names(client, partner) == ["test"]


async def test_client_errors_are_kept_and_server_side_refusals_are_not(
    client: Client, partner: PartnerCreds
) -> None:
    headers = {**partner.headers, "Idempotency-Key": "bad-body"}
    first = await client.post(keys_url(partner), headers=headers, json={})
    assert_error(first, 400, "name")
    again = await client.post(keys_url(partner), headers=headers, json={})
    assert again.status_code == 400 and again.headers["idempotent-replayed"] == "true"
    assert again.json()["meta"]["developer_message"] == first.json()["meta"]["developer_message"]


async def test_keys_expire_after_a_day(
    client: Client, partner: PartnerCreds, clock: VirtualClock
) -> None:
    headers = {**partner.headers, "Idempotency-Key": "daily"}
    assert (
        await client.post(keys_url(partner), headers=headers, json={"name": "d1"})
    ).status_code == 201
    clock.advance(23 * 3600)
    assert (await client.post(keys_url(partner), headers=headers, json={"name": "d1"})).headers.get(
        "idempotent-replayed"
    ) == "true"
    clock.advance(3601)
    fresh = await client.post(keys_url(partner), headers=headers, json={"name": "d2"})
    assert fresh.status_code == 201 and "idempotent-replayed" not in fresh.headers
    assert await key_names(client, partner) == ["d1", "d2", "test"]


async def test_concurrent_requests_with_one_key_run_once(
    client: Client, partner: PartnerCreds
) -> None:
    headers = {**partner.headers, "Idempotency-Key": "race"}
    answers = await asyncio.gather(
        *(client.post(keys_url(partner), headers=headers, json={"name": "r"}) for _ in range(8))
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses[0] == 201 and set(statuses) <= {201, 409}
    for answer in answers:
        if answer.status_code == 409:
            assert "in progress" in answer.json()["meta"]["developer_message"]
            assert answer.headers["retry-after"] == "1"
    assert await key_names(client, partner) == ["r", "test"]


async def test_a_claim_left_by_a_dead_process_is_taken_over(
    client: Client, partner: PartnerCreds, state: AppState, clock: VirtualClock
) -> None:
    digest = hashlib.sha256(b"orphan").hexdigest()
    from partnerhub.adapters.idempotency import Claimed, InProgress
    from partnerhub.server.idempotency import fingerprint

    scope = {"method": "POST", "path": keys_url(partner), "query_string": b""}
    print_ = fingerprint(scope, b'{"name":"o"}')  # type: ignore[arg-type]
    assert isinstance(
        await state.idempotency.claim(partner.partner_id, digest, print_, partner.key_id), Claimed
    )
    headers = {**partner.headers, "Idempotency-Key": "orphan"}
    busy = await client.post(keys_url(partner), headers=headers, json={"name": "o"})
    assert_error(busy, 409, "Idempotency-Key")
    assert isinstance(
        await state.idempotency.claim(partner.partner_id, digest, print_, partner.key_id),
        InProgress,
    )
    clock.advance(61)
    taken = await client.post(keys_url(partner), headers=headers, json={"name": "o"})
    assert taken.status_code == 201 and "idempotent-replayed" not in taken.headers


async def test_the_table_holds_no_key_and_no_secret_in_clear(
    client: Client, partner: PartnerCreds, state: AppState
) -> None:
    created = await client.post(
        keys_url(partner),
        headers={**partner.headers, "Idempotency-Key": "secret-bearing"},
        json={"name": "s"},
    )
    secret = created.json()["api_key"]
    async with state.sessionmaker() as session:
        rows = (await session.execute(select(idempotency_keys))).all()
    assert len(rows) == 1
    row = rows[0]
    assert row.key_digest == hashlib.sha256(b"secret-bearing").hexdigest()
    assert secret.encode() not in row.body and b"secret-bearing" not in row.body
    assert row.status_code == 201

"""Where the Messaging API begins and ends (issue 14, items 7 and 8): a path that no route
serves answers in Meta's Graph shape unless it belongs to another surface, and 360dialog's
sandbox path ``POST /v1/messages`` sends exactly as ``POST /messages``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from partnerhub.server.state import AppState
from tests.conftest import PartnerCreds
from tests.helpers.clock import advance
from tests.helpers.messaging import CUSTOMER, inbound, ready_channel, wait_statuses
from tests.receiver import Receiver

Client = httpx.AsyncClient


def assert_graph(response: httpx.Response, status: int, code: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body  # never the Partner API's meta envelope
    error: dict[str, Any] = body["error"]
    assert error["code"] == code and error["type"] in ("OAuthException", "GraphMethodException")
    assert isinstance(error["message"], str) and error["message"]
    assert error["fbtrace_id"] == response.headers["x-request-id"]
    return error


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/v1/anything"),
        ("POST", "/v1/anything"),
        ("GET", "/whatever_graph_path"),
        ("POST", "/123456789012345/messages"),
        ("DELETE", "/v1/configs/nothing/here"),
        ("GET", "/v2/messages"),
        ("GET", "/"),
    ],
)
async def test_unknown_messaging_paths_answer_in_the_graph_shape(
    client: Client, method: str, path: str
) -> None:
    response = await client.request(method, path, headers={"D360-API-KEY": "whatever"})
    error = assert_graph(response, 404, 2500)
    assert error["message"] == f"Unknown path components: {path}"


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/messages"),
        ("DELETE", "/messages"),
        ("GET", "/v1/messages"),
        ("PUT", "/v1/configs/webhook"),
        ("PATCH", "/v1/configs/templates"),
        ("PUT", "/v1/configs/templates/some_name"),
    ],
)
async def test_unsupported_methods_answer_in_the_graph_shape(
    client: Client, method: str, path: str
) -> None:
    response = await client.request(method, path)
    error = assert_graph(response, 405, 100)
    assert error["type"] == "GraphMethodException"
    assert error["message"] == f"Unsupported {method.lower()} request"
    assert method not in response.headers["allow"]  # and the methods that are allowed


@pytest.mark.parametrize(
    "path", ["/api/v2/nothing", "/api/v2/partners/xPA/nothing", "/api", "/dashboard/nothing"]
)
async def test_other_surfaces_keep_their_own_error_shape(client: Client, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert response.json()["meta"]["http_code"] == 404


async def test_ops_and_dashboard_paths_are_not_the_messaging_api(client: Client) -> None:
    assert (await client.get("/livez")).status_code == 200
    hub = await client.get("/hub/nothing-here")
    assert hub.status_code == 404 and "error" not in hub.text[:20]
    emulator = await client.get("/_emulator/nothing")
    assert "meta" in emulator.json()


async def test_the_sandbox_path_sends_like_messages(
    client: Client, partner: PartnerCreds, receiver: Receiver, state: AppState
) -> None:
    channel, key = await ready_channel(client, partner, receiver)
    await inbound(client, channel["channel_id"])
    body = {"messaging_product": "whatsapp", "to": CUSTOMER, "type": "text", "text": {"body": "x"}}
    sandbox = await client.post("/v1/messages", headers=key, json=body)
    assert sandbox.status_code == 200, sandbox.text
    wamid = sandbox.json()["messages"][0]["id"]
    assert sandbox.json()["contacts"] == [{"input": CUSTOMER, "wa_id": CUSTOMER}]
    # The message is a real one: its statuses follow like any other send's.
    await advance(client, 0)
    receiver.wait_for(1)  # the inbound message's webhook
    for _ in range(3):
        await advance(client, state.settings.message_status_seconds)
    found = wait_statuses(receiver, 3)
    assert [s["status"] for s in found] == ["sent", "delivered", "read"]
    assert {s["id"] for s in found} == {wamid}
    # Answered by the send path below the framework, under its own route label.
    metrics = (await client.get("/metrics")).text
    assert 'route="/v1/messages",status="200"' in metrics.replace(", ", ",")

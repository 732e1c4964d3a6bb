"""Channel API keys, templates and the Messaging API through the SDK.

The requests the SDK sends are checked against the spec's paths, headers and bodies with
``httpx.MockTransport``, and then the same methods run against the real server.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from partnerhub.client import (
    AsyncMessagingClient,
    AsyncPartnerClient,
    AuthenticationError,
    ConflictError,
    MessagingClient,
    NotFoundError,
)
from tests.conftest import EMULATOR
from tests.sdk.conftest import BASE_URL, World

TEMPLATE = {
    "name": "order_update",
    "language": "en",
    "category": "UTILITY",
    "status": "submitted",
    "components": [
        {
            "type": "BODY",
            "text": "Your order {{1}} shipped",
            "example": {"body_text": [["42"]]},
        }
    ],
}


class Recorder:
    def __init__(self, answer: Any, status: int = 200) -> None:
        self.answer, self.status = answer, status
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.status == 204:
            return httpx.Response(204)
        return httpx.Response(self.status, json=self.answer)

    @property
    def last(self) -> tuple[str, str, Any]:
        request = self.requests[-1]
        body = json.loads(request.content) if request.content else None
        return request.method, request.url.path, body


def messaging(recorder: Recorder) -> MessagingClient:
    return MessagingClient(
        "channel-key",
        base_url=BASE_URL,
        http_client=httpx.Client(transport=httpx.MockTransport(recorder)),
    )


SENT = {
    "messaging_product": "whatsapp",
    "contacts": [{"input": "4917000000", "wa_id": "4917000000"}],
    "messages": [{"id": "wamid.abc"}],
}


def test_messages_request_shapes() -> None:
    rec = Recorder(SENT)
    api = messaging(rec)
    assert api.messages.send_text("4917000000", "hi", preview_url=True).message_id == "wamid.abc"
    assert rec.requests[-1].headers["D360-API-KEY"] == "channel-key"
    assert "x-api-key" not in rec.requests[-1].headers
    assert rec.last == (
        "POST",
        "/messages",
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "4917000000",
            "type": "text",
            "text": {"body": "hi", "preview_url": True},
        },
    )

    api.messages.send_template(
        "4917000000",
        "order_update",
        "en",
        [{"type": "body", "parameters": [{"type": "text", "text": "42"}]}],
    )
    body = rec.last[2]
    assert body["type"] == "template"
    assert body["template"]["name"] == "order_update"
    assert body["template"]["language"] == {"code": "en"}
    assert body["template"]["components"][0]["parameters"][0]["text"] == "42"

    api.messages.send_media("4917000000", "image", link="https://x.example/a.png", caption="A")
    assert rec.last[2]["image"] == {"link": "https://x.example/a.png", "caption": "A"}
    api.messages.send_media("4917000000", "document", media_id="m1", filename="a.pdf")
    assert rec.last[2]["document"] == {"id": "m1", "filename": "a.pdf"}
    with pytest.raises(ValueError, match="exactly one"):
        api.messages.send_media("4917000000", "image")
    with pytest.raises(ValueError, match="kind"):
        api.messages.send_media("4917000000", "hologram", link="x")

    buttons = {
        "type": "button",
        "body": {"text": "Yes?"},
        "action": {"buttons": [{"type": "reply", "reply": {"id": "y", "title": "Yes"}}]},
    }
    api.messages.send_interactive("4917000000", buttons)
    assert rec.last[2]["interactive"] == buttons
    api.messages.send_location("4917000000", 52.52, 13.40, name="Berlin")
    assert rec.last[2]["location"] == {"latitude": 52.52, "longitude": 13.40, "name": "Berlin"}
    api.messages.send_reaction("4917000000", "wamid.in1", "👍")
    assert rec.last[2]["reaction"] == {"message_id": "wamid.in1", "emoji": "👍"}
    api.messages.send(
        {"messaging_product": "whatsapp", "to": "1", "type": "contacts", "contacts": []}
    )
    assert rec.last[2]["type"] == "contacts"


def test_messaging_webhook_and_templates_request_shapes() -> None:
    rec = Recorder({"url": "https://example.com/wa"})
    api = messaging(rec)
    assert (
        api.webhook.set("https://example.com/wa", headers={"X-Token": "t"}).url
        == "https://example.com/wa"
    )
    assert rec.last == (
        "POST",
        "/v1/configs/webhook",
        {"url": "https://example.com/wa", "headers": {"X-Token": "t"}},
    )
    api.webhook.get()
    assert rec.last[:2] == ("GET", "/v1/configs/webhook")

    rec.answer = {"waba_templates": [TEMPLATE], "count": 1, "total": 1, "limit": 20, "offset": 0}
    page = api.templates.list(limit=20)
    assert page.items[0].name == "order_update" and page.total == 1
    assert rec.requests[-1].url.params["limit"] == "20"
    rec.answer = {"id": "t1TP", "status": "PENDING", "category": "UTILITY"}
    created = api.templates.create(
        name="order_update", language="en", category="UTILITY", components=TEMPLATE["components"]
    )
    assert (created.id, created.status, created.category) == ("t1TP", "PENDING", "UTILITY")
    assert rec.last[:2] == ("POST", "/v1/configs/templates")
    assert rec.last[2]["category"] == "UTILITY"
    rec.answer = {"success": True}
    api.templates.delete("order update/x")
    assert rec.requests[-1].method == "DELETE"
    assert rec.requests[-1].url.raw_path == b"/v1/configs/templates/order%20update%2Fx"


async def test_channel_keys_and_templates_request_shapes() -> None:
    rec = Recorder(
        {"id": "k1", "address": "https://waba.example", "api_key": "secret", "app_id": "a1"}
    )

    async def handler(request: httpx.Request) -> httpx.Response:
        return rec(request)

    hub = AsyncPartnerClient(
        "sdkPA",
        api_key="partner-key",
        base_url=BASE_URL,
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
    )
    created = await hub.channels.generate_api_key("sdkCH")
    assert (created.api_key, created.address) == ("secret", "https://waba.example")
    assert rec.last == ("POST", "/api/v2/partners/sdkPA/channels/sdkCH/api_keys", None)
    assert rec.requests[-1].headers["X-API-Key"] == "partner-key"

    rec.answer = {"api_keys": [{"id": "k1", "api_key": "***cret", "app_id": "a1"}]}
    page = await hub.channels.list_api_keys("sdkCH")
    assert [k.id for k in page.items] == ["k1"] and page.total == 1
    rec.status = 204  # a server answering with no body: an empty result, no decode error
    assert (await hub.channels.revoke_api_keys("sdkCH")).revoked == []
    assert rec.last[:2] == ("DELETE", "/api/v2/partners/sdkPA/channels/sdkCH/api_keys")

    rec.status, rec.answer = (
        200,
        {
            "waba_templates": [TEMPLATE],
            "limit": 1,
            "offset": 0,
            "total": 1,
            "count": 1,
            "sort": [],
            "filters": {},
        },
    )
    assert [t.name async for t in hub.templates.iter("sdkWA", page_size=1)] == ["order_update"]
    assert rec.requests[-1].url.path == "/api/v2/partners/sdkPA/waba_accounts/sdkWA/waba_templates"
    rec.answer = TEMPLATE
    await hub.templates.create(
        "sdkWA", name="order_update", language="en", category="UTILITY", allow_category_change=True
    )
    assert rec.last[2]["allow_category_change"] is True
    await hub.templates.edit("sdkWA", "t1TP", components=[{"type": "BODY", "text": "New"}])
    assert rec.last == (
        "PATCH",
        "/api/v2/partners/sdkPA/waba_accounts/sdkWA/waba_templates/t1TP",
        {"components": [{"type": "BODY", "text": "New"}]},
    )
    await hub.templates.edit("sdkWA", "t1TP", category="MARKETING")
    assert rec.last[2] == {"category": "MARKETING"}
    rec.status = 204
    await hub.templates.delete("sdkWA", "order update/x")
    assert rec.requests[-1].url.raw_path == (
        b"/api/v2/partners/sdkPA/waba_accounts/sdkWA/waba_templates/order%20update%2Fx"
    )


# ---------------------------------------------------------------- against the real server


async def test_channel_keys_against_the_server(
    hub: AsyncPartnerClient, world: World, client: httpx.AsyncClient
) -> None:
    created = await hub.channels.generate_api_key(world.channel_id)
    assert created.api_key
    assert [k.id for k in (await hub.channels.list_api_keys(world.channel_id)).items] == [
        created.id
    ]
    async with AsyncMessagingClient(created.api_key, base_url=BASE_URL, http_client=client) as api:
        config = await api.webhook.set("https://example.com/wa")
        assert config.url == "https://example.com/wa"
    revoked = await hub.channels.revoke_api_keys(world.channel_id)
    assert revoked.count == 1 and [k.id for k in revoked.revoked] == [created.id]
    assert revoked.meta["success"] is True and revoked.channel_id == world.channel_id
    async with AsyncMessagingClient(created.api_key, base_url=BASE_URL, http_client=client) as api:
        with pytest.raises(AuthenticationError):
            await api.webhook.get()


async def test_templates_against_the_server(hub: AsyncPartnerClient, world: World) -> None:
    created = await hub.templates.create(
        world.waba_id,
        name="order_update",
        language="en",
        category="UTILITY",
        components=TEMPLATE["components"],
    )
    assert created.name == "order_update"
    assert [t.name for t in (await hub.templates.list(world.waba_id)).items] == ["order_update"]
    await hub.templates.delete(world.waba_id, "order_update")
    assert (await hub.templates.list(world.waba_id)).items == []


async def test_messaging_against_the_server(
    hub: AsyncPartnerClient, world: World, client: httpx.AsyncClient
) -> None:
    key = await hub.channels.generate_api_key(world.channel_id)
    async with AsyncMessagingClient(key.api_key, base_url=BASE_URL, http_client=client) as api:
        await hub.templates.create(
            world.waba_id,
            name="hello",
            language="en",
            category="UTILITY",
            components=[{"type": "BODY", "text": "Hello"}],
        )
        assert [t.name for t in (await api.templates.list()).items] == ["hello"]
        await api.webhook.set("https://example.com/wa")
        assert (await api.webhook.get()).url == "https://example.com/wa"
        (template,) = (await api.templates.list()).items
        approved = await client.post(
            f"/_emulator/templates/{template.id}/review",
            headers=EMULATOR,
            json={"status": "approved"},
        )
        assert approved.status_code in (200, 201), approved.text
        sent = await api.messages.send_template("4917000000", "hello", "en")
        assert sent.message_id.startswith("wamid.")


async def test_template_create_edit_delete_against_the_server(
    hub: AsyncPartnerClient, world: World, client: httpx.AsyncClient
) -> None:
    key = await hub.channels.generate_api_key(world.channel_id)
    async with AsyncMessagingClient(key.api_key, base_url=BASE_URL, http_client=client) as api:
        created = await api.templates.create(
            name="promo",
            language="en",
            category="MARKETING",
            components=[{"type": "BODY", "text": "Spring sale"}],
        )
        assert (created.status, created.category) == ("PENDING", "MARKETING")
        approved = await client.post(
            f"/_emulator/templates/{created.id}/review",
            headers=EMULATOR,
            json={"status": "approved"},
        )
        assert approved.status_code == 200, approved.text
        edited = await hub.templates.edit(
            world.waba_id, created.id, components=[{"type": "BODY", "text": "Summer sale"}]
        )
        assert edited.status == "submitted" and edited.components[0]["text"] == "Summer sale"
        with pytest.raises(ConflictError):
            await hub.templates.edit(
                world.waba_id, created.id, components=[{"type": "BODY", "text": "Autumn"}]
            )
        await api.templates.delete("promo")
        assert (await api.templates.list()).items == []
        with pytest.raises(NotFoundError):
            await api.templates.delete("promo")

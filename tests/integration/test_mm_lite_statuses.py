"""Issue 17, items 6 and 9 over real HTTP (uvicorn on a socket) with a real webhook receiver:
MM Lite's ``POST /marketing_messages`` and its documented refusals, status webhooks with
Meta's per-message ``pricing`` and ``conversation`` for every category, and the ``failed``
statuses of the delivery faults the emulator injects per number."""

from __future__ import annotations

import json
from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar

from partnerhub.client import AsyncMessagingClient, ValidationError
from partnerhub.server.state import AppState
from partnerhub.wire.cloud_api import MessagingWebhook, StatusPricing
from tests.conftest import EMULATOR, PartnerCreds
from tests.helpers.billing import channel_usage
from tests.helpers.clock import advance, eventually
from tests.helpers.messaging import CUSTOMER, generate, running_channel, set_messaging_webhook
from tests.integration.live_http import over_http
from tests.receiver import Receiver

Client = httpx.AsyncClient
HREF = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"
TERMS = "(#200) You must accept the Marketing Messages Lite API terms to use the API."


def template_body(name: str, to: str = CUSTOMER) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": {"name": name, "language": {"code": "en", "policy": "deterministic"}},
    }


def otp_body(name: str, code: str, to: str = CUSTOMER) -> dict[str, Any]:
    """An authentication template's send: the code in the body and in the copy-code button."""
    body = template_body(name, to)
    body["template"]["components"] = [
        {"type": "body", "parameters": [{"type": "text", "text": code}]},
        {
            "type": "button",
            "sub_type": "url",
            "index": "0",
            "parameters": [{"type": "text", "text": code}],
        },
    ]
    return body


def text_body(to: str = CUSTOMER) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": "Hi"}}


async def number(
    http: Client, partner: PartnerCreds, receiver: Receiver, phone: str
) -> dict[str, Any]:
    """A running number with a key, its webhook on ``receiver``, and approved templates of the
    three template categories."""
    channel = await running_channel(http, partner, phone)
    key = await generate(http, partner, channel["channel_id"])
    await set_messaging_webhook(http, key["api_key"], receiver.url)
    templates = f"/api/v2/partners/{partner.partner_id}/waba_accounts/"
    templates += f"{channel['waba_account_id']}/waba_templates"
    bodies = [
        {
            "name": "spring_sale",
            "category": "MARKETING",
            "language": "en",
            "components": [{"type": "BODY", "text": "20% off everything"}],
        },
        {
            "name": "order_shipped",
            "category": "UTILITY",
            "language": "en",
            "components": [{"type": "BODY", "text": "Your order has shipped"}],
        },
        {
            "name": "login_code",
            "category": "AUTHENTICATION",
            "language": "en",
            "components": [
                {"type": "BODY", "add_security_recommendation": True},
                {"type": "BUTTONS", "buttons": [{"type": "OTP", "otp_type": "copy_code"}]},
            ],
        },
    ]
    for body in bodies:
        created = await http.post(templates, headers=partner.headers, json=body)
        assert created.status_code == 200, created.text
        reviewed = await http.post(
            f"/_emulator/templates/{created.json()['id']}/review",
            headers=EMULATOR,
            json={"status": "approved"},
        )
        assert reviewed.status_code in (200, 201), reviewed.text
    return {**channel, "key": {"D360-API-KEY": key["api_key"]}, "key_id": key["id"]}


async def accept_terms(http: Client, waba_account_id: str, accepted: bool = True) -> None:
    response = await http.post(
        f"/_emulator/waba_accounts/{waba_account_id}/mm_lite_terms",
        headers=EMULATOR,
        json={"accepted": accepted},
    )
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] is accepted


async def inject(http: Client, phone: str, fault: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"unreachable": fault is not None}
    if fault is not None:
        body["fault"] = fault
    response = await http.post(
        f"/_emulator/numbers/{phone.lstrip('+')}/unreachable", headers=EMULATOR, json=body
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def statuses(receiver: Receiver) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    with receiver.lock:
        for request in receiver.requests:
            value = json.loads(request.body)["entry"][0]["changes"][0]["value"]
            found.extend(value.get("statuses", []))
    return found


async def statuses_of(
    http: Client, state: AppState, receiver: Receiver, wamid: str, count: int
) -> list[dict[str, Any]]:
    """Step the simulator until ``count`` statuses of ``wamid`` arrived; them, in order."""
    for _ in range(count):
        await advance(http, state.settings.message_status_seconds)

    def mine() -> list[dict[str, Any]]:
        return [s for s in statuses(receiver) if s["id"] == wamid]

    await eventually(lambda: len(mine()) >= count)
    return mine()


def graph_error(response: httpx.Response, status: int, code: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert error["code"] == code and error["type"] == "OAuthException" and error["fbtrace_id"]
    return error


# --- MM Lite --------------------------------------------------------------------------------


async def test_mm_lite_sends_a_marketing_template_with_statuses_as_for_messages(
    app: Litestar, state: AppState, client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    async with over_http(app) as http:
        channel = await number(http, partner, receiver, "+4915100003001")
        await accept_terms(http, channel["waba_account_id"])
        sent = await http.post(
            "/marketing_messages", headers=channel["key"], json=template_body("spring_sale")
        )
        assert sent.status_code == 200, sent.text
        answer = sent.json()
        wamid = answer["messages"][0]["id"]
        assert answer == {
            "messaging_product": "whatsapp",
            "contacts": [{"input": CUSTOMER, "wa_id": CUSTOMER}],
            "messages": [{"id": wamid, "message_status": "accepted"}],
        }
        sent_, delivered, read = await statuses_of(http, state, receiver, wamid, 3)
    pricing = {
        "billable": True,
        "pricing_model": "PMP",
        "category": "marketing_lite",
        "type": "regular",
    }
    assert [sent_["status"], delivered["status"], read["status"]] == ["sent", "delivered", "read"]
    assert sent_["pricing"] == pricing and delivered["pricing"] == pricing
    conversation = sent_["conversation"]
    assert conversation["origin"] == {"type": "marketing"}
    assert len(conversation["id"]) == 32 and int(conversation["expiration_timestamp"]) > int(
        sent_["timestamp"]
    )
    assert delivered["conversation"] == {"id": conversation["id"], "origin": {"type": "marketing"}}
    assert "pricing" not in read and "conversation" not in read and "errors" not in read


async def test_mm_lite_refusals_in_the_documented_words(
    app: Litestar,
    state: AppState,
    client: Client,
    partner: PartnerCreds,
    other_partner: PartnerCreds,
    receiver: Receiver,
) -> None:
    async with over_http(app) as http:
        channel = await number(http, partner, receiver, "+4915100003002")
        key = channel["key"]
        # Terms not accepted yet: 131055 with the terms message and no error_data.
        refused = await http.post("/marketing_messages", headers=key, json=template_body("x"))
        error = graph_error(refused, 400, 131055)
        assert error["message"] == TERMS and "error_data" not in error

        await accept_terms(http, channel["waba_account_id"])
        # Not a template (text, or a read receipt: MM Lite is send-only): (#100).
        for body in (
            text_body(),
            {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.X"},
        ):
            answer = await http.post("/marketing_messages", headers=key, json=body)
            error = graph_error(answer, 400, 100)
            assert error["message"] == "(#100) Invalid parameter"
            assert error["error_data"] == {
                "messaging_product": "whatsapp",
                "details": "Message must be a template message.",
            }
        # Utility and authentication templates: (#131055) Method not allowed.
        for name, category in (("order_shipped", "UTILITY"), ("login_code", "AUTHENTICATION")):
            answer = await http.post("/marketing_messages", headers=key, json=template_body(name))
            error = graph_error(answer, 400, 131055)
            assert error["message"] == "(#131055) Method not allowed"
            assert f"{name} is a {category} template" in error["error_data"]["details"]
        # The same utility template is fine on /messages; an unknown template is 132001 here too.
        assert (
            await http.post("/messages", headers=key, json=template_body("order_shipped"))
        ).status_code == 200
        missing = await http.post("/marketing_messages", headers=key, json=template_body("nope"))
        graph_error(missing, 400, 132001)

        # Another partner's number (its WABA has not accepted the terms) is refused...
        rival = await number(http, other_partner, receiver, "+4915100003003")
        graph_error(
            await http.post(
                "/marketing_messages", headers=rival["key"], json=template_body("spring_sale")
            ),
            400,
            131055,
        )
        # ... a partner key is not a channel key, and a revoked channel key is refused.
        graph_error(
            await http.post(
                "/marketing_messages", headers=partner.headers, json=template_body("spring_sale")
            ),
            401,
            0,
        )
        revoked = await http.delete(
            f"/api/v2/partners/{partner.partner_id}/channels/{channel['channel_id']}"
            f"/api_keys/{channel['key_id']}",
            headers=partner.headers,
        )
        assert revoked.status_code in (200, 204), revoked.text
        graph_error(
            await http.post("/marketing_messages", headers=key, json=template_body("spring_sale")),
            401,
            0,
        )
        # Withdrawn terms refuse again.
        await accept_terms(http, rival["waba_account_id"], True)
        await accept_terms(http, rival["waba_account_id"], False)
        graph_error(
            await http.post(
                "/marketing_messages", headers=rival["key"], json=template_body("spring_sale")
            ),
            400,
            131055,
        )


# --- pricing and conversation for every category --------------------------------------------


async def test_statuses_carry_pmp_pricing_and_conversation_for_every_category(
    app: Litestar, state: AppState, client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    async with over_http(app) as http:
        channel = await number(http, partner, receiver, "+4915100003004")
        key = channel["key"]
        outside = await http.post("/messages", headers=key, json=template_body("order_shipped"))
        assert outside.status_code == 200, outside.text
        wamids = {"utility outside the window": outside.json()["messages"][0]["id"]}
        opened = await http.post(
            "/_emulator/messages/inbound",
            headers=EMULATOR,
            json={
                "channel_id": channel["channel_id"],
                "from": CUSTOMER,
                "type": "text",
                "text": {"body": "Hi"},
            },
        )
        assert opened.status_code == 200, opened.text
        sends = {
            "marketing": template_body("spring_sale"),
            "utility in the window": template_body("order_shipped"),
            "authentication": otp_body("login_code", "123456"),
            "service": text_body(),
        }
        for label, body in sends.items():
            sent = await http.post("/messages", headers=key, json=body)
            assert sent.status_code == 200, sent.text
            wamids[label] = sent.json()["messages"][0]["id"]
        await statuses_of(http, state, receiver, wamids["service"], 2)
        usage = await channel_usage(
            http,
            partner,
            channel["client_id"],
            channel["channel_id"],
            start_date=0,
            end_date=int(state.clock.now().timestamp()) + 1,
        )
    # label -> (category, pricing type): Meta's per-message pricing since July 2025.
    expected = {
        "utility outside the window": ("utility", "regular"),
        "marketing": ("marketing", "regular"),
        "utility in the window": ("utility", "free_customer_service"),
        "authentication": ("authentication", "regular"),
        "service": ("service", "free_customer_service"),
    }
    for label, wamid in wamids.items():
        category, kind = expected[label]
        sent_, delivered = [s for s in statuses(receiver) if s["id"] == wamid][:2]
        assert (
            sent_["pricing"]
            == delivered["pricing"]
            == {
                "billable": kind == "regular",
                "pricing_model": "PMP",
                "category": category,
                "type": kind,
            }
        ), label
        assert sent_["conversation"]["origin"] == {"type": category}
        assert set(sent_["conversation"]) == {"id", "expiration_timestamp", "origin"}
        assert delivered["conversation"] == {
            "id": sent_["conversation"]["id"],
            "origin": {"type": category},
        }
    ids = {s["conversation"]["id"] for s in statuses(receiver) if "conversation" in s}
    assert len(ids) == 5  # per-message pricing: one conversation id per message
    # Usage: the free utility message is UTILITY at no cost, the other one is charged.
    points = usage["pricing_analytics"]["data"][0]["data_points"]
    utility = sorted(
        (p["pricing_type"], p["volume"], p["cost"] > 0)
        for p in points
        if p["pricing_category"] == "UTILITY"
    )
    assert utility == [("FREE_CUSTOMER_SERVICE", 1, False), ("REGULAR", 1, True)]


# --- injected faults: accepted, then failed with Meta's error --------------------------------

FAILURES = [
    (
        "undeliverable",
        131026,
        "Message undeliverable",
        "Message Undeliverable. The recipient's phone number is not a WhatsApp phone number, "
        "or the recipient has not accepted the terms of service or runs an old WhatsApp version.",
    ),
    ("not_on_whatsapp", 131026, "Message undeliverable", None),
    (
        "not_in_allowed_list",
        131030,
        "Recipient phone number not in allowed list",
        "Recipient phone number not in allowed list: add the recipient to the test number's "
        "allowed list.",
    ),
    ("rate_limited", 130429, "Rate limit hit", "Cloud API message throughput has been reached."),
    (
        "pair_rate_limited",
        131056,
        "(Business Account, Consumer Account) pair rate limit hit",
        "Message failed to send because there were too many messages sent from this phone "
        "number to the same phone number in a short period of time.",
    ),
    (
        "spam_limit",
        131048,
        "Spam rate limit hit",
        "Message failed to send because there are restrictions on how many messages can be "
        "sent from this phone number. This may be because too many previous messages were "
        "blocked or flagged as spam.",
    ),
    (
        "media_download_failed",
        131053,
        "Media upload error",
        "Unable to upload the media used in the message.",
    ),
]


@pytest.mark.parametrize(("fault", "code", "title", "details"), FAILURES)
async def test_each_injected_fault_fails_the_accepted_send_with_metas_error(
    app: Litestar,
    state: AppState,
    client: Client,
    partner: PartnerCreds,
    receiver: Receiver,
    fault: str,
    code: int,
    title: str,
    details: str | None,
) -> None:
    recipient = f"49160{code}{len(fault):02d}"
    async with over_http(app) as http:
        channel = await number(http, partner, receiver, f"+49151000031{len(fault):02d}")
        marked = await inject(http, recipient, fault)
        assert marked == {
            "wa_id": recipient,
            "unreachable": True,
            "error_code": code,
            "fault": fault,
        }
        body: dict[str, Any] = template_body("order_shipped", recipient)
        if fault == "media_download_failed":
            body["template"]["components"] = []
            media = {
                "messaging_product": "whatsapp",
                "to": recipient,
                "type": "image",
                "image": {"link": "https://cdn.example/a.png"},
            }
            # Media sends need the window; a template (no media) to the same number goes on.
            await http.post(
                "/_emulator/messages/inbound",
                headers=EMULATOR,
                json={
                    "channel_id": channel["channel_id"],
                    "from": recipient,
                    "type": "text",
                    "text": {"body": "Hi"},
                },
            )
            unaffected = await http.post("/messages", headers=channel["key"], json=body)
            body = media
        sent = await http.post("/messages", headers=channel["key"], json=body)
        assert sent.status_code == 200, sent.text  # accepted, as Meta does
        wamid = sent.json()["messages"][0]["id"]
        (failed,) = await statuses_of(http, state, receiver, wamid, 1)
        await advance(http, 3 * state.settings.message_status_seconds)
        if fault == "media_download_failed":
            other = unaffected.json()["messages"][0]["id"]

            def others() -> list[str]:
                return [s["status"] for s in statuses(receiver) if s["id"] == other]

            await eventually(lambda: len(others()) >= 3)
            assert others() == ["sent", "delivered", "read"]
        await inject(http, recipient, None)
    assert [s["status"] for s in statuses(receiver) if s["id"] == wamid] == ["failed"]
    assert set(failed) == {"id", "status", "timestamp", "recipient_id", "errors"}
    assert failed["recipient_id"] == recipient
    (error,) = failed["errors"]
    expected: dict[str, Any] = {"code": code, "title": title, "message": title, "href": HREF}
    if details is not None:
        expected["error_data"] = {"details": details}
    else:
        expected["error_data"] = error["error_data"]
    assert error == expected


async def test_a_fault_on_the_business_number_fails_everything_it_sends(
    app: Litestar, state: AppState, client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    phone = "+4915100003090"
    async with over_http(app) as http:
        channel = await number(http, partner, receiver, phone)
        await inject(http, phone, "spam_limit")
        wamids = []
        for to in ("4916000000001", "4916000000002"):
            sent = await http.post(
                "/messages", headers=channel["key"], json=template_body("spring_sale", to)
            )
            assert sent.status_code == 200, sent.text
            wamids.append(sent.json()["messages"][0]["id"])
        await statuses_of(http, state, receiver, wamids[-1], 1)
        await inject(http, phone, None)
        after = await http.post(
            "/messages", headers=channel["key"], json=template_body("spring_sale")
        )
        later = await statuses_of(http, state, receiver, after.json()["messages"][0]["id"], 1)
    for wamid in wamids:
        (failed,) = [s for s in statuses(receiver) if s["id"] == wamid]
        assert failed["status"] == "failed" and failed["errors"][0]["code"] == 131048
    assert later[0]["status"] == "sent"  # cleared: the number sends again


async def test_an_unknown_fault_name_is_refused(
    app: Litestar, client: Client, state: AppState
) -> None:
    async with over_http(app) as http:
        response = await http.post(
            "/_emulator/numbers/4916000000009/unreachable",
            headers=EMULATOR,
            json={"fault": "gremlins"},
        )
    assert response.status_code == 400, response.text
    assert "spam_limit" in response.text


async def test_the_sdk_sends_on_mm_lite_and_reads_typed_pricing(
    app: Litestar, state: AppState, client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    async with over_http(app) as http:
        channel = await number(http, partner, receiver, "+4915100003095")
        sdk = AsyncMessagingClient(
            channel["key"]["D360-API-KEY"], base_url=str(http.base_url), http_client=http
        )
        with pytest.raises(ValidationError) as refused:
            await sdk.messages.send_marketing_template(CUSTOMER, "spring_sale", "en")
        assert refused.value.error is not None and refused.value.error["code"] == 131055
        await accept_terms(http, channel["waba_account_id"])
        sent = await sdk.messages.send_marketing_template(CUSTOMER, "spring_sale", "en")
        await statuses_of(http, state, receiver, sent.message_id, 2)
    with receiver.lock:
        hooks = [msgspec.json.decode(r.body, type=MessagingWebhook) for r in receiver.requests]
    first = next(s for hook in hooks for s in hook.statuses if s.id == sent.message_id)
    assert first.pricing == StatusPricing(
        billable=True, pricing_model="PMP", category="marketing_lite", type="regular"
    )
    assert first.conversation is not None and first.conversation.origin is not None
    assert first.conversation.origin.type == "marketing"


async def test_accepted_terms_travel_in_the_world_export(
    app: Litestar, state: AppState, client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    async with over_http(app) as http:
        channel = await number(http, partner, receiver, "+4915100003096")
        await accept_terms(http, channel["waba_account_id"])
        world = (await http.get("/_emulator/state", headers=EMULATOR)).json()
        assert [row["waba_account_id"] for row in world["mm_lite_terms"]] == [
            channel["waba_account_id"]
        ]
        seeded = await http.post("/_emulator/seed", headers=EMULATOR, json=world)
        assert seeded.status_code == 200, seeded.text
        again = await http.post(
            "/marketing_messages", headers=channel["key"], json=template_body("spring_sale")
        )
        assert again.status_code == 200, again.text
        world["mm_lite_terms"] = []
        assert (await http.post("/_emulator/seed", headers=EMULATOR, json=world)).status_code == 200
        refused = await http.post(
            "/marketing_messages", headers=channel["key"], json=template_body("spring_sale")
        )
        graph_error(refused, 400, 131055)


async def test_openapi_documents_mm_lite_and_the_controls(
    app: Litestar, client: Client, state: AppState
) -> None:
    async with over_http(app) as http:
        schema = (await http.get("/openapi.json")).json()
    operation = schema["paths"]["/marketing_messages"]["post"]
    assert operation["security"] == [{"D360ApiKey": []}]
    assert operation["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/GraphErrorBody"
    }
    controls = schema["paths"]["/_emulator/waba_accounts/{waba_account_id}/mm_lite_terms"]
    assert "post" in controls

"""WhatsApp Flows at run time over real HTTP (issue 18 item 1): the business public key
(``/whatsapp_business_encryption``), WhatsApp's encrypted data exchange with a real Flow
endpoint (``/_emulator/flows/data_exchange``) and a completed Flow's ``nfm_reply`` delivered to
a real webhook receiver (``/_emulator/flows/complete``)."""

from __future__ import annotations

import json
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from litestar import Litestar

from partnerhub.testing.flows import generate_key_pair
from tests.conftest import EMULATOR, PartnerCreds
from tests.helpers.clock import advance
from tests.helpers.flow_endpoint import FlowEndpoint, serve_flow_endpoint
from tests.helpers.messaging import CUSTOMER, generate, running_channel, set_messaging_webhook
from tests.helpers.uploads import details, graph_error, keyed_number
from tests.integration.live_http import over_http
from tests.receiver import Receiver

Client = httpx.AsyncClient
PATH = "/whatsapp_business_encryption"


def public_pem(key: Any) -> str:
    return str(
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


async def upload_key(http: Client, key: dict[str, str], pem: str) -> None:
    done = await http.post(PATH, headers=key, data={"business_public_key": pem})
    assert done.status_code == 200, done.text
    assert done.json() == {"success": True}


async def exchange(http: Client, **body: Any) -> dict[str, Any]:
    answer = await http.post("/_emulator/flows/data_exchange", headers=EMULATOR, json=body)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def test_upload_read_and_replace_the_business_public_key(
    client: Client, app: Litestar, partner: PartnerCreds
) -> None:
    async with over_http(app) as http:
        _, key = await keyed_number(http, partner)
        empty = await http.get(PATH, headers=key)
        assert empty.status_code == 200 and empty.json() == {"data": []}

        _, pem = generate_key_pair()
        await upload_key(http, key, pem)  # form-encoded, as Meta's reference shows
        shown = await http.get(PATH, headers=key)
        assert shown.json() == {
            "data": [{"business_public_key": pem, "business_public_key_signature_status": "VALID"}]
        }

        # JSON too, and a traditional "RSA PUBLIC KEY" PEM: stored as SubjectPublicKeyInfo.
        private, second = generate_key_pair()
        pkcs1 = (
            private.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
            .decode()
        )
        done = await http.post(PATH, headers=key, json={"business_public_key": pkcs1})
        assert done.status_code == 200, done.text
        (found,) = (await http.get(PATH, headers=key)).json()["data"]
        assert found["business_public_key"] == second

        # No key, another kind of key: Meta's authentication error, no data.
        for headers in ({}, {"D360-API-KEY": "nope"}):
            refused = await http.get(PATH, headers=headers)
            assert refused.status_code == 401, refused.text
            assert "data" not in refused.json()


async def test_keys_meta_would_refuse_are_refused_with_the_field_named(
    client: Client, app: Litestar, partner: PartnerCreds
) -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    big = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    curve = ec.generate_private_key(ec.SECP256R1())
    private, pem = generate_key_pair()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    async with over_http(app) as http:
        _, key = await keyed_number(http, partner)
        cases: list[tuple[Any, int, str]] = [
            ("not a key", 100, "is not a PEM encoded public key"),
            (pem.replace("MII", "XXX", 1), 100, "is not a PEM encoded public key"),
            (private_pem, 100, "is a private key: upload the public key only"),
            (public_pem(small), 100, "must be a 2048-bit RSA key, not 1024 bits"),
            (public_pem(big), 100, "must be a 2048-bit RSA key, not 3072 bits"),
            (public_pem(curve), 100, "must be an RSA key"),
            ("A" * 9000, 100, "must be at most 8192 characters"),
            ("", 131008, "is required"),
        ]
        for value, code, reason in cases:
            refused = await http.post(PATH, headers=key, json={"business_public_key": value})
            error = graph_error(refused, 400)
            assert error["code"] == code, refused.text
            assert details(refused) == f"business_public_key: {reason}", refused.text
        missing = await http.post(PATH, headers=key, json={})
        assert graph_error(missing, 400)["code"] == 131008
        wrong_type = await http.post(PATH, headers=key, json={"business_public_key": 5})
        assert graph_error(wrong_type, 400)["code"] == 100
        unknown = await http.post(PATH, headers=key, json={"public_key": pem})
        assert graph_error(unknown, 400)["code"] == 100
        # Nothing was stored by any of them.
        assert (await http.get(PATH, headers=key)).json() == {"data": []}


async def test_a_real_flow_endpoint_gets_init_and_data_exchange_encrypted_as_meta_does(
    client: Client, app: Litestar, partner: PartnerCreds
) -> None:
    private, pem = generate_key_pair()
    async with over_http(app) as http, serve_flow_endpoint(FlowEndpoint(private)) as endpoint:
        channel, key = await keyed_number(http, partner)
        await upload_key(http, key, pem)
        channel_id = channel["channel_id"]

        init = await exchange(
            http,
            channel_id=channel_id,
            endpoint_uri=endpoint.url,
            action="INIT",
            flow_token="ft-1",
        )
        assert init["ok"] is True and init["error"] is None, init
        assert init["http_status"] == 200 and init["attempts"] == 1
        assert init["response"] == {"screen": "APPOINTMENT", "data": {"slots": ["10:00", "11:00"]}}
        assert endpoint.opened[-1] == {"version": "3.0", "action": "INIT", "flow_token": "ft-1"}
        # On the wire: exactly Meta's three base64 fields, as JSON.
        assert set(endpoint.raw[-1]) == {
            "encrypted_flow_data",
            "encrypted_aes_key",
            "initial_vector",
        }
        assert endpoint.headers[-1]["content-type"].startswith("application/json")

        step = await exchange(
            http,
            channel_id=channel_id,
            endpoint_uri=endpoint.url,
            action="data_exchange",
            flow_token="ft-1",
            screen="APPOINTMENT",
            data={"slot": "11:00"},
        )
        assert step["ok"] is True, step
        assert step["response"] == {"screen": "CONFIRM", "data": {"echo": {"slot": "11:00"}}}
        assert endpoint.opened[-1] == {
            "version": "3.0",
            "action": "data_exchange",
            "screen": "APPOINTMENT",
            "data": {"slot": "11:00"},
            "flow_token": "ft-1",
        }
        assert step["request"] == endpoint.opened[-1]

        back = await exchange(
            http,
            channel_id=channel_id,
            endpoint_uri=endpoint.url,
            action="BACK",
            flow_token="ft-1",
            screen="CONFIRM",
        )
        assert back["ok"] is True, back
        assert endpoint.opened[-1] == {
            "version": "3.0",
            "action": "BACK",
            "screen": "CONFIRM",
            "flow_token": "ft-1",
        }

        # An error notification is acknowledged.
        noted = await exchange(
            http,
            channel_id=channel_id,
            endpoint_uri=endpoint.url,
            action="data_exchange",
            flow_token="ft-1",
            screen="CONFIRM",
            data={"error": "invalid_screen_transition", "error_message": "oops"},
        )
        assert noted["ok"] is True and noted["response"] == {"data": {"acknowledged": True}}

        # Every request had its own AES key and IV.
        assert len({r["encrypted_aes_key"] for r in endpoint.raw}) == len(endpoint.raw) == 4
        assert len({r["initial_vector"] for r in endpoint.raw}) == 4

        # What the control refuses before sending anything.
        for body, field in [
            ({"action": "data_exchange", "flow_token": "t"}, "screen"),
            ({"action": "INIT"}, "flow_token"),
            ({"action": "LATER", "flow_token": "t"}, "action"),
            ({"action": "ping", "from": "not-a-number"}, "from"),
        ]:
            refused = await http.post(
                "/_emulator/flows/data_exchange",
                headers=EMULATOR,
                json={"channel_id": channel_id, "endpoint_uri": endpoint.url, **body},
            )
            assert refused.status_code == 400, refused.text
            assert field in refused.text
        assert len(endpoint.raw) == 4
        no_token = await http.post(
            "/_emulator/flows/data_exchange",
            json={"channel_id": channel_id, "endpoint_uri": endpoint.url, "action": "ping"},
        )
        assert no_token.status_code == 401


async def test_ping_the_health_check(client: Client, app: Litestar, partner: PartnerCreds) -> None:
    private, pem = generate_key_pair()
    async with over_http(app) as http, serve_flow_endpoint(FlowEndpoint(private)) as endpoint:
        channel, key = await keyed_number(http, partner)
        await upload_key(http, key, pem)
        ping = await exchange(
            http, channel_id=channel["channel_id"], endpoint_uri=endpoint.url, action="ping"
        )
        assert ping["ok"] is True and ping["response"] == {"data": {"status": "active"}}
        assert endpoint.opened == [{"version": "3.0", "action": "ping"}]

        endpoint.answer = lambda payload: {"data": {"status": "sleeping"}}
        unhealthy = await exchange(
            http, channel_id=channel["channel_id"], endpoint_uri=endpoint.url, action="ping"
        )
        assert unhealthy["ok"] is False
        assert unhealthy["error"]["code"] == "invalid_response"
        assert unhealthy["response"] == {"data": {"status": "sleeping"}}


async def test_endpoint_errors_are_reported_as_meta_sees_them(
    client: Client, app: Litestar, partner: PartnerCreds
) -> None:
    private, pem = generate_key_pair()
    stranger, _ = generate_key_pair()
    async with over_http(app) as http, serve_flow_endpoint(FlowEndpoint(stranger)) as endpoint:
        channel, key = await keyed_number(http, partner)
        await upload_key(http, key, pem)
        common = {"channel_id": channel["channel_id"], "endpoint_uri": endpoint.url}

        # The endpoint holds another private key: 421, WhatsApp re-reads the key, 421 again.
        wrong = await exchange(http, **common, action="INIT", flow_token="t")
        assert wrong["ok"] is False and wrong["error"]["code"] == "public_key_refresh_failed"
        assert wrong["http_statuses"] == [421, 421] and wrong["attempts"] == 2
        assert wrong["response"] is None and len(endpoint.raw) == 2

        # One 421, then the right key: the retry succeeds.
        endpoint.private_key = private
        calls: list[int] = []

        def once_misdirected(payload: dict[str, Any]) -> dict[str, Any] | int:
            calls.append(1)
            return 421 if len(calls) == 1 else {"screen": "A", "data": {}}

        endpoint.answer = once_misdirected
        retried = await exchange(http, **common, action="INIT", flow_token="t")
        assert retried["ok"] is True and retried["http_statuses"] == [421, 200], retried
        assert retried["response"] == {"screen": "A", "data": {}}

        for status, code in [(427, "flow_token_invalid"), (500, "http_error")]:
            endpoint.answer = lambda payload, status=status: status  # type: ignore[misc]
            failed = await exchange(http, **common, action="INIT", flow_token="t")
            assert failed["error"]["code"] == code and failed["http_statuses"] == [status]

        # Signed requests: the endpoint checks X-Hub-Signature-256 against its app secret.
        endpoint.answer = lambda payload: {"screen": "A", "data": {}}
        endpoint.app_secret = "app-secret"
        signed = await exchange(
            http, **common, action="INIT", flow_token="t", app_secret="app-secret"
        )
        assert signed["ok"] is True, signed
        assert endpoint.headers[-1]["x-hub-signature-256"].startswith("sha256=")
        forged = await exchange(http, **common, action="INIT", flow_token="t", app_secret="other")
        assert forged["error"]["code"] == "signature_invalid" and forged["http_status"] == 432

        # An answer that is not encrypted for this request.
        endpoint.app_secret = None

        endpoint.encrypt = False
        cleartext = await exchange(http, **common, action="INIT", flow_token="t")
        assert cleartext["error"]["code"] == "response_decryption_failed"

        # Nobody listening.
        gone = await exchange(
            http,
            channel_id=channel["channel_id"],
            endpoint_uri="http://127.0.0.1:9/flow",
            action="ping",
        )
        assert gone["error"]["code"] == "endpoint_unreachable"


async def test_keys_belong_to_their_number(
    client: Client, app: Litestar, partner: PartnerCreds, other_partner: PartnerCreds
) -> None:
    mine, my_pem = generate_key_pair()
    _, their_pem = generate_key_pair()
    async with over_http(app) as http, serve_flow_endpoint(FlowEndpoint(mine)) as endpoint:
        _, key = await keyed_number(http, partner, "+4915112340001")
        theirs, their_key = await keyed_number(http, other_partner, "+4915112340002")
        await upload_key(http, key, my_pem)
        # The other partner's number has no key: nothing of mine shows through its channel key.
        assert (await http.get(PATH, headers=their_key)).json() == {"data": []}
        no_key = await http.post(
            "/_emulator/flows/data_exchange",
            headers=EMULATOR,
            json={
                "channel_id": theirs["channel_id"],
                "endpoint_uri": endpoint.url,
                "action": "ping",
            },
        )
        assert no_key.status_code == 400 and "has no business public key" in no_key.text
        await upload_key(http, their_key, their_pem)
        (shown,) = (await http.get(PATH, headers=their_key)).json()["data"]
        assert shown["business_public_key"] == their_pem
        (still,) = (await http.get(PATH, headers=key)).json()["data"]
        assert still["business_public_key"] == my_pem
        # A Flow of their number reaching my endpoint is sealed with their key: refused (421).
        crossed = await exchange(
            http, channel_id=theirs["channel_id"], endpoint_uri=endpoint.url, action="ping"
        )
        assert crossed["error"]["code"] == "public_key_refresh_failed"
        assert endpoint.opened == []
        unknown = await http.post(
            "/_emulator/flows/data_exchange",
            headers=EMULATOR,
            json={"channel_id": "nochannel", "endpoint_uri": endpoint.url, "action": "ping"},
        )
        assert unknown.status_code == 404


async def test_a_completed_flow_arrives_as_nfm_reply(
    client: Client, app: Litestar, partner: PartnerCreds, receiver: Receiver
) -> None:
    async with over_http(app) as http:
        channel = await running_channel(http, partner)
        key = await generate(http, partner, channel["channel_id"])
        await set_messaging_webhook(http, key["api_key"], receiver.url)
        done = await http.post(
            "/_emulator/flows/complete",
            headers=EMULATOR,
            json={
                "channel_id": channel["channel_id"],
                "from": CUSTOMER,
                "flow_token": "ft-42",
                "response": {"slot": "11:00", "name": "Grace"},
                "profile_name": "Grace",
                "context_message_id": "wamid.FLOW",
            },
        )
        assert done.status_code == 200, done.text
        got = done.json()
        await advance(http, 0)
        (request,) = receiver.wait_for(1)
        value = json.loads(request.body)["entry"][0]["changes"][0]["value"]
        assert value["contacts"] == [{"profile": {"name": "Grace"}, "wa_id": CUSTOMER}]
        (message,) = value["messages"]
        assert message["id"] == got["id"] and message["from"] == CUSTOMER
        assert message["type"] == "interactive"
        assert message["interactive"] == {
            "type": "nfm_reply",
            "nfm_reply": {
                "name": "flow",
                "body": "Sent",
                "response_json": '{"slot":"11:00","name":"Grace","flow_token":"ft-42"}',
            },
        }
        assert json.loads(message["interactive"]["nfm_reply"]["response_json"]) == {
            "slot": "11:00",
            "name": "Grace",
            "flow_token": "ft-42",
        }
        assert message["context"]["id"] == "wamid.FLOW"

        refused = await http.post(
            "/_emulator/flows/complete",
            headers=EMULATOR,
            json={"channel_id": channel["channel_id"], "from": "nope", "flow_token": "x"},
        )
        assert refused.status_code == 400 and "from" in refused.text


async def test_the_operations_are_in_the_openapi_document(client: Client) -> None:
    document = (await client.get("/openapi.json")).json()
    paths = document["paths"]
    (body,) = paths[PATH]["post"]["requestBody"]["content"].values()
    name = body["schema"]["$ref"].rsplit("/", 1)[-1]
    assert "business_public_key" in document["components"]["schemas"][name]["properties"]
    assert set(paths[PATH]) >= {"get", "post"}
    for control in ("/_emulator/flows/data_exchange", "/_emulator/flows/complete"):
        assert "requestBody" in paths[control]["post"], control


async def test_the_key_travels_in_the_world_export(
    client: Client, app: Litestar, partner: PartnerCreds
) -> None:
    _, pem = generate_key_pair()
    async with over_http(app) as http:
        channel, key = await keyed_number(http, partner)
        await upload_key(http, key, pem)
        exported = (await http.get("/_emulator/state", headers=EMULATOR)).json()
        (row,) = exported["business_encryption_keys"]
        assert row["channel_id"] == channel["channel_id"] and row["public_key"] == pem
        reset = await http.post("/_emulator/reset", headers=EMULATOR)
        assert reset.status_code in (200, 201, 204), reset.text
        seeded = await http.post("/_emulator/seed", headers=EMULATOR, json=exported)
        assert seeded.status_code == 200, seeded.text
        (shown,) = (await http.get(PATH, headers=key)).json()["data"]
        assert shown["business_public_key"] == pem


async def test_an_endpoint_that_ends_the_flow_delivers_the_nfm_reply(
    client: Client, app: Litestar, partner: PartnerCreds, receiver: Receiver
) -> None:
    private, pem = generate_key_pair()

    def finish(payload: dict[str, Any]) -> dict[str, Any]:
        params = {"flow_token": payload["flow_token"], "booking": payload["data"]["slot"]}
        return {"screen": "SUCCESS", "data": {"extension_message_response": {"params": params}}}

    async with over_http(app) as http, serve_flow_endpoint(FlowEndpoint(private, finish)) as end:
        channel = await running_channel(http, partner)
        key = await generate(http, partner, channel["channel_id"])
        await set_messaging_webhook(http, key["api_key"], receiver.url)
        await upload_key(http, {"D360-API-KEY": key["api_key"]}, pem)
        common = {"channel_id": channel["channel_id"], "endpoint_uri": end.url}
        step = {"action": "data_exchange", "flow_token": "ft-9", "screen": "PICK"}
        # Without the user, nothing is delivered; with them, their nfm_reply is.
        alone = await exchange(http, **common, **step, data={"slot": "10:00"})
        assert alone["ok"] is True and "completed" not in alone
        done = await exchange(http, **common, **step, data={"slot": "11:00"}, **{"from": CUSTOMER})
        assert done["ok"] is True, done
        completed = done["completed"]
        await advance(http, 0)
        (request,) = receiver.wait_for(1)
        (message,) = json.loads(request.body)["entry"][0]["changes"][0]["value"]["messages"]
        assert message["id"] == completed["id"]
        assert message["interactive"] == {
            "type": "nfm_reply",
            "nfm_reply": {
                "name": "flow",
                "body": "Sent",
                "response_json": '{"flow_token":"ft-9","booking":"11:00"}',
            },
        }

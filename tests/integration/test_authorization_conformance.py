"""Authorization conformance: every route the app serves, against every wrong caller.

The route list is read from the app itself, so a new route cannot be forgotten: each one is
either checked here or named in ``COVERED_ELSEWHERE`` with the test module that checks it.

Two partners, each with a real client, running channel, channel key, WABA, template and webhook
delivery. The victim's objects are put into every path; the intruder calls with:

- no credentials, a revoked key, a channel key (Partner API) -> 401;
- its own valid key on the victim's partner id -> 403;
- its own valid key on its own partner id with the victim's object ids -> 404;
- partner credentials or a revoked channel key on the Messaging API -> 401 (Graph shape);
- no or a wrong emulator token on ``/_emulator`` -> 401.

Every refusal uses the route family's error shape, and no body carries anything of the victim's
that the caller did not itself put in the request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
from litestar import Litestar
from litestar.routes import HTTPRoute

from partnerhub.server.state import AppState
from partnerhub.testing.flows import generate_key_pair
from tests.conftest import EMULATOR, PartnerCreds, make_partner
from tests.helpers.messaging import generate, running_channel
from tests.helpers.templates import create as create_template
from tests.helpers.templates import simple
from tests.receiver import Receiver

Client = httpx.AsyncClient

# Served to anyone by design, or guarded by the dashboard's session (tested elsewhere).
PUBLIC = re.compile(r"^/(livez|readyz|healthz|metrics|openapi\.json|docs|schema)(/|$)")
COVERED_ELSEWHERE = {
    "/api/v2/token": "tests/integration/test_token.py (the login itself)",
    "/dashboard/app/{partner_id}/permissions": "tests/integration/test_client_login.py "
    "(the client's own onboarding page, signed by the IO signature)",
    "/dashboard/app/{partner_id}": "tests/integration/test_connect_button_link.py "
    "(the same page on the Connect Button's path)",
    "/hub": "tests/integration/test_hub_security.py (session, CSRF, other partners' objects)",
    "/whatsapp_business_profile/picture": "tests/integration/test_business_profile.py (the "
    "profile_picture_url: public like Meta's CDN link, by an unguessable id)",
    # Media (issue 17): another partner's channel key, unknown and revoked keys, Graph shape.
    "/media": "tests/integration/test_media.py",
    "/{media_id}": "tests/integration/test_media.py",
    "/whatsapp_business/attachments": "tests/integration/test_media.py",
}
# Messaging API paths outside /v1/ (issue 17); ``/{node}`` is ``upload:<session>``.
MESSAGING_PATHS = {"/marketing_messages", "/whatsapp_business_profile", "/uploads", "/{node}"}
# A body that passes validation where one is needed, so that a route that forgot its check
# would act (and this test would see a 2xx) instead of stopping at a 400.
BODIES: dict[tuple[str, str], Any] = {
    ("PATCH", "/api/v2/partners/{partner_id}"): {"brand_name": "Hijacked"},
    ("POST", "/api/v2/partners/{partner_id}/api_keys"): {"name": "intruder"},
    ("POST", "/api/v2/partners/{partner_id}/webhook_url"): {
        "webhook_url": "https://attacker.example/hook"
    },
    ("PATCH", "/api/v2/partners/{partner_id}/settings/partner_change_request"): {
        "auto_approve": True
    },
    ("PATCH", "/api/v2/partners/{partner_id}/settings/io_signature"): {"enabled": False},
    ("POST", "/api/v2/partners/{partner_id}/account_sharing/clients"): {
        "name": "Intruder Inc",
        "email": "x@intruder.example",
    },
    # Host-your-own Embedded Signup (issue 18 item 2); a client_id in the body of another
    # partner is refused in tests/integration/test_account_sharing_numbers.py.
    ("POST", "/api/v2/partners/{partner_id}/account_sharing/numbers"): {
        "solution_id": "1",
        "waba_external_id": "987654321",
        "waba_business_id": "123456789",
    },
    ("PATCH", "/api/v2/partners/{partner_id}/clients/{client_id}"): {"max_channels": 1},
    (
        "POST",
        "/api/v2/partners/{partner_id}/clients/{client_id}/channels/{channel_id}"
        "/control/cancellation_request",
    ): {"enabled": True},
    ("POST", "/api/v2/partners/{partner_id}/waba_accounts/{waba_account_id}/waba_templates"): (
        simple("intruder_template")
    ),
    (
        "PATCH",
        "/api/v2/partners/{partner_id}/waba_accounts/{waba_account_id}/waba_templates"
        "/{template_id}",
    ): {"components": [{"type": "BODY", "text": "Hijacked"}]},
    ("POST", "/messages"): {
        "messaging_product": "whatsapp",
        "to": "4915100000999",
        "type": "text",
        "text": {"body": "hi"},
    },
    ("PATCH", "/api/v2/partners/{partner_id}/users/{user_id}"): {"disabled": True},
    ("POST", "/api/v2/partners/{partner_id}/users/{user_id}/password"): {
        "current_password": "__PASSWORD__",
        "new_password": "intruder-password",
    },
    ("POST", "/v1/messages"): {
        "messaging_product": "whatsapp",
        "to": "4915100000999",
        "type": "text",
        "text": {"body": "hi"},
    },
    ("POST", "/marketing_messages"): {
        "messaging_product": "whatsapp",
        "to": "4915100000999",
        "type": "template",
        "template": {"name": "x", "language": {"code": "en"}},
    },
    ("POST", "/v1/configs/webhook"): {"url": "https://attacker.example/hook"},
    ("POST", "/multi_webhook"): {
        "enabled": True,
        "destinations": [{"name": "x", "url": "https://attacker.example/hook"}],
    },
    ("POST", "/v1/configs/templates"): simple("intruder_template"),
    ("POST", "/whatsapp_business_profile"): {"messaging_product": "whatsapp", "about": "Hijacked"},
    # Number migration (issue 18 item 4).
    ("POST", "/api/v2/partners/{partner_id}/clients/{client_id}/number_migrations"): {
        "phone_number": "+4915100000998"
    },
    (
        "POST",
        "/api/v2/partners/{partner_id}/clients/{client_id}/number_migrations/{channel_id}"
        "/request_code",
    ): {"code_method": "SMS"},
    (
        "POST",
        "/api/v2/partners/{partner_id}/clients/{client_id}/number_migrations/{channel_id}"
        "/verify_code",
    ): {"code": "123456"},
    (
        "POST",
        "/api/v2/partners/{partner_id}/clients/{client_id}/channels/{channel_id}/waba_migration",
    ): {"currency": "USD"},
    ("POST", "/whatsapp_business_encryption"): {"business_public_key": generate_key_pair()[1]},
    # WhatsApp Flows (issue 18 item 1)
    ("POST", "/api/v2/partners/{partner_id}/waba_accounts/{waba_account_id}/flows"): {
        "name": "intruder flow",
        "categories": ["OTHER"],
    },
    ("POST", "/api/v2/partners/{partner_id}/waba_accounts/{waba_account_id}/flows/migrate"): {
        "source_waba_id": "{waba_account_id}"
    },
    ("POST", "/api/v2/partners/{partner_id}/waba_accounts/{waba_account_id}/flows/{flow_id}"): {
        "name": "hijacked"
    },
    ("PATCH", "/api/v2/partners/{partner_id}/waba_accounts/{waba_account_id}/flows/{flow_id}"): {
        "name": "hijacked"
    },
    # WhatsApp Flows on the Messaging API, by channel key (its WABA's Flows only).
    ("POST", "/flows"): {"name": "intruder flow", "categories": ["OTHER"]},
    ("POST", "/flows/{flow_id}"): {"name": "hijacked"},
    # Display names (issue 18 item 6); enable_ctwa / disable_ctwa take no body.
    (
        "POST",
        "/api/v2/partners/{partner_id}/clients/{client_id}/channels/{channel_id}/display_name",
    ): {"display_name": "Hijacked Brand"},
}


@dataclass
class World:
    """One partner's objects, and what must never show up in another caller's answers."""

    creds: PartnerCreds
    ids: dict[str, str]
    channel_key: str
    secrets: list[str]


async def build_world(client: Client, state: AppState, name: str, number: str, hook: str) -> World:
    creds = await make_partner(state, name)
    channel = await running_channel(client, creds, number)
    key = await generate(client, creds, channel["channel_id"])
    base = f"/api/v2/partners/{creds.partner_id}"
    waba_id = str(channel["waba_account_id"])
    template = await create_template(client, creds, waba_id, simple(f"{name.lower()}_offer"))
    flow = await client.post(
        f"{base}/waba_accounts/{waba_id}/flows",
        headers=creds.headers,
        json={"name": f"{name} flow", "categories": ["OTHER"]},
    )
    assert flow.status_code == 200, flow.text
    hooked = await client.post(
        f"{base}/webhook_url", headers=creds.headers, json={"webhook_url": hook}
    )
    assert hooked.status_code == 200, hooked.text
    sent = await client.post(f"{base}/webhook_url/test", headers=creds.headers)
    assert sent.status_code == 202, sent.text
    upload = await client.post(
        "/uploads",
        headers={"D360-API-KEY": key["api_key"]},
        params={"file_name": "a.png", "file_length": "4", "file_type": "image/png"},
    )
    assert upload.status_code == 200, upload.text
    users = await client.get(f"{base}/users", headers=creds.headers)
    assert users.status_code == 200, users.text
    # Issue 18 item 5: a pending partner change request to this hub, from another partner's
    # client.
    source = await make_partner(state, f"{name}Source")
    leaving = await running_channel(client, source, number + "1")
    pcr = await client.post(
        "/_emulator/partner_change_requests",
        headers=EMULATOR,
        json={"client_id": leaving["client_id"], "target_partner_id": creds.partner_id},
    )
    assert pcr.status_code == 201, pcr.text
    ids = {
        "user_id": str(users.json()["users"][0]["id"]),
        "partner_id": creds.partner_id,
        "client_id": str(channel["client_id"]),
        "channel_id": str(channel["channel_id"]),
        "waba_account_id": waba_id,
        "template_name": str(template["name"]),
        "template_id": str(template["id"]),
        "delivery_id": str(sent.json()["delivery_id"]),
        "wa_id": number.lstrip("+"),
        "node": str(upload.json()["id"]),
        "catalog_id": "1000000000000000",  # emulator routes refuse the caller before the id
        "flow_id": str(flow.json()["id"]),
        "pcr_id": str(pcr.json()["id"]),
    }
    return World(
        creds=creds,
        ids=ids,
        channel_key=str(key["api_key"]),
        secrets=[
            creds.api_key,
            str(key["api_key"]),
            creds.email,
            creds.password,
            number.lstrip("+"),
            f"{name} flow",
        ],
    )


def served_routes(app: Litestar) -> list[tuple[str, str]]:
    """(method, path template) of every route, the path without Litestar's ``:type`` suffixes."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            found.append((method, path))
    return found


def family(path: str) -> str:
    if PUBLIC.match(path):
        return "public"
    for prefix in COVERED_ELSEWHERE:
        if path == prefix or path.startswith(prefix + "/"):
            return "elsewhere"
    if path.startswith("/api/v2/partners/{partner_id}"):
        return "partner"
    if path.startswith("/_emulator/"):
        return "emulator"
    if path == "/messages" or path.startswith("/v1/") or path in MESSAGING_PATHS:
        return "messaging"
    if path == "/multi_webhook":  # issue 17 item 5
        return "messaging"
    if path in ("/health_status", "/whatsapp_business_encryption", "/synchronization"):
        return "messaging"
    if path == "/flows" or path.startswith("/flows/"):  # issue 18: the Messaging API's Flows
        return "messaging"
    return "unknown"


def fill(path: str, ids: dict[str, str], key_id: str) -> str:
    return path.format(**ids, key_id=key_id)


async def refusals(
    client: Client,
    routes: list[tuple[str, str]],
    headers: dict[str, str],
    ids: dict[str, str],
    key_id: str,
    expected: int,
    victim: World,
) -> list[str]:
    """Call each route; return a line per route that did not answer as expected."""
    problems = []
    for method, template in routes:
        url = fill(template, ids, key_id)
        body = BODIES.get((method, template))
        if isinstance(body, dict) and body.get("current_password") == "__PASSWORD__":
            body = {**body, "current_password": victim.creds.password}
        response = await client.request(method, url, headers=headers, json=body)
        where = f"{method} {template}"
        if response.status_code != expected:
            problems.append(f"{where}: {response.status_code} {response.text[:200]}")
            continue
        payload = response.json()
        shape_ok = (
            set(payload) == {"error"}
            if family(template) == "messaging"
            else set(payload) == {"meta"} and payload["meta"]["http_code"] == expected
        )
        if not shape_ok:
            problems.append(f"{where}: unexpected error shape {payload}")
        leaked = [s for s in victim.secrets if s in response.text and s not in url]
        if leaked:
            problems.append(f"{where}: leaked {leaked}")
    return problems


async def test_every_route_is_checked_here_or_elsewhere(app: Litestar) -> None:
    unknown = [f"{m} {p}" for m, p in served_routes(app) if family(p) == "unknown"]
    assert unknown == [], f"classify these routes in test_authorization_conformance: {unknown}"


async def test_every_route_refuses_every_wrong_caller(
    app: Litestar, client: Client, state: AppState, receiver: Receiver
) -> None:
    victim = await build_world(client, state, "Victim", "+4915100000701", receiver.url)
    intruder = await build_world(client, state, "Intruder", "+4915100000702", receiver.url)
    routes = served_routes(app)
    partner_routes = [(m, p) for m, p in routes if family(p) == "partner"]
    object_routes = [(m, p) for m, p in partner_routes if p.count("{") > 1]
    messaging_routes = [(m, p) for m, p in routes if family(p) == "messaging"]
    emulator_routes = [(m, p) for m, p in routes if family(p) == "emulator"]
    assert len(partner_routes) >= 29 and len(object_routes) >= 12
    assert len(messaging_routes) >= 18 and len(emulator_routes) >= 16

    base = f"/api/v2/partners/{victim.creds.partner_id}/api_keys"
    doomed = (await client.post(base, headers=victim.creds.headers, json={"name": "x"})).json()
    assert (await client.delete(f"{base}/{doomed['id']}", headers=victim.creds.headers)).status_code
    old_channel_key = victim.channel_key
    await generate(client, victim.creds, victim.ids["channel_id"])  # revokes the old one

    before = await snapshot(client, victim)
    v, key_id = victim.ids, victim.creds.key_id
    problems: list[str] = []
    for headers in (
        {},
        {"X-API-Key": doomed["api_key"]},
        {"X-API-Key": victim.channel_key},
        {"Authorization": f"Bearer {victim.channel_key}"},
        {"D360-API-KEY": victim.channel_key},
    ):
        problems += await refusals(client, partner_routes, headers, v, key_id, 401, victim)
    # Identified, but someone else's partner id: 403 whatever the object.
    problems += await refusals(
        client, partner_routes, intruder.creds.headers, v, key_id, 403, victim
    )
    # One's own partner id, the victim's objects: not found, as if they did not exist.
    mixed = {**v, "partner_id": intruder.creds.partner_id}
    problems += await refusals(
        client, object_routes, intruder.creds.headers, mixed, key_id, 404, victim
    )
    for headers in (
        {},
        {"D360-API-KEY": victim.creds.api_key},
        {"X-API-Key": victim.creds.api_key},
        {"Authorization": f"Bearer {victim.creds.api_key}"},
        {"D360-API-KEY": old_channel_key},
    ):
        problems += await refusals(client, messaging_routes, headers, v, key_id, 401, victim)
    # One's own channel key, the victim's Flow (another WABA's): not found, as if it did not
    # exist (Graph shape).
    flow_routes = [(m, p) for m, p in messaging_routes if p.startswith("/flows/{flow_id}")]
    assert len(flow_routes) >= 8
    own_key = {"D360-API-KEY": intruder.channel_key}
    problems += await refusals(client, flow_routes, own_key, v, key_id, 404, victim)
    for headers in (
        {},
        {"Authorization": "Bearer not-the-emulator-token"},
        {"X-API-Key": victim.creds.api_key},
        {"Authorization": f"Bearer {victim.creds.api_key}"},
    ):
        problems += await refusals(client, emulator_routes, headers, v, key_id, 401, victim)

    assert problems == [], "\n".join(problems)
    assert await snapshot(client, victim) == before, "a refused request changed something"


async def snapshot(client: Client, world: World) -> list[Any]:
    """What a refused request could have changed, read with the owner's own credentials
    (without the fields that reading itself moves on, like ``last_used_at``)."""
    base = f"/api/v2/partners/{world.creds.partner_id}"
    reads = [
        base,
        f"{base}/webhook_url",
        f"{base}/api_keys",
        f"{base}/clients",
        f"{base}/channels",
        f"{base}/channels/{world.ids['channel_id']}/api_keys",
        f"{base}/waba_accounts/{world.ids['waba_account_id']}/waba_templates",
        f"{base}/waba_accounts/{world.ids['waba_account_id']}/flows",
        f"{base}/users",
    ]
    answers = []
    for url in reads:
        response = await client.get(url, headers=world.creds.headers)
        assert response.status_code == 200, (url, response.text)
        answers.append(_without_moving_parts(response.json()))
    return answers


def _without_moving_parts(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _without_moving_parts(v)
            for k, v in value.items()
            if k not in {"last_used_at", "modified_at", "updated_at"}
        }
    if isinstance(value, list):
        return [_without_moving_parts(v) for v in value]
    return value

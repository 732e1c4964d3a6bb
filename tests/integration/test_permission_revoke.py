"""Issue 20, finding 1: a client's permission revoke must end the partner's use of the number.

The attack, over real HTTP: on a direct-paid hub a client unticks a number on the onboarding
page (``next=login``); the partner's existing ``D360-API-KEY`` for that number used to keep
sending (charged to the client), re-pointing the messaging webhook and listing templates. Now
the revoke revokes the number's keys and clears its messaging webhook in the same transaction,
every cache forgets the key, and the Messaging API refuses a number without permission even
when a key survived.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

import httpx
from litestar import Litestar
from sqlalchemy import select

from partnerhub.adapters import migrate, tables
from partnerhub.app import create_app
from partnerhub.domain import ids
from partnerhub.domain.messaging import keys as channel_keys
from partnerhub.emulator.clock import VirtualClock
from partnerhub.server.settings import Settings
from partnerhub.server.state import AppState
from tests.conftest import EMULATOR, PartnerCreds, running
from tests.helpers.client_login import body_of, configure, form_of, landing, onboard, page_url
from tests.integration.live_http import over_http
from tests.receiver import Receiver

Client = httpx.AsyncClient
CUSTOMER = "4917612345678"
TEXT = {
    "messaging_product": "whatsapp",
    "to": f"+{CUSTOMER}",
    "type": "text",
    "text": {"body": "Your pizza is on its way"},
}


async def live_number(http: Client, partner: PartnerCreds, number: str) -> dict[str, Any]:
    """A direct-paid client's number, granted at signup, running, with a key and an open
    customer service window: what a partner has before the client changes its mind."""
    done = await onboard(http, partner, [number])
    channel_id = done["channel_ids"][0]
    moved = await http.post(
        f"/_emulator/channels/{channel_id}/status", headers=EMULATOR, json={"status": "running"}
    )
    assert moved.status_code == 201, moved.text
    generated = await http.post(
        f"/api/v2/partners/{partner.partner_id}/channels/{channel_id}/api_keys",
        headers=partner.headers,
    )
    assert generated.status_code == 200, generated.text
    opened = await http.post(
        "/_emulator/messages/inbound",
        headers=EMULATOR,
        json={"channel_id": channel_id, "from": CUSTOMER, "type": "text", "text": {"body": "Hi"}},
    )
    assert opened.status_code == 200, opened.text
    return {**done, "channel_id": channel_id, "key": {"D360-API-KEY": generated.json()["api_key"]}}


async def revoke_on_the_page(http: Client, partner: PartnerCreds, channel_id: str) -> None:
    """The client logs in on the onboarding page and unticks the number."""
    opened = await http.get(page_url(partner), params={"next": "login"})
    assert opened.status_code == 200, opened.text
    login = form_of(opened)
    manage = await http.post(
        page_url(partner),
        data=body_of(login, email="owner@pizza.example", password="correct horse battery"),
    )
    assert manage.status_code == 200, manage.text
    saved = await http.post(
        page_url(partner), data=body_of(form_of(manage), **{f"grant_{channel_id}": None})
    )
    query = landing(saved)
    assert channel_id in query["revoked"][0]


async def grant_on_the_page(http: Client, partner: PartnerCreds, channel_id: str) -> None:
    opened = await http.get(page_url(partner), params={"next": "login"})
    login = form_of(opened)
    manage = await http.post(
        page_url(partner),
        data=body_of(login, email="owner@pizza.example", password="correct horse battery"),
    )
    saved = await http.post(
        page_url(partner), data=body_of(form_of(manage), **{f"grant_{channel_id}": "1"})
    )
    assert saved.status_code == 303, saved.text


def assert_refused(response: httpx.Response) -> None:
    """A Graph-shaped refusal of the credential: 401 (key revoked) or 403 code 10."""
    assert response.status_code in (401, 403), response.text
    error = response.json()["error"]
    assert error["code"] == (0 if response.status_code == 401 else 10), error
    assert error["type"] == "OAuthException" and error["fbtrace_id"]


async def every_route_refuses(http: Client, key: dict[str, str], receiver: Receiver) -> None:
    assert_refused(await http.post("/messages", headers=key, json=TEXT))
    assert_refused(await http.post("/v1/configs/webhook", headers=key, json={"url": receiver.url}))
    assert_refused(await http.get("/v1/configs/webhook", headers=key))
    assert_refused(await http.get("/v1/configs/templates", headers=key))
    assert_refused(
        await http.post(
            "/v1/configs/templates",
            headers=key,
            json={
                "name": "order_update",
                "language": "en",
                "category": "UTILITY",
                "components": [{"type": "BODY", "text": "Hi"}],
            },
        )
    )


async def messages_of(state: AppState, channel_id: str) -> int:
    async with state.uow() as uow:
        rows = await uow.session.scalars(
            select(tables.messages.c.id).where(
                tables.messages.c.channel_id == channel_id,
                tables.messages.c.direction == "outbound",
            )
        )
        return len(rows.all())


async def test_a_revoked_permission_ends_the_old_key_on_every_messaging_route(
    app: Litestar, state: AppState, client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    async with over_http(app) as http:
        await configure(state, http, partner)
        number = await live_number(http, partner, "+4915100002001")
        channel_id, key = number["channel_id"], number["key"]
        # Before: the partner sends, points the webhook at itself and lists templates.
        sent = await http.post("/messages", headers=key, json=TEXT)
        assert sent.status_code == 200, sent.text
        pointed = await http.post("/v1/configs/webhook", headers=key, json={"url": receiver.url})
        assert pointed.status_code == 200, pointed.text
        assert (await http.get("/v1/configs/templates", headers=key)).status_code == 200

        await revoke_on_the_page(http, partner, channel_id)

        await every_route_refuses(http, key, receiver)
        assert await messages_of(state, channel_id) == 1  # nothing more was sent
        async with state.uow() as uow:
            channel = await uow.clients.get_channel(partner.partner_id, channel_id)
            assert channel is not None and channel.permission is False
            # The client's inbound messages no longer go to the partner's receiver.
            assert channel.messaging_webhook_url is None
            assert channel.messaging_webhook_headers == {}
        listed = await http.get(
            f"/api/v2/partners/{partner.partner_id}/channels/{channel_id}/api_keys",
            headers=partner.headers,
        )
        assert listed.status_code == 200 and listed.json()["total"] == 0, listed.text
        refused = await http.post(
            f"/api/v2/partners/{partner.partner_id}/channels/{channel_id}/api_keys",
            headers=partner.headers,
        )
        assert refused.status_code == 403, refused.text

        # Granted again, the old key stays dead; a new key works.
        await grant_on_the_page(http, partner, channel_id)
        assert_refused(await http.post("/messages", headers=key, json=TEXT))
        fresh = await http.post(
            f"/api/v2/partners/{partner.partner_id}/channels/{channel_id}/api_keys",
            headers=partner.headers,
        )
        assert fresh.status_code == 200, fresh.text
        again = await http.post(
            "/messages", headers={"D360-API-KEY": fresh.json()["api_key"]}, json=TEXT
        )
        assert again.status_code == 200, again.text


async def test_a_key_that_survived_a_revoke_is_refused_with_graph_code_10(
    app: Litestar, state: AppState, client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    """A live key on a number without permission (left by a version before this fix, or by a
    race): every Messaging API route refuses it with 403, Graph code 10."""
    async with over_http(app) as http:
        await configure(state, http, partner)
        number = await live_number(http, partner, "+4915100002002")
        channel_id = number["channel_id"]
        await revoke_on_the_page(http, partner, channel_id)
        # Plant a live key on the number, as the older version left them.
        secret = channel_keys.generate_secret()
        async with state.uow() as uow:
            await uow.session.execute(
                tables.channel_api_keys.insert().values(
                    id=ids.new_id(ids.CHANNEL_KEY),
                    partner_id=partner.partner_id,
                    channel_id=channel_id,
                    app_id="123456789012",
                    prefix=secret[:6],
                    secret_digest=channel_keys.digest(secret),
                    created_at=datetime.now(UTC),
                )
            )
            await uow.commit()
        key = {"D360-API-KEY": secret}
        for response in [
            await http.post("/messages", headers=key, json=TEXT),
            await http.post("/v1/configs/webhook", headers=key, json={"url": receiver.url}),
            await http.get("/v1/configs/webhook", headers=key),
            await http.get("/v1/configs/templates", headers=key),
        ]:
            assert response.status_code == 403, response.text
            error = response.json()["error"]
            assert error["code"] == 10 and error["message"] == "(#10) Permission denied"
            assert channel_id in error["error_data"]["details"]
        assert await messages_of(state, channel_id) == 0


async def test_another_process_stops_sending_at_once_and_forgets_the_key_within_its_ttl(
    app: Litestar,
    settings: Settings,
    state: AppState,
    client: Client,
    partner: PartnerCreds,
    receiver: Receiver,
) -> None:
    """Two apps on one database stand for two processes: B has the key cached when the client
    revokes through A. B's sends are refused at once (the send batch reads the key again); its
    other routes refuse the key once B's cache entry is older than channel_key_cache_seconds."""
    other = create_app(settings, clock=VirtualClock())
    async with over_http(app) as http_a, running(other), over_http(other) as http_b:
        await configure(state, http_a, partner)
        number = await live_number(http_a, partner, "+4915100002003")
        channel_id, key = number["channel_id"], number["key"]
        assert (await http_b.get("/v1/configs/templates", headers=key)).status_code == 200
        sent = await http_b.post("/messages", headers=key, json=TEXT)
        assert sent.status_code == 200, sent.text

        await revoke_on_the_page(http_a, partner, channel_id)

        assert_refused(await http_b.post("/messages", headers=key, json=TEXT))
        assert_refused(
            await http_b.post("/v1/configs/webhook", headers=key, json={"url": receiver.url})
        )
        deadline = time.monotonic() + settings.channel_key_cache_seconds + 5
        while (await http_b.get("/v1/configs/templates", headers=key)).status_code == 200:
            assert time.monotonic() < deadline, "process B kept the revoked key"
            await asyncio.sleep(0.1)
        await every_route_refuses(http_b, key, receiver)
        assert await messages_of(state, channel_id) == 1


async def test_sends_racing_the_revoke_are_answered_consistently(
    app: Litestar, state: AppState, client: Client, partner: PartnerCreds
) -> None:
    """Sends racing the revoke, each starting a fresh key lookup: every one is either stored
    and answered 200 or refused and not stored (no 500), and the key is refused afterwards."""
    async with over_http(app) as http:
        await configure(state, http, partner)
        number = await live_number(http, partner, "+4915100002004")
        channel_id, key = number["channel_id"], number["key"]
        state.channel_keys.invalidate()  # the sends below start from an empty cache

        async def burst() -> list[int]:
            answers = await asyncio.gather(
                *(http.post("/messages", headers=key, json=TEXT) for _ in range(20))
            )
            return [a.status_code for a in answers]

        racing = asyncio.create_task(burst())
        await revoke_on_the_page(http, partner, channel_id)
        statuses = await racing
        assert set(statuses) <= {200, 401, 403}, statuses
        assert await messages_of(state, channel_id) == statuses.count(200)
        assert_refused(await http.post("/messages", headers=key, json=TEXT))


async def test_the_upgrade_revokes_keys_an_older_version_left_on_revoked_numbers(
    app: Litestar, state: AppState, client: Client, partner: PartnerCreds, receiver: Receiver
) -> None:
    """Migration 0016: a database where a revoke left the number's key live (as before this
    fix) comes out of the upgrade with that key revoked."""
    async with over_http(app) as http:
        await configure(state, http, partner)
        number = await live_number(http, partner, "+4915100002005")
        channel_id, key = number["channel_id"], number["key"]
        await revoke_on_the_page(http, partner, channel_id)
        # The schema moves under no running worker: on PostgreSQL a downgrade dropping indexes
        # of two tables can deadlock with a delivery round reading both (and be aborted).
        await state.worker.stop()
        await migrate.downgrade(state.engine, "0015")
        k = tables.channel_api_keys.c
        async with state.uow() as uow:  # what an older version left behind
            await uow.session.execute(
                tables.channel_api_keys.update()
                .where(k.channel_id == channel_id)
                .values(revoked_at=None)
            )
            await uow.commit()
        await migrate.upgrade(state.engine)
        async with state.uow() as uow:
            live = await uow.session.scalars(
                select(k.id).where(k.channel_id == channel_id, k.revoked_at.is_(None))
            )
            assert live.all() == []
        state.channel_keys.invalidate()
        refused = await http.post("/messages", headers=key, json=TEXT)
        assert refused.status_code == 401, refused.text

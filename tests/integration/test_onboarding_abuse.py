"""Abuse of the public onboarding page and of the ops endpoints (issue 20, findings 4 and 8).

Each test replays an attack of the audit over HTTP: a script creating clients in a loop, many
addresses spending one partner's page, a number probed on another partner's page, a stranger's
number registered and its owner locked out (and the operator's ``channels release`` giving it
back), ``/metrics`` read by anyone in hub mode.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from litestar import Litestar
from pydantic import SecretStr

from partnerhub.app import create_app
from partnerhub.domain.clients.signup import NUMBER_UNAVAILABLE, io_signature
from partnerhub.domain.webhooks import signing
from partnerhub.emulator.clock import VirtualClock
from partnerhub.server.settings import Settings
from partnerhub.server.state import AppState
from tests.conftest import EMULATOR, PartnerCreds, make_partner, running
from tests.e2e.conftest import cli_env
from tests.helpers.client_login import DONE, form_of
from tests.helpers.clock import eventually
from tests.helpers.webhooks import setup_webhook
from tests.helpers.world import fixture as world_fixture
from tests.helpers.world import seed as seed_world
from tests.helpers.world import state as world_state
from tests.receiver import Receiver

Client = httpx.AsyncClient


@asynccontextmanager
async def hub(settings: Settings, clock: VirtualClock, **changes: Any) -> AsyncIterator[Litestar]:
    """The app in hub mode (where the page's budgets are on by default), with ``changes``."""
    update = {"mode": "hub", "emulator_token": None, **changes}
    app = create_app(settings.model_copy(update=update), clock=clock)
    async with running(app):
        yield app


@asynccontextmanager
async def browser(app: Litestar, address: str = "203.0.113.7") -> AsyncIterator[Client]:
    """A visitor from ``address`` (the peer address the server sees)."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="https://hub.test") as client:
        yield client


async def ready_partner(app: Litestar, brand: str = "Acme") -> PartnerCreds:
    state: AppState = app.state.partnerhub
    partner = await make_partner(state, brand)
    async with browser(app, "127.0.0.1") as client:
        response = await client.patch(
            f"/api/v2/partners/{partner.partner_id}",
            headers=partner.headers,
            json={"partner_redirect_url": DONE},
        )
    assert response.status_code == 200, response.text
    return partner


def page(partner: PartnerCreds) -> str:
    return f"/dashboard/app/{partner.partner_id}/permissions"


_numbers = iter(range(1_000_000))


def signup(number: str | None = None, **changes: str) -> dict[str, str]:
    """A complete signup form, as the page's form posts it."""
    n = next(_numbers)
    return {
        "company": f"Company {n}",
        "contact_name": "Ada",
        "email": f"owner{n}@example.com",
        "password": "correct horse battery",
        "phone_0": number or f"+49151{4000000 + n:07d}",
        "phone_name_0": "Main line",
        **changes,
    }


async def clients_of(app: Litestar, partner: PartnerCreds) -> int:
    async with browser(app, "127.0.0.1") as client:
        response = await client.get(
            f"/api/v2/partners/{partner.partner_id}/clients", headers=partner.headers
        )
    assert response.status_code == 200, response.text
    return int(response.json()["total"])


def assert_busy(response: httpx.Response, wording: str) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert 1 <= int(response.headers["retry-after"]) <= 600
    assert wording in response.text


# ---------------------------------------------------------------- budgets of the page's POSTs


async def test_a_script_cannot_create_clients_in_a_loop(
    settings: Settings, clock: VirtualClock
) -> None:
    """The audit's loop: anonymous signups as fast as the server answers. Hub mode's default
    budget is 20 POSTs per address every 10 minutes, failed ones included."""
    async with hub(settings, clock) as app:
        partner = await ready_partner(app)
        async with browser(app) as attacker:
            for _ in range(17):  # junk posts count too: probing is not free
                assert (await attacker.post(page(partner), data={"company": ""})).status_code == 400
            made = [await attacker.post(page(partner), data=signup()) for _ in range(3)]
            assert [r.status_code for r in made] == [303, 303, 303]
            refused = await attacker.post(page(partner), data=signup())
            assert_busy(refused, "Too many attempts from your network")
            # a login attempt is a POST of the page like any other
            login = {"step": "login", "email": "a@b.example", "password": "x" * 12}
            assert (await attacker.post(page(partner), data=login)).status_code == 429
        assert await clients_of(app, partner) == 3
        async with browser(app, "198.51.100.20") as neighbour:  # another address is not held up
            assert (await neighbour.post(page(partner), data=signup())).status_code == 303
        assert await clients_of(app, partner) == 4


async def test_many_addresses_share_one_partner_budget(
    settings: Settings, clock: VirtualClock
) -> None:
    async with hub(
        settings, clock, onboarding_posts_per_ip=100, onboarding_posts_per_partner=3
    ) as app:
        partner, other = await ready_partner(app), await ready_partner(app, "Rival")
        for n in range(3):
            async with browser(app, f"192.0.2.{n + 1}") as visitor:
                assert (await visitor.post(page(partner), data=signup())).status_code == 303
        async with browser(app, "192.0.2.99") as visitor:
            assert_busy(await visitor.post(page(partner), data=signup()), "busy right now")
            # another partner's page has its own budget
            assert (await visitor.post(page(other), data=signup())).status_code == 303
        assert await clients_of(app, partner) == 3


async def test_unsigned_posts_do_not_spend_a_signed_partners_budget(
    settings: Settings, clock: VirtualClock
) -> None:
    """With IO signatures on, strangers cannot sign links: their refused posts must not use up
    the budget the partner's real clients need."""
    async with hub(
        settings, clock, onboarding_posts_per_ip=100, onboarding_posts_per_partner=2
    ) as app:
        state: AppState = app.state.partnerhub
        partner = await ready_partner(app)
        base = f"/api/v2/partners/{partner.partner_id}"
        async with browser(app, "127.0.0.1") as owner:
            await owner.post(f"{base}/platform_secret", headers=partner.headers)
            enabled = await owner.patch(
                f"{base}/settings/io_signature", headers=partner.headers, json={"enabled": True}
            )
            assert enabled.status_code == 200, enabled.text
        async with browser(app) as attacker:
            for _ in range(5):
                assert (await attacker.post(page(partner), data=signup())).status_code == 403
        async with state.uow() as uow:
            stored = await uow.partners.get(partner.partner_id)
            assert stored is not None and stored.platform_secret_nonce is not None
            secret = signing.derive_platform_secret(
                state.master_key, stored.id, stored.platform_secret_nonce
            )
        stamp = int(clock.now().timestamp())
        signed = {"signature": io_signature(secret, partner.partner_id, stamp)}
        async with browser(app, "198.51.100.5") as client:
            response = await client.post(page(partner), data=signup(**signed, timestamp=str(stamp)))
        assert response.status_code == 303, response.text


async def test_emulator_mode_has_no_page_budget_unless_set(
    client: Client, partner: PartnerCreds, settings: Settings, clock: VirtualClock
) -> None:
    """Emulator mode: test suites drive the page from one address (docs/operations.md)."""
    patched = await client.patch(
        f"/api/v2/partners/{partner.partner_id}",
        headers=partner.headers,
        json={"partner_redirect_url": DONE},
    )
    assert patched.status_code == 200, patched.text
    for _ in range(25):
        assert (await client.post(page(partner), data={"company": ""})).status_code == 400
    # ... and the budget applies there too once it is set.
    changed = settings.model_copy(update={"onboarding_posts_per_ip": 2})
    app = create_app(changed, clock=clock)
    async with running(app), browser(app) as visitor:
        assert (await visitor.post(page(partner), data={})).status_code == 400
        assert (await visitor.post(page(partner), data={})).status_code == 400
        assert_busy(await visitor.post(page(partner), data={}), "Too many attempts")


# ---------------------------------------------------------------- what a taken number says


async def test_a_taken_number_says_the_same_whoever_holds_it(
    settings: Settings, clock: VirtualClock
) -> None:
    """The audit probed another partner's client's number on a page of its own: the answer
    named the hub. Now it is one sentence whatever the holder: this partner's client, another
    partner's, or nobody we would tell about."""
    async with hub(settings, clock) as app:
        acme, rival = await ready_partner(app), await ready_partner(app, "Rival")
        number = "+4915170000001"
        async with browser(app, "198.51.100.1") as owner:
            assert (await owner.post(page(acme), data=signup(number))).status_code == 303
        answers = []
        for partner in (rival, acme):
            async with browser(app, "198.51.100.2") as prober:
                answers.append(await prober.post(page(partner), data=signup(number)))
        statuses = {response.status_code for response in answers}
        errors = {form_of(response).errors["phone_0"] for response in answers}
        assert statuses == {409}
        assert errors == {NUMBER_UNAVAILABLE}
        for response in answers:
            assert "this hub" not in response.text and "already registered" not in response.text


# ---------------------------------------------------------------- a squatted number released


def run_release(
    settings: Settings, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    assert settings.database_url is not None
    env = cli_env(settings.data_dir, settings.database_url)
    return subprocess.run(
        [sys.executable, "-m", "partnerhub", "channels", "release", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_the_operator_releases_a_squatted_number(
    state: AppState,
    client: Client,
    partner: PartnerCreds,
    other_partner: PartnerCreds,
    settings: Settings,
    receiver: Receiver,
) -> None:
    """A stranger registers the owner's number through Rival's page, gets it running and a key;
    the owner, a client of Acme, is refused everywhere. The operator releases the number: the
    squatting channel ends, its key stops working, Rival hears ``cancellation_processed``, and
    the owner signs up."""
    number = "+4915170000002"
    for creds in (partner, other_partner):
        patched = await client.patch(
            f"/api/v2/partners/{creds.partner_id}",
            headers=creds.headers,
            json={"partner_redirect_url": DONE},
        )
        assert patched.status_code == 200, patched.text
    await setup_webhook(client, other_partner, receiver)
    squatted = await client.post(page(other_partner), data=signup(number))
    assert squatted.status_code == 303, squatted.text
    async with state.uow() as uow:
        channel = await uow.clients.holder_of_number(number)
        assert channel is not None
    moved = await client.post(
        f"/_emulator/channels/{channel.id}/status", headers=EMULATOR, json={"status": "running"}
    )
    assert moved.status_code == 201, moved.text
    base = f"/api/v2/partners/{other_partner.partner_id}"
    key = await client.post(f"{base}/channels/{channel.id}/api_keys", headers=other_partner.headers)
    assert key.status_code == 200, key.text
    squatter = {"D360-API-KEY": key.json()["api_key"]}
    assert (await client.get("/v1/configs/webhook", headers=squatter)).status_code == 200
    blocked = await client.post(page(partner), data=signup(number))
    assert blocked.status_code == 409

    # Without --yes the operator is shown the holder and asked; "n" changes nothing.
    declined = await asyncio.to_thread(run_release, settings, "+49 151 7000 0002", stdin="n\n")
    assert declined.returncode == 1, declined.stderr
    assert channel.id in declined.stderr and other_partner.partner_id in declined.stderr
    assert "nothing changed" in declined.stderr
    assert (await client.post(page(partner), data=signup(number))).status_code == 409

    released = await asyncio.to_thread(run_release, settings, number, "--yes", "--json")
    assert released.returncode == 0, released.stderr
    done = json.loads(released.stdout)
    assert done["channel_id"] == channel.id and done["status"] == "terminated"
    assert done["partner_id"] == other_partner.partner_id and done["keys_revoked"] == 1

    # The owner signs up with the number now.
    owner = await client.post(page(partner), data=signup(number))
    assert owner.status_code == 303, owner.text
    # Rival's channel is terminated, and says so in its list.
    listed = await client.get(
        f"{base}/channels",
        headers=other_partner.headers,
        params={"filters": json.dumps({"id": channel.id})},
    )
    assert listed.json()["partner_channels"][0]["status"] == "terminated"
    # Its key is refused (the channel-key cache trusts a key for at most 1 s).
    deadline = time.monotonic() + 5
    while (await client.get("/v1/configs/webhook", headers=squatter)).status_code != 401:
        assert time.monotonic() < deadline, "the squatter's key still works"
        await asyncio.sleep(0.1)

    # Rival was told, on its webhook.
    def released_event() -> list[dict[str, Any]]:
        bodies = [json.loads(r.body) for r in list(receiver.requests)]
        return [b for b in bodies if b["event"] == "cancellation_processed"]

    await eventually(lambda: bool(released_event()))
    event = released_event()[0]["data"]
    assert event["id"] == channel.id and event["status"] == "terminated"
    assert event["reason"] == "number_released" and event["terminated_at"]

    # Nobody holds the number twice, and a number nobody holds is a clear error.
    again = await asyncio.to_thread(run_release, settings, "+4915170000999", "--yes")
    assert again.returncode == 1 and "No channel in use holds +4915170000999" in again.stderr


# ---------------------------------------------------------------- ops endpoints


async def test_metrics_need_the_token_in_hub_mode(settings: Settings, clock: VirtualClock) -> None:
    async with (
        hub(settings, clock, metrics_token=SecretStr("scrape-me-please")) as app,
        browser(app) as outsider,
    ):
        assert (await outsider.get("/metrics")).status_code == 401
        wrong = await outsider.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        assert "partnerhub_http_requests_total" not in wrong.text
        scraped = await outsider.get(
            "/metrics", headers={"Authorization": "Bearer scrape-me-please"}
        )
        assert scraped.status_code == 200
        assert "partnerhub_http_requests_total" in scraped.text
    # hub mode without a token: no /metrics at all
    async with hub(settings, clock) as app, browser(app) as outsider:
        assert (await outsider.get("/metrics")).status_code == 404


async def test_metrics_stay_open_in_emulator_mode(client: Client) -> None:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert "partnerhub_http_requests_total" in response.text


async def test_two_signups_racing_for_one_number(settings: Settings, clock: VirtualClock) -> None:
    """Both pass the "is it taken" check before either writes: the loser gets the same 409
    page as any taken number, never a 500."""
    async with hub(settings, clock) as app:
        partner = await ready_partner(app)
        number = "+4915170000003"
        async with browser(app, "198.51.100.3") as one, browser(app, "198.51.100.4") as two:
            answers = await asyncio.gather(
                one.post(page(partner), data=signup(number)),
                two.post(page(partner), data=signup(number)),
            )
        assert sorted(r.status_code for r in answers) == [303, 409], [r.text for r in answers]
        loser = next(r for r in answers if r.status_code == 409)
        assert form_of(loser).errors["phone_0"] == NUMBER_UNAVAILABLE
        assert await clients_of(app, partner) == 1


async def test_a_seeded_world_may_hold_a_released_number_twice(client: Client) -> None:
    """A released (terminated) channel keeps its number on record while another channel holds
    it: the emulator's export of such a world seeds back; two channels in use still may not."""
    document = world_fixture()
    document["channels"][2].update(phone_number="+4915100001001", status="terminated")
    assert (await seed_world(client, document)).status_code == 200
    exported = await world_state(client)
    assert (await seed_world(client, exported)).status_code == 200
    document["channels"][2]["status"] = "running"
    refused = await seed_world(client, document)
    assert refused.status_code == 400
    assert "channels[2].phone_number" in refused.text

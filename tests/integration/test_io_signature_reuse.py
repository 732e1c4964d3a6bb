"""Issue 20, finding 7: one IO signature sent several times at once, over real HTTP.

Before, the losers of the race hit the signature's primary key at commit and got a 500 with a
JSON body (on an HTML page) and a traceback in the log. Now exactly one post goes through and
every other one gets the "already used" page, 403, and changes nothing.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from litestar import Litestar

from partnerhub.domain.clients.signup import io_signature
from partnerhub.server.state import AppState
from tests.conftest import PartnerCreds
from tests.helpers.client_login import (
    PASSWORD,
    body_of,
    configure,
    events,
    form_of,
    onboard,
    page_url,
)
from tests.integration.live_http import over_http

Client = httpx.AsyncClient
RACERS = 6


async def signed_link(http: Client, state: AppState, partner: PartnerCreds) -> dict[str, str]:
    base = f"/api/v2/partners/{partner.partner_id}"
    made = await http.post(f"{base}/platform_secret", headers=partner.headers)
    assert made.status_code in (200, 201), made.text
    enabled = await http.patch(
        f"{base}/settings/io_signature", headers=partner.headers, json={"enabled": True}
    )
    assert enabled.status_code == 200, enabled.text
    stamp = int(state.clock.now().timestamp())
    secret = made.json()["platform_secret"]
    return {"signature": io_signature(secret, partner.partner_id, stamp), "timestamp": str(stamp)}


def assert_one_went_through(answers: list[httpx.Response]) -> None:
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [303] + [403] * (len(answers) - 1), [
        (a.status_code, a.text[:300]) for a in answers
    ]
    for refused in (a for a in answers if a.status_code == 403):
        assert refused.headers["content-type"].startswith("text/html")
        assert "already used" in refused.text


async def test_a_signup_signature_sent_many_times_at_once_is_spent_once(
    app: Litestar, state: AppState, client: Client, partner: PartnerCreds
) -> None:
    async with over_http(app) as http:
        await configure(state, http, partner)
        signed = await signed_link(http, state, partner)
        opened = await http.get(page_url(partner), params=signed)
        assert opened.status_code == 200, opened.text
        form = form_of(opened)
        before = len(await events(state, partner))

        def attempt(n: int) -> dict[str, Any]:
            return body_of(
                form,
                company=f"Racer {n}",
                contact_name="Ada",
                email=f"racer{n}@pizza.example",
                password=PASSWORD,
                phone_0=f"+49151000030{n:02d}",
                permission_0="1",
            )

        answers = await asyncio.gather(
            *(http.post(page_url(partner), data=attempt(n)) for n in range(RACERS))
        )
        assert_one_went_through(answers)
        created = [
            e for e in (await events(state, partner))[before:] if e["event"] == "client_created"
        ]
        assert len(created) == 1


async def test_a_login_flow_signature_sent_by_two_sessions_at_once_is_spent_once(
    app: Litestar, state: AppState, client: Client, partner: PartnerCreds
) -> None:
    """Two clients of the partner, each logged in through the same signed link, save at once."""
    async with over_http(app) as http:
        await configure(state, http, partner)
        first = await onboard(http, partner, ["+4915100003101"], email="one@pizza.example")
        second = await onboard(http, partner, ["+4915100003102"], email="two@pizza.example")
        signed = await signed_link(http, state, partner)
        forms = []
        for email in ("one@pizza.example", "two@pizza.example"):
            opened = await http.get(page_url(partner), params={"next": "login", **signed})
            assert opened.status_code == 200, opened.text
            manage = await http.post(
                page_url(partner), data=body_of(form_of(opened), email=email, password=PASSWORD)
            )
            assert manage.status_code == 200, manage.text
            forms.append(form_of(manage))
        revoke = [
            body_of(forms[0], **{f"grant_{first['channel_ids'][0]}": None}),
            body_of(forms[1], **{f"grant_{second['channel_ids'][0]}": None}),
        ]
        answers = await asyncio.gather(*(http.post(page_url(partner), data=d) for d in revoke))
        assert_one_went_through(answers)
        revoked = [
            e for e in await events(state, partner) if e["event"] == "channel_permission_revoked"
        ]
        assert len(revoked) == 1


async def test_a_huge_timestamp_is_refused_not_a_500(
    state: AppState, client: Client, partner: PartnerCreds
) -> None:
    """A 400-digit ``timestamp`` overflowed the age arithmetic into a 500 with a traceback."""
    await configure(state, client, partner, direct=False)
    link = await signed_link(client, state, partner)
    for name in ("timestamp", "io_timestamp"):
        query = {"signature": link["signature"], name: "1" + "0" * 400}
        answer = await client.get(page_url(partner), params=query)
        assert answer.status_code == 403, answer.text
        assert "invalid timestamp" in answer.text

"""The link 360dialog's Connect Button opens, over HTTP (issue 14, item 1).

``360dialog-connect-button`` 1.0.2 opens ``{hub}/dashboard/app/{partner_id}?number=…&…``: no
``/permissions`` suffix, the requested number unencoded (so its ``+`` arrives as a space), its
``queryParameters`` appended in the order given, empty ones as ``key=``, and the IO signature
as ``io_signature`` / ``io_timestamp``. The URLs below are built exactly as its
``getPermissionURL()`` builds them. The browser test drives the real package end to end.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx

from partnerhub.domain.clients.signup import io_signature
from partnerhub.server.state import AppState
from tests.conftest import PartnerCreds
from tests.helpers.client_login import (
    PASSWORD,
    body_of,
    configure,
    form_of,
    ids_of,
    landing,
    onboard,
)

Client = httpx.AsyncClient


def button_url(partner: PartnerCreds, number: str | None, **query: str) -> str:
    """What the button's ``getPermissionURL()`` returns (``local`` env, path only)."""
    url = f"/dashboard/app/{partner.partner_id}"
    if number:
        url += f"?number={number}"
    for index, (key, value) in enumerate(query.items()):
        url += ("?" if index == 0 and not number else "&") + f"{key}={quote(value, safe='')}"
    return url


async def test_signup_through_the_button_link_prefills_the_requested_number(
    state: AppState, client: Client, partner: PartnerCreds
) -> None:
    await configure(state, client, partner)
    url = button_url(
        partner,
        "+4915112340001",
        email="ada@pizza.example",
        name="Ada Lovelace",
        state="s-1",
        redirect_url="",
        next="",
    )
    opened = await client.get(url)
    assert opened.status_code == 200, opened.text
    form = form_of(opened)
    assert form.fields["phone_0"] == "+4915112340001"  # the button's unencoded "+" restored
    assert form.fields["email"] == "ada@pizza.example"
    assert form.fields["contact_name"] == "Ada Lovelace"
    assert form.fields["state"] == "s-1"
    assert f'action="/dashboard/app/{partner.partner_id}"' in opened.text
    body = body_of(form, company="Pizza Place", password=PASSWORD, permission_0="1")
    query = landing(await client.post(f"/dashboard/app/{partner.partner_id}", data=body))
    assert query["state"] == ["s-1"]
    channel_ids = ids_of(query["channels"][0])
    listed = await client.get(
        f"/api/v2/partners/{partner.partner_id}/channels", headers=partner.headers
    )
    channels = listed.json()["partner_channels"]
    assert [c["id"] for c in channels] == channel_ids
    assert channels[0]["setup_info"]["phone_number"] == "+4915112340001"
    assert channels[0]["client_id"] == query["client"][0]


async def test_number_prefill_keeps_what_the_link_says(
    state: AppState, client: Client, partner: PartnerCreds
) -> None:
    await configure(state, client, partner)
    for raw, shown in [
        ("%2B4915112340002", "+4915112340002"),  # encoded by a careful caller
        ("004915112340002", "004915112340002"),
        ("", ""),
    ]:
        opened = await client.get(f"/dashboard/app/{partner.partner_id}?number={raw}")
        assert opened.status_code == 200, opened.text
        assert form_of(opened).fields["phone_0"] == shown


async def test_the_button_link_answers_like_the_permissions_page(
    state: AppState, client: Client, partner: PartnerCreds
) -> None:
    unknown = await client.get("/dashboard/app/nobodyPA?number=+4915112340003")
    assert unknown.status_code == 404 and "no partner behind this link" in unknown.text
    no_redirect = await client.get(button_url(partner, "+4915112340003"))
    assert no_redirect.status_code == 403 and "redirect URL" in no_redirect.text
    bad_step = await client.post(f"/dashboard/app/{partner.partner_id}", data={"step": "x"})
    assert bad_step.status_code == 400


async def test_login_and_revoke_through_the_button_link(
    state: AppState, client: Client, partner: PartnerCreds
) -> None:
    await configure(state, client, partner)
    done = await onboard(client, partner, ["+4915112340004", "+4915112340005"])
    first, second = done["channel_ids"]
    opened = await client.get(button_url(partner, None, next="login", state="s-2"))
    assert opened.status_code == 200 and form_of(opened).fields["step"] == "login"
    logged_in = await client.post(
        f"/dashboard/app/{partner.partner_id}",
        data=body_of(form_of(opened), email="owner@pizza.example", password=PASSWORD),
    )
    assert logged_in.status_code == 200, logged_in.text
    body = body_of(form_of(logged_in), **{f"grant_{first}": None})
    query = landing(await client.post(f"/dashboard/app/{partner.partner_id}", data=body))
    assert ids_of(query["channels"][0]) == [second]
    assert ids_of(query["revoked"][0]) == [first]
    assert query["state"] == ["s-2"]


async def test_io_signature_under_the_buttons_parameter_names(
    state: AppState, client: Client, partner: PartnerCreds
) -> None:
    await configure(state, client, partner)
    base = f"/api/v2/partners/{partner.partner_id}"
    secret = (await client.post(f"{base}/platform_secret", headers=partner.headers)).json()[
        "platform_secret"
    ]
    enabled = await client.patch(
        f"{base}/settings/io_signature", headers=partner.headers, json={"enabled": True}
    )
    assert enabled.status_code == 200, enabled.text
    stamp = str(int(state.clock.now().timestamp()))
    good = io_signature(secret, partner.partner_id, int(stamp))
    wrong = await client.get(
        button_url(partner, "+4915112340006", io_signature="0" * 128, io_timestamp=stamp)
    )
    assert wrong.status_code == 403 and "signature is wrong" in wrong.text
    unsigned = await client.get(button_url(partner, "+4915112340006"))
    assert unsigned.status_code == 403 and "not signed" in unsigned.text
    opened = await client.get(
        button_url(partner, "+4915112340006", io_signature=good, io_timestamp=stamp)
    )
    assert opened.status_code == 200, opened.text
    form = form_of(opened)
    assert (form.fields["signature"], form.fields["timestamp"]) == (good, stamp)
    body = body_of(
        form, company="Io Co", contact_name="Io", email="io@pizza.example", password=PASSWORD
    )
    landing(await client.post(f"/dashboard/app/{partner.partner_id}", data=body))
    reused = await client.get(
        button_url(partner, None, io_signature=good, io_timestamp=stamp, next="login")
    )
    assert reused.status_code == 403 and "already used" in reused.text

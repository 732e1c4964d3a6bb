"""The business profile (``/whatsapp_business_profile``) over real HTTP: read, partial update,
Meta's limits with the field named, the picture from a resumable upload served back, and auth."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
from litestar import Litestar

from partnerhub.wire.business_profile import VERTICALS
from tests.conftest import EMULATOR, PartnerCreds
from tests.helpers.clock import advance
from tests.helpers.messaging import keys_path
from tests.helpers.uploads import details, graph_error, keyed_number, png, start, upload
from tests.integration.hub_helpers import log_in
from tests.integration.live_http import over_http

Client = httpx.AsyncClient
PATH = "/whatsapp_business_profile"
ALL_FIELDS = "about,address,description,email,profile_picture_url,websites,vertical"

FULL = {
    "messaging_product": "whatsapp",
    "about": "Pizza, fast 🍕",
    "address": "Hauptstraße 1, 10115 Berlin",
    "description": "Wood-fired pizza since 1999.",
    "email": "hello@pizza.example",
    "websites": ["https://pizza.example", "http://instagram.com/pizza"],
    "vertical": "RESTAURANT",
}


async def profile(http: Client, key: dict[str, str], fields: str | None = ALL_FIELDS) -> Any:
    params = {"fields": fields} if fields is not None else {}
    answer = await http.get(PATH, headers=key, params=params)
    assert answer.status_code == 200, answer.text
    (found,) = answer.json()["data"]
    return found


async def update(http: Client, key: dict[str, str], **body: Any) -> httpx.Response:
    return await http.post(PATH, headers=key, json={"messaging_product": "whatsapp", **body})


async def test_set_read_and_partially_update_the_profile(
    client: Client, app: Litestar, partner: PartnerCreds
) -> None:
    async with over_http(app) as http:
        _, key = await keyed_number(http, partner)
        assert await profile(http, key) == {"messaging_product": "whatsapp"}

        done = await http.post(PATH, headers=key, json=FULL)
        assert done.status_code == 200, done.text
        assert done.json() == {"success": True}
        assert await profile(http, key) == FULL
        assert await profile(http, key, None) == FULL

        # Only the fields asked for, always with messaging_product.
        assert await profile(http, key, "about,email") == {
            "messaging_product": "whatsapp",
            "about": FULL["about"],
            "email": FULL["email"],
        }

        # A partial update changes what it names and keeps the rest.
        assert (await update(http, key, about="Open late", vertical="OTHER")).status_code == 200
        assert await profile(http, key) == {**FULL, "about": "Open late", "vertical": "OTHER"}
        # Empty values clear what may be empty.
        cleared = await update(http, key, websites=[], address="", email="")
        assert cleared.status_code == 200, cleared.text
        after = await profile(http, key)
        assert "websites" not in after
        assert after["address"] == "" and after["email"] == ""
        assert after["description"] == FULL["description"]

        for vertical in VERTICALS:
            assert (await update(http, key, vertical=vertical)).status_code == 200, vertical


async def test_every_limit_is_refused_with_the_field_named(
    client: Client, app: Litestar, partner: PartnerCreds
) -> None:
    async with over_http(app) as http:
        _, key = await keyed_number(http, partner)
        cases: list[tuple[dict[str, Any], str]] = [
            ({"about": ""}, "about"),
            ({"about": "a" * 140}, "about"),
            ({"address": "a" * 257}, "address"),
            ({"description": "d" * 513}, "description"),
            ({"email": "not-an-email"}, "email"),
            ({"email": "a" * 120 + "@pizza.example"}, "email"),
            (
                {"websites": ["https://a.example", "https://b.example", "https://c.example"]},
                "websites",
            ),
            ({"websites": ["ftp://pizza.example"]}, "websites[0]"),
            ({"websites": ["https://ok.example", "pizza.example"]}, "websites[1]"),
            ({"websites": ["https://p.example/" + "a" * 240]}, "websites[0]"),
            ({"vertical": "PIZZA"}, "vertical"),
            ({"vertical": ""}, "vertical"),
            ({"about": 5}, "about"),
            ({"profile_picture_url": "https://x.example/a.png"}, "profile_picture_url"),
            ({"profile_picture_handle": "4:bm9wZQ=="}, "profile_picture_handle"),
        ]
        for body, field in cases:
            refused = await update(http, key, **body)
            error = graph_error(refused, 400)
            assert error["code"] == 100, body
            assert details(refused).startswith(field), (body, refused.text)
        for body, field in [
            ({"about": "x"}, "messaging_product"),
            ({"messaging_product": "sms", "about": "x"}, "messaging_product"),
        ]:
            refused = await http.post(PATH, headers=key, json=body)
            assert details(refused).startswith(field), refused.text
        not_json = await http.post(PATH, headers=key, content=b"{")
        assert graph_error(not_json, 400)["code"] == 100
        bad_field = await http.get(PATH, headers=key, params={"fields": "about,colour"})
        assert graph_error(bad_field, 400)["code"] == 100
        assert details(bad_field).startswith("fields")
        # Nothing was changed by any refusal.
        assert await profile(http, key) == {"messaging_product": "whatsapp"}


async def test_the_picture_comes_from_an_upload_and_is_served_back(
    client: Client, app: Litestar, partner: PartnerCreds
) -> None:
    picture = png(32, 32, seed=3)
    async with over_http(app) as http:
        _, key = await keyed_number(http, partner)
        handle = await upload(http, key, picture)
        done = await update(http, key, profile_picture_handle=handle, about="With a face")
        assert done.status_code == 200, done.text

        found = await profile(http, key)
        url = found["profile_picture_url"]
        assert url.startswith(str(http.base_url).rstrip("/") + PATH + "/picture/")
        served = await http.get(url)  # a public URL, as Meta's CDN link is: no key
        assert served.status_code == 200, served.text
        assert served.content == picture
        assert served.headers["content-type"] == "image/png"

        # Another picture replaces it; the old URL is no longer served.
        second = png(8, 8, seed=9)
        assert (
            await update(http, key, profile_picture_handle=await upload(http, key, second))
        ).status_code == 200
        new_url = (await profile(http, key, "profile_picture_url"))["profile_picture_url"]
        assert new_url != url
        assert (await http.get(new_url)).content == second
        assert graph_error(await http.get(url), 404)["code"] == 100
        assert (await profile(http, key))["about"] == "With a face"


async def test_handles_that_are_not_a_picture_of_this_number_are_refused(
    client: Client, app: Litestar, partner: PartnerCreds, other_partner: PartnerCreds
) -> None:
    async with over_http(app) as http:
        _, key = await keyed_number(http, partner)
        _, other_key = await keyed_number(http, other_partner, "+4915198765432")
        theirs = await upload(http, other_key, png())
        pdf = await upload(http, key, b"%PDF-1.4 not a picture", "application/pdf")
        half = (await start(http, key, 100)).json()["id"]
        big = (await start(http, key, 5 * 1024 * 1024 + 1, "image/jpeg")).json()["id"]
        fake = await upload(http, key, b"GIF89a, not a PNG at all", "image/png")
        for handle in (theirs, pdf, half, big, "upload:" + half, fake):
            refused = await update(http, key, profile_picture_handle=handle)
            assert graph_error(refused, 400)["code"] == 100, handle
            assert details(refused).startswith("profile_picture_handle"), refused.text
        # Their own handle works for them.
        assert (await update(http, other_key, profile_picture_handle=theirs)).status_code == 200

        # A handle expires on the virtual clock.
        late = await upload(http, key, png(seed=1))
        await advance(http, 8 * 24 * 3600)
        expired = await update(http, key, profile_picture_handle=late)
        assert details(expired).startswith("profile_picture_handle")


async def test_each_key_sees_its_own_number_and_a_revoked_key_nothing(
    client: Client, app: Litestar, partner: PartnerCreds, other_partner: PartnerCreds
) -> None:
    async with over_http(app) as http:
        channel, key = await keyed_number(http, partner)
        _, other_key = await keyed_number(http, other_partner, "+4915198765432")
        assert (await http.post(PATH, headers=key, json=FULL)).status_code == 200
        # The other partner's key reads and writes its own number's profile, never this one.
        assert await profile(http, other_key) == {"messaging_product": "whatsapp"}
        assert (await update(http, other_key, about="Rival")).status_code == 200
        assert (await profile(http, key))["about"] == FULL["about"]

        graph_error(await http.get(PATH), 401)
        graph_error(await http.get(PATH, headers={"X-API-Key": partner.api_key}), 401)
        revoked = await http.delete(
            keys_path(partner, channel["channel_id"]), headers=partner.headers
        )
        assert revoked.status_code == 200, revoked.text
        assert graph_error(await http.get(PATH, headers=key), 401)["code"] == 0
        assert graph_error(await update(http, key, about="x"), 401)["code"] == 0


async def test_the_number_page_shows_the_profile_and_its_picture(
    client: Client, app: Litestar, partner: PartnerCreds
) -> None:
    picture = png(16, 16, seed=11)
    async with over_http(app) as http:
        channel, key = await keyed_number(http, partner)
        await log_in(http, partner.email, partner.password)
        page_path = f"/hub/channels/{channel['channel_id']}"
        empty = await http.get(page_path)
        assert empty.status_code == 200, empty.text
        assert "No business profile set yet" in empty.text

        handle = await upload(http, key, picture)
        marked = {**FULL, "about": "<b>Pizza</b> & more", "profile_picture_handle": handle}
        assert (await http.post(PATH, headers=key, json=marked)).status_code == 200
        page = await http.get(page_path)
        assert page.status_code == 200
        text = page.text
        assert "&lt;b&gt;Pizza&lt;/b&gt; &amp; more" in text and "<b>Pizza" not in text
        for value in (FULL["address"], FULL["email"], FULL["vertical"], *FULL["websites"]):
            assert str(value) in text
        found = re.search(r'<img id="profile-picture" src="([^"]+)"', text)
        assert found is not None, text
        src = found.group(1)
        assert src.startswith("/whatsapp_business_profile/picture/")
        shown = await http.get(src)
        assert shown.content == picture and shown.headers["content-type"] == "image/png"
        # The page's CSP lets it show a picture of its own origin.
        assert "img-src 'self'" in page.headers["content-security-policy"]


async def test_the_profile_travels_in_the_world_export_without_its_picture(
    client: Client, app: Litestar, partner: PartnerCreds
) -> None:
    async with over_http(app) as http:
        _, key = await keyed_number(http, partner)
        handle = await upload(http, key, png())
        body = {**FULL, "profile_picture_handle": handle}
        assert (await http.post(PATH, headers=key, json=body)).status_code == 200
        exported = (await http.get("/_emulator/state", headers=EMULATOR)).json()
        (row,) = exported["business_profiles"]
        assert row["about"] == FULL["about"] and row["websites"] == FULL["websites"]
        assert "picture_id" not in row  # the bytes are a file: they do not travel

        seeded = await http.post("/_emulator/seed", headers=EMULATOR, json=exported)
        assert seeded.status_code == 200, seeded.text
        assert await profile(http, key) == FULL


async def test_concurrent_updates_of_one_profile_keep_every_field(
    client: Client, app: Litestar, partner: PartnerCreds
) -> None:
    async with over_http(app) as http:
        _, key = await keyed_number(http, partner)
        fields = {
            "about": "About us",
            "address": "Street 1",
            "description": "We bake",
            "email": "a@pizza.example",
            "vertical": "RESTAURANT",
        }
        answers = await asyncio.gather(
            *(update(http, key, **{name: value}) for name, value in fields.items())
        )
        assert [a.status_code for a in answers] == [200] * len(fields), [a.text for a in answers]
        assert await profile(http, key) == {"messaging_product": "whatsapp", **fields}

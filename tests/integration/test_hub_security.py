"""The dashboard's security rules over plain HTTP (so they run on PostgreSQL too): session
cookie flags, CSRF on every POST, lockout, logout, ownership (another partner's id is a 404),
escaping, and no open redirect after login."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from partnerhub.adapters import tables
from partnerhub.app import create_app
from partnerhub.emulator.clock import VirtualClock
from partnerhub.server.settings import Settings
from partnerhub.server.state import AppState
from tests.conftest import EMULATOR, PartnerCreds, make_partner, running
from tests.helpers.clients import onboard
from tests.integration.hub_helpers import csrf_of, log_in, page_csrf

Client = httpx.AsyncClient


async def test_login_sets_a_locked_down_session_cookie(
    client: Client, partner: PartnerCreds
) -> None:
    response = await log_in(client, partner.email, partner.password)
    assert response.status_code == 303
    assert response.headers["location"] == "/hub"
    cookies = response.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("partnerhub_hub="))
    flags = {part.strip().lower() for part in session.split(";")}
    assert "httponly" in flags
    assert "samesite=lax" in flags
    assert "path=/hub" in flags
    assert "secure" not in flags  # emulator mode: plain http on localhost must work
    page = await client.get("/hub")
    assert page.status_code == 200
    assert "Acme" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"


async def test_hub_mode_cookie_is_secure(settings: Settings, clock: VirtualClock) -> None:
    hub_settings = settings.model_copy(update={"mode": "hub", "emulator_token": None})
    app = create_app(hub_settings, clock=clock)
    async with running(app):
        state: AppState = app.state.partnerhub
        creds = await make_partner(state, "Securo")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://hub.test") as client:
            response = await log_in(client, creds.email, creds.password)
    assert response.status_code == 303
    session = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("partnerhub_hub=")
    )
    assert "secure" in {part.strip().lower() for part in session.split(";")}


async def test_pages_need_a_session(client: Client) -> None:
    for path in ("/hub", "/hub/clients?status=live", "/hub/keys", "/hub/usage"):
        response = await client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/hub/login")
    assert (await client.get("/hub/clients")).headers["location"] == (
        "/hub/login?next=%2Fhub%2Fclients"
    )
    forged = await client.post("/hub/keys", data={"name": "x"})
    assert forged.status_code == 303  # not signed in: to the login page, nothing created


async def _key_count(state: AppState, partner_id: str) -> int:
    async with state.uow() as uow:
        c = tables.partner_api_keys.c
        statement = select(func.count()).where(c.partner_id == partner_id, c.revoked_at.is_(None))
        return int(await uow.session.scalar(statement) or 0)


async def test_every_post_needs_the_csrf_token(
    client: Client, partner: PartnerCreds, state: AppState
) -> None:
    # The login form too: without the token that matches its cookie, 403.
    assert (
        await client.post("/hub/login", data={"email": partner.email, "password": "x"})
    ).status_code == 403
    await log_in(client, partner.email, partner.password)
    token = await page_csrf(client)
    async with state.uow() as uow:
        before = await uow.partners.get(partner.partner_id)
        assert before is not None and before.platform_secret_nonce is not None
        nonce = before.platform_secret_nonce
    posts: list[tuple[str, dict[str, Any]]] = [
        ("/hub/keys", {"name": "sneaky"}),
        (f"/hub/keys/{partner.key_id}/revoke", {}),
        ("/hub/settings/webhook", {"webhook_url": "https://evil.example/hook"}),
        ("/hub/settings/redirect", {"redirect_url": "https://evil.example/"}),
        ("/hub/settings/secret", {}),
        ("/hub/settings/secret/show", {}),
        ("/hub/settings/io_signature", {"enabled": "1"}),
        ("/hub/settings/test", {}),
        ("/hub/channels/nopeCH/keys", {}),
        ("/hub/deliveries/nopeWD/retry", {}),
        ("/hub/logout", {}),
    ]
    for path, data in posts:
        for bad in ({}, {"csrf_token": "0" * 64}, {"csrf_token": token[:-1]}):
            response = await client.post(path, data={**data, **bad})
            assert response.status_code == 403, (path, bad, response.status_code)
            assert "security token" in response.text
    assert await _key_count(state, partner.partner_id) == 1  # the fixture's key, untouched
    async with state.uow() as uow:
        stored = await uow.partners.get(partner.partner_id)
        assert stored is not None and stored.webhook_url is None
        assert stored.platform_secret_nonce == nonce  # not rotated
    # Still signed in (logout was refused), and the right token works.
    created = await client.post("/hub/keys", data={"name": "real", "csrf_token": token})
    assert created.status_code == 201
    assert await _key_count(state, partner.partner_id) == 2


async def test_csrf_token_of_another_session_is_refused(
    client: Client, app: Any, partner: PartnerCreds
) -> None:
    await log_in(client, partner.email, partner.password)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://partnerhub.test") as other:
        await log_in(other, partner.email, partner.password)
        other_token = await page_csrf(other)
    response = await client.post("/hub/keys", data={"name": "x", "csrf_token": other_token})
    assert response.status_code == 403


async def test_lockout_after_repeated_failures_survives_a_restart(
    client: Client, partner: PartnerCreds, settings: Settings, clock: VirtualClock
) -> None:
    for _ in range(settings.hub_login_max_failures):
        wrong = await log_in(client, partner.email, "wrong password")
        assert wrong.status_code == 400
        assert "Wrong email or password." in wrong.text
    # The right password no longer helps, in this process or in a fresh one on the same database.
    locked = await log_in(client, partner.email, partner.password)
    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.text
    fresh = create_app(settings, clock=clock)
    async with running(fresh):
        transport = httpx.ASGITransport(app=fresh)
        async with httpx.AsyncClient(transport=transport, base_url="http://partnerhub.test") as c:
            assert (await log_in(c, partner.email, partner.password)).status_code == 429
    # Emails are case-insensitive: no way round the lockout by shouting.
    shouted = await log_in(client, partner.email.upper(), partner.password)
    assert shouted.status_code == 429
    clock.advance(settings.hub_login_failure_window_seconds + 1)
    assert (await log_in(client, partner.email, partner.password)).status_code == 303


async def test_unknown_email_fails_like_a_wrong_password(client: Client) -> None:
    response = await log_in(client, "nobody@nowhere.example", "whatever-password")
    assert response.status_code == 400
    assert "Wrong email or password." in response.text


async def test_logout_ends_the_session_server_side(client: Client, partner: PartnerCreds) -> None:
    await log_in(client, partner.email, partner.password)
    stolen = client.cookies.get("partnerhub_hub")
    assert stolen
    token = await page_csrf(client)
    out = await client.post("/hub/logout", data={"csrf_token": token})
    assert out.status_code == 303 and out.headers["location"] == "/hub/login"
    client.cookies.set("partnerhub_hub", stolen, domain="partnerhub.test", path="/hub")
    assert (await client.get("/hub")).status_code == 303  # a replayed cookie is dead


async def test_another_partners_objects_are_404(
    client: Client, partner: PartnerCreds, other_partner: PartnerCreds
) -> None:
    theirs = await onboard(client, other_partner, ["+4915100000099"], name="Rival Shop")
    await client.post(
        f"/_emulator/channels/{theirs['channel_ids'][0]}/status",
        headers=EMULATOR,
        json={"status": "running"},
    )
    await log_in(client, partner.email, partner.password)
    token = await page_csrf(client)
    client_id, channel_id = theirs["client_id"], theirs["channel_ids"][0]
    for path in (
        f"/hub/clients/{client_id}",
        f"/hub/channels/{channel_id}",
        f"/hub/keys/{other_partner.key_id}/revoke",
        f"/hub/usage?client_id={client_id}",
        f"/hub/usage?channel_id={channel_id}",
        "/hub/deliveries/missingWD",
        "/hub/clients/doesnotexistCL",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert "Rival" not in response.text
    for path in (
        f"/hub/channels/{channel_id}/keys",
        f"/hub/keys/{other_partner.key_id}/revoke",
    ):
        assert (await client.post(path, data={"csrf_token": token})).status_code == 404, path
    # Nor does their client show up in our lists or export.
    assert "Rival Shop" not in (await client.get("/hub/clients")).text
    assert "Rival Shop" not in (await client.get("/hub/clients.csv")).text
    # Their key still works: nothing was revoked.
    api = await client.get(
        f"/api/v2/partners/{other_partner.partner_id}", headers=other_partner.headers
    )
    assert api.status_code == 200


async def test_names_with_markup_are_escaped(client: Client, partner: PartnerCreds) -> None:
    evil = "<script>alert('x')</script>"
    patched = await client.patch(
        f"/api/v2/partners/{partner.partner_id}",
        headers=partner.headers,
        json={"brand_name": f"Brand {evil}"},
    )
    assert patched.status_code == 200, patched.text
    done = await onboard(
        client,
        partner,
        [{"phone_number": "+4915100000042", "phone_name": f"Line {evil}"}],
        name=f"Shop {evil}",
    )
    await log_in(client, partner.email, partner.password)
    for path in (
        "/hub",
        "/hub/clients",
        f"/hub/clients/{done['client_id']}",
        f"/hub/channels/{done['channel_ids'][0]}",
        "/hub/usage",
        "/hub/keys",
    ):
        page = await client.get(path)
        assert page.status_code == 200, path
        assert "<script>alert" not in page.text, path
        assert "&lt;script&gt;" in page.text, path


async def test_login_never_redirects_off_site(client: Client, partner: PartnerCreds) -> None:
    for target in ("https://evil.example/", "//evil.example/hub", "/api/v2/token"):
        response = await log_in(client, partner.email, partner.password, next_url=target)
        assert response.headers["location"] == "/hub", target
    kept = await log_in(client, partner.email, partner.password, next_url="/hub/keys")
    assert kept.headers["location"] == "/hub/keys"


async def test_csv_export_cells_cannot_become_formulas(
    client: Client, partner: PartnerCreds
) -> None:
    await onboard(client, partner, ["+4915100000077"], name='=HYPERLINK("http://x")')
    await log_in(client, partner.email, partner.password)
    export = await client.get("/hub/clients.csv")
    assert export.headers["content-type"].startswith("text/csv")
    assert "attachment" in export.headers["content-disposition"]
    assert "'=HYPERLINK" in export.text


def test_csrf_regex_helper_sanity() -> None:
    assert csrf_of('<input name="csrf_token" value="abc">') == "abc"

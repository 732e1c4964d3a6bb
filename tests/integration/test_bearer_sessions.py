"""Bearer sessions end (issue 20, finding 3): absolute family lifetime, password change, revoke,
disable — each attack replayed over HTTP against the whole app.

Before the fix a stolen refresh token kept access forever (each refresh issued a fresh 30-day
token), and there was no way to change a password, end a user's logins or disable a user.
"""

from __future__ import annotations

from typing import Any

import httpx
import jwt
from litestar import Litestar

from partnerhub.app import create_app
from partnerhub.emulator.clock import VirtualClock
from partnerhub.server.settings import Settings
from tests.conftest import PartnerCreds, running
from tests.helpers.api import assert_error, assert_oauth_error, login
from tests.integration.hub_helpers import log_in, page_csrf

Client = httpx.AsyncClient
DAY = 86400


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def refresh(client: Client, token: str) -> httpx.Response:
    return await client.post("/api/v2/token", json={"refresh_token": token})


async def user_id_of(client: Client, partner: PartnerCreds) -> str:
    listed = await client.get(
        f"/api/v2/partners/{partner.partner_id}/users", headers=partner.headers
    )
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["total"] == 1 and body["users"][0]["email"] == partner.email
    assert "password" not in listed.text and "argon2" not in listed.text
    return str(body["users"][0]["id"])


def browser(app: Litestar) -> Client:
    """Another browser: its own cookie jar, the same app."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://partnerhub.test"
    )


async def dashboard_ok(client: Client) -> bool:
    page = await client.get("/hub")
    assert page.status_code in (200, 303), page.text
    return page.status_code == 200


# ----------------------------------------------------------------- absolute family lifetime


async def test_a_stolen_refresh_token_dies_with_its_login(
    client: Client, partner: PartnerCreds, clock: VirtualClock
) -> None:
    """The thief refreshes faithfully every ten days; 30 days after the password grant the
    login ends anyway (the audit kept access through 116 days of refreshes)."""
    stolen = (await login(client, partner))["refresh_token"]
    info = f"/api/v2/partners/{partner.partner_id}"
    for _ in range(2):
        clock.advance(10 * DAY)
        pair = (await refresh(client, stolen)).json()
        assert pair["expires_in"] == DAY
        stolen = pair["refresh_token"]
    clock.advance(10 * DAY - 3600)  # one hour before the end: the last pair is cut short
    response = await refresh(client, stolen)
    assert response.status_code == 200, response.text
    last = response.json()
    assert last["expires_in"] <= 3600
    claims = jwt.decode(last["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] <= 3600
    assert (await client.get(info, headers=bearer(last["access_token"]))).status_code == 200

    clock.advance(3600 + 1)
    assert_oauth_error(await refresh(client, last["refresh_token"]), 401, "invalid_grant")
    assert_error(await client.get(info, headers=bearer(last["access_token"])), 401)
    # The owner signs in with the password again and gets a new 30-day login.
    assert (await login(client, partner))["expires_in"] == DAY


async def test_the_family_lifetime_is_a_setting(
    settings: Settings, clock: VirtualClock, partner: PartnerCreds
) -> None:
    short = create_app(settings.model_copy(update={"refresh_family_max_days": 2}), clock=clock)
    async with running(short), browser(short) as client:
        stolen = (await login(client, partner))["refresh_token"]
        clock.advance(DAY)
        stolen = (await refresh(client, stolen)).json()["refresh_token"]
        clock.advance(DAY + 1)
        response = await refresh(client, stolen)
        assert_oauth_error(response, 401, "invalid_grant")
        assert (
            "maximum lifetime" in response.json()["error_description"]
            or "expired" in (response.json()["error_description"])
        )


# ----------------------------------------------------------------- password change (API)


async def test_password_change_ends_every_login_of_the_user(
    app: Litestar, client: Client, partner: PartnerCreds
) -> None:
    first, second = await login(client, partner), await login(client, partner)
    async with browser(app) as laptop:
        assert (await log_in(laptop, partner.email, partner.password)).status_code == 303
        assert await dashboard_ok(laptop)
        base = f"/api/v2/partners/{partner.partner_id}"
        changed = await client.post(
            f"{base}/users/me/password",
            headers=bearer(first["access_token"]),
            json={"current_password": partner.password, "new_password": "a-brand-new-secret"},
        )
        assert changed.status_code == 200, changed.text
        assert changed.json() == {"revoked_token_families": 2, "revoked_dashboard_sessions": 1}

        for pair in (first, second):
            assert_oauth_error(await refresh(client, pair["refresh_token"]), 401, "invalid_grant")
            assert_error(await client.get(base, headers=bearer(pair["access_token"])), 401)
        assert not await dashboard_ok(laptop)
    old = await client.post(
        "/api/v2/token", json={"username": partner.email, "password": partner.password}
    )
    assert_oauth_error(old, 401, "invalid_grant")
    new = await client.post(
        "/api/v2/token", json={"username": partner.email, "password": "a-brand-new-secret"}
    )
    assert new.status_code == 200
    assert (await client.get(base, headers=partner.headers)).status_code == 200  # keys unaffected


async def test_password_change_needs_the_current_password(
    client: Client, partner: PartnerCreds
) -> None:
    user_id = await user_id_of(client, partner)
    pair = await login(client, partner)
    url = f"/api/v2/partners/{partner.partner_id}/users/{user_id}/password"
    wrong = await client.post(
        url,
        headers=bearer(pair["access_token"]),
        json={"current_password": "not-the-password", "new_password": "a-brand-new-secret"},
    )
    meta = assert_error(wrong, 400)
    assert any("current_password" in d for d in meta["details"])
    short = await client.post(
        url,
        headers=partner.headers,
        json={"current_password": partner.password, "new_password": "short"},
    )
    assert any("new_password" in d for d in assert_error(short, 400)["details"])
    # Nothing was revoked by the refusals.
    assert (await refresh(client, pair["refresh_token"])).status_code == 200
    # Guessing the current password through this endpoint meets the login lockout.
    statuses = []
    for _ in range(8):
        guess = await client.post(
            url,
            headers=partner.headers,
            json={"current_password": "guess-guess", "new_password": "a-brand-new-secret"},
        )
        statuses.append(guess.status_code)
    assert statuses[-1] == 429 and set(statuses) <= {400, 429}
    locked = await client.post(
        url,
        headers=partner.headers,
        json={"current_password": partner.password, "new_password": "a-brand-new-secret"},
    )
    assert locked.status_code == 429


async def test_me_needs_a_bearer_token(client: Client, partner: PartnerCreds) -> None:
    response = await client.post(
        f"/api/v2/partners/{partner.partner_id}/users/me/password",
        headers=partner.headers,
        json={"current_password": partner.password, "new_password": "a-brand-new-secret"},
    )
    assert any("user_id" in d for d in assert_error(response, 400)["details"])
    pair = await login(client, partner)
    me = await client.get(
        f"/api/v2/partners/{partner.partner_id}/users/me", headers=bearer(pair["access_token"])
    )
    assert me.status_code == 200 and me.json()["email"] == partner.email


async def test_a_partner_acts_only_on_its_own_users(
    client: Client, partner: PartnerCreds, other_partner: PartnerCreds
) -> None:
    victim = await user_id_of(client, other_partner)
    pair = await login(client, other_partner)
    own = f"/api/v2/partners/{partner.partner_id}/users/{victim}"
    for method, path, body in (
        ("GET", "", None),
        ("PATCH", "", {"disabled": True}),
        ("POST", "/revoke_sessions", None),
        (
            "POST",
            "/password",
            {"current_password": other_partner.password, "new_password": "hijacked-password"},
        ),
    ):
        response = await client.request(method, own + path, headers=partner.headers, json=body)
        assert_error(response, 404)
        theirs = f"/api/v2/partners/{other_partner.partner_id}/users/{victim}{path}"
        assert_error(await client.request(method, theirs, headers=partner.headers, json=body), 403)
    assert (await refresh(client, pair["refresh_token"])).status_code == 200


# ----------------------------------------------------------------- password change (dashboard)


async def test_dashboard_password_change_keeps_this_browser_only(
    app: Litestar, client: Client, partner: PartnerCreds
) -> None:
    pair = await login(client, partner)
    assert (await log_in(client, partner.email, partner.password)).status_code == 303
    old_cookie = client.cookies.get("partnerhub_hub")
    async with browser(app) as other:
        assert (await log_in(other, partner.email, partner.password)).status_code == 303
        token = await page_csrf(client, "/hub/account")
        form = {
            "csrf_token": token,
            "current_password": partner.password,
            "new_password": "dashboard-new-secret",
        }
        mismatch = await client.post(
            "/hub/account/password", data={**form, "confirm_password": "something-else"}
        )
        assert mismatch.status_code == 400 and "does not match" in mismatch.text
        no_csrf = await client.post(
            "/hub/account/password",
            data={**form, "csrf_token": "forged", "confirm_password": "dashboard-new-secret"},
        )
        assert no_csrf.status_code == 403
        wrong = await client.post(
            "/hub/account/password",
            data={
                **form,
                "current_password": "wrong-password",
                "confirm_password": "dashboard-new-secret",
            },
        )
        assert wrong.status_code == 400 and "current password" in wrong.text
        assert await dashboard_ok(other)  # the refusals revoked nothing
        refreshed = await refresh(client, pair["refresh_token"])
        assert refreshed.status_code == 200
        pair = refreshed.json()

        done = await client.post(
            "/hub/account/password", data={**form, "confirm_password": "dashboard-new-secret"}
        )
        assert done.status_code == 200, done.text
        assert "Your password was changed" in done.text
        assert client.cookies.get("partnerhub_hub") != old_cookie
        assert await dashboard_ok(client)  # this browser, on its new session
        assert not await dashboard_ok(other)
    stolen = httpx.Cookies()
    stolen.set("partnerhub_hub", str(old_cookie), domain="partnerhub.test", path="/hub")
    async with browser(app) as thief:
        thief.cookies = stolen
        assert not await dashboard_ok(thief)
    assert_oauth_error(await refresh(client, pair["refresh_token"]), 401, "invalid_grant")
    async with browser(app) as later:
        assert (await log_in(later, partner.email, "dashboard-new-secret")).status_code == 303


# ----------------------------------------------------------------- revoke and disable


async def test_revoke_ends_tokens_and_sessions_but_keeps_the_password(
    app: Litestar, client: Client, partner: PartnerCreds
) -> None:
    user_id = await user_id_of(client, partner)
    pair = await login(client, partner)
    base = f"/api/v2/partners/{partner.partner_id}"
    async with browser(app) as laptop:
        await log_in(laptop, partner.email, partner.password)
        revoked = await client.post(
            f"{base}/users/{user_id}/revoke_sessions", headers=partner.headers
        )
        assert revoked.status_code == 200, revoked.text
        assert revoked.json() == {"revoked_token_families": 1, "revoked_dashboard_sessions": 1}
        assert not await dashboard_ok(laptop)
    assert_oauth_error(await refresh(client, pair["refresh_token"]), 401, "invalid_grant")
    assert_error(await client.get(base, headers=bearer(pair["access_token"])), 401)
    assert (await login(client, partner))["token_type"] == "Bearer"


async def test_dashboard_signs_out_everywhere_else(
    app: Litestar, client: Client, partner: PartnerCreds
) -> None:
    pair = await login(client, partner)
    await log_in(client, partner.email, partner.password)
    async with browser(app) as other:
        await log_in(other, partner.email, partner.password)
        token = await page_csrf(client, "/hub/account")
        done = await client.post("/hub/account/sessions/revoke", data={"csrf_token": token})
        assert done.status_code == 200 and "signed out everywhere else" in done.text
        assert await dashboard_ok(client)
        assert not await dashboard_ok(other)
    assert_oauth_error(await refresh(client, pair["refresh_token"]), 401, "invalid_grant")


async def test_a_disabled_user_is_refused_everywhere(
    app: Litestar, client: Client, partner: PartnerCreds
) -> None:
    user_id = await user_id_of(client, partner)
    pair = await login(client, partner)
    base = f"/api/v2/partners/{partner.partner_id}"
    user_url = f"{base}/users/{user_id}"
    async with browser(app) as laptop:
        await log_in(laptop, partner.email, partner.password)
        disabled = await client.patch(user_url, headers=partner.headers, json={"disabled": True})
        assert disabled.status_code == 200, disabled.text
        assert disabled.json()["disabled"] is True and disabled.json()["disabled_at"]
        assert not await dashboard_ok(laptop)
        again = await log_in(laptop, partner.email, partner.password)
        assert again.status_code == 400 and not await dashboard_ok(laptop)
    assert_error(await client.get(base, headers=bearer(pair["access_token"])), 401)
    assert_oauth_error(await refresh(client, pair["refresh_token"]), 401, "invalid_grant")
    refused = await client.post(
        "/api/v2/token", json={"username": partner.email, "password": partner.password}
    )
    assert_oauth_error(refused, 401, "invalid_grant")

    enabled = await client.patch(user_url, headers=partner.headers, json={"disabled": False})
    assert enabled.status_code == 200 and enabled.json()["disabled"] is False
    # Enabling revives none of the old logins, but a new one works.
    assert_oauth_error(await refresh(client, pair["refresh_token"]), 401, "invalid_grant")
    fresh = await login(client, partner)
    assert (await client.get(base, headers=bearer(fresh["access_token"]))).status_code == 200


async def test_bad_bodies_name_the_field(client: Client, partner: PartnerCreds) -> None:
    user_id = await user_id_of(client, partner)
    url = f"/api/v2/partners/{partner.partner_id}/users/{user_id}"
    cases: list[tuple[str, str, Any]] = [
        ("PATCH", "", {"disabled": "yes"}),
        ("PATCH", "", {"disabled": True, "email": "x@y.z"}),
        ("PATCH", "", {}),
        ("POST", "/password", {"new_password": "a-brand-new-secret"}),
        ("POST", "/password", "not json"),
    ]
    for method, path, body in cases:
        response = await client.request(method, url + path, headers=partner.headers, json=body)
        assert_error(response, 400)


async def test_user_operations_are_in_the_openapi_document(client: Client) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    base = "/api/v2/partners/{partner_id}/users"
    assert "get" in paths[base]
    assert {"get", "patch"} <= set(paths[f"{base}/{{user_id}}"])
    body = paths[f"{base}/{{user_id}}/password"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["$ref"].endswith("PasswordChange")
    assert "requestBody" in paths[f"{base}/{{user_id}}"]["patch"]
    assert "post" in paths[f"{base}/{{user_id}}/revoke_sessions"]

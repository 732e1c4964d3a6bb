"""The onboarding page's ``next=login`` flow over HTTP: an existing client logs in, adds numbers
and grants or revokes the partner's permission per number (spec §8).

The page is driven as a browser without JavaScript would: read the form's fields from the HTML,
change what a person would change, post all of them back. Real database, real app.
"""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import jwt
import pytest
from sqlalchemy import select

from partnerhub.adapters import tables
from partnerhub.domain.clients.signup import NUMBER_UNAVAILABLE, io_signature
from partnerhub.server.state import AppState
from tests.conftest import JWT_SECRET, PartnerCreds
from tests.helpers.client_login import (
    EMAIL,
    PASSWORD,
    PageForm,
    body_of,
    configure,
    events,
    form_of,
    grants,
    ids_of,
    landing,
    onboard,
    page_url,
)
from tests.helpers.clock import advance

Client = httpx.AsyncClient


async def log_in(
    client: Client,
    partner: PartnerCreds,
    email: str = EMAIL,
    password: str = PASSWORD,
    **params: str,
) -> httpx.Response:
    """Open the link with next=login and send the login form it shows."""
    opened = await client.get(page_url(partner), params={"next": "login", **params})
    assert opened.status_code == 200, opened.text
    form = form_of(opened)
    assert form.fields["step"] == "login"
    return await client.post(page_url(partner), data=body_of(form, email=email, password=password))


async def session_form(client: Client, partner: PartnerCreds, **params: str) -> PageForm:
    response = await log_in(client, partner, **params)
    assert response.status_code == 200, response.text
    form = form_of(response)
    assert form.fields["step"] == "manage" and form.fields["session"]
    return form


async def channel_rows(state: AppState, client_id: str) -> dict[str, tuple[str, bool]]:
    """phone number -> (channel id, permission), straight from the database."""
    async with state.uow() as uow:
        channels = await uow.clients.channels_of_client(client_id)
    return {c.phone_number: (c.id, c.permission) for c in channels}


async def test_login_page_then_wrong_and_right_credentials(
    state: AppState, client: Client, partner: PartnerCreds
) -> None:
    await configure(state, client, partner)
    done = await onboard(client, partner, ["+4915100000101", "+4915100000102"])
    opened = await client.get(page_url(partner), params={"next": "login", "email": EMAIL})
    assert opened.status_code == 200
    assert 'type="password"' in opened.text and form_of(opened).fields["email"] == EMAIL

    wrong = await log_in(client, partner, password="not the password")
    unknown = await log_in(client, partner, email="nobody@pizza.example")
    for refused in (wrong, unknown):
        assert refused.status_code == 400
        assert form_of(refused).alerts == ["Wrong email or password."]
        assert "session" not in form_of(refused).fields
    # No hint whether the email exists: the same page apart from the echoed email.
    assert wrong.text.replace(EMAIL, "") == unknown.text.replace("nobody@pizza.example", "")

    ok = await log_in(client, partner, email="  Owner@Pizza.Example ")
    assert ok.status_code == 200
    assert "+4915100000101" in ok.text and "+4915100000102" in ok.text
    form = form_of(ok)
    assert grants(form) == {f"grant_{cid}": True for cid in done["channel_ids"]}
    assert form.fields["next"] == "login"
    # With the right client_id too; a client without a password cannot log in at all.
    assert (await log_in(client, partner, client_id=done["client_id"])).status_code == 200
    await onboard(client, partner, ["+4915100000103"], password=None, email="np@pizza.example")
    assert (await log_in(client, partner, email="np@pizza.example")).status_code == 400


async def test_lockout_after_five_failures_for_an_email(
    state: AppState, client: Client, partner: PartnerCreds
) -> None:
    await configure(state, client, partner)
    await onboard(client, partner, ["+4915100000111"])
    for _ in range(5):
        assert (await log_in(client, partner, password="wrong password!")).status_code == 400
    locked = await log_in(client, partner)  # even the right password
    assert locked.status_code == 429
    assert "Too many failed attempts" in form_of(locked).alerts[0]
    # Unknown emails lock the same way, so the lockout tells nothing either.
    for _ in range(5):
        await log_in(client, partner, email="ghost@pizza.example")
    ghost = await log_in(client, partner, email="ghost@pizza.example")
    assert ghost.status_code == 429
    # Another email is not affected; after 15 minutes the email may try again.
    await onboard(client, partner, ["+4915100000112"], email="other@pizza.example")
    assert (await log_in(client, partner, email="other@pizza.example")).status_code == 200
    await advance(client, 14 * 60)
    assert (await log_in(client, partner)).status_code == 429
    await advance(client, 61)
    assert (await log_in(client, partner)).status_code == 200


async def test_only_this_partners_client_and_the_named_client_can_log_in(
    state: AppState, client: Client, partner: PartnerCreds, other_partner: PartnerCreds
) -> None:
    await configure(state, client, partner)
    await configure(state, client, other_partner)
    theirs = await onboard(client, other_partner, ["+4915100000121"], email="x@rival.example")
    mine = await onboard(client, partner, ["+4915100000122"])
    # Another partner's client, on this partner's link: as if the email did not exist.
    stolen = await log_in(client, partner, email="x@rival.example")
    assert stolen.status_code == 400 and form_of(stolen).alerts == ["Wrong email or password."]
    stolen = await log_in(client, partner, email="x@rival.example", client_id=theirs["client_id"])
    assert stolen.status_code == 400
    # client_id names another client of this partner: refused the same way.
    other_mine = await onboard(client, partner, ["+4915100000123"], email="b@pizza.example")
    named = await log_in(client, partner, client_id=other_mine["client_id"])
    assert named.status_code == 400 and form_of(named).alerts == ["Wrong email or password."]
    assert (await log_in(client, partner, client_id=mine["client_id"])).status_code == 200


async def test_session_token_must_be_genuine_current_and_for_this_client(
    state: AppState, client: Client, partner: PartnerCreds, other_partner: PartnerCreds
) -> None:
    await configure(state, client, partner)
    await configure(state, client, other_partner)
    a = await onboard(client, partner, ["+4915100000131", "+4915100000132"])
    b = await onboard(client, partner, ["+4915100000133"], email="b@pizza.example")
    before = (await channel_rows(state, a["client_id"]), await channel_rows(state, b["client_id"]))
    events_before = await events(state, partner)
    form = await session_form(client, partner)
    token = form.fields["session"]
    untick = {f"grant_{a['channel_ids'][0]}": None, "phone_0": "+4915100000139"}

    async def refused(session: str | None, url: str = page_url(partner)) -> None:
        response = await client.post(url, data=body_of(form, session=session, **untick))
        assert response.status_code == 403, response.text
        login_form = form_of(response)
        assert login_form.fields["step"] == "login"  # back to the login form
        assert "session has ended" in login_form.alerts[0]

    await refused(None)  # no token at all (a cross-site POST)
    await refused(token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"))  # forged
    await refused("not-a-token")
    # Signed with a guessable key (the JWT secret) for client B: not our key, refused.
    now = int(time.time())
    forged_b = jwt.encode(
        {
            "iss": "partnerhub",
            "aud": "partnerhub-client-login",
            "sub": b["client_id"],
            "pid": partner.partner_id,
            "ver": 0,
            "jti": "x",
            "iat": now,
            "exp": now + 600,
        },
        JWT_SECRET,
        algorithm="HS256",
    )
    await refused(forged_b)
    # A bearer token of the partner is no session either.
    bearer = await client.post(
        "/api/v2/token", json={"username": partner.email, "password": partner.password}
    )
    await refused(bearer.json()["access_token"])
    # The genuine token on another partner's page.
    await refused(token, page_url(other_partner))
    # The genuine token cannot reach client B's numbers: B's channel ids are ignored.
    response = await client.post(
        page_url(partner), data=body_of(form, **{f"grant_{b['channel_ids'][0]}": None})
    )
    assert response.status_code == 303
    assert await channel_rows(state, b["client_id"]) == before[1]
    assert await channel_rows(state, a["client_id"]) == before[0]  # nothing unticked: no change
    # The token was spent by that save: replaying the same POST changes nothing.
    await refused(token)
    # Expired: a fresh session, 15 minutes later.
    fresh = await session_form(client, partner)
    await advance(client, 15 * 60 + 1)
    form = fresh
    await refused(fresh.fields["session"])
    assert await channel_rows(state, a["client_id"]) == before[0]
    assert await channel_rows(state, b["client_id"]) == before[1]
    assert len(await events(state, partner)) == len(events_before)


async def test_adding_numbers_to_the_clients_waba(
    state: AppState, client: Client, partner: PartnerCreds
) -> None:
    await configure(state, client, partner)
    done = await onboard(client, partner, ["+4915100000141"])
    form = await session_form(client, partner, state="s-1")
    saved = await client.post(
        page_url(partner),
        data=body_of(
            form,
            phone_0="+49 151 0000 0142",
            phone_name_0="Pizza Two",
            permission_0="1",
            phone_1="0049 151 0000 0143",
            permission_1=None,
        ),
    )
    query = landing(saved)
    assert query["client"] == [done["client_id"]] and query["state"] == ["s-1"]
    assert "revoked" not in query
    rows = await channel_rows(state, done["client_id"])
    assert set(rows) == {"+4915100000141", "+4915100000142", "+4915100000143"}
    assert rows["+4915100000143"][1] is False  # not ticked on a direct-paid hub
    assert ids_of(query["channels"][0]) == [
        rows["+4915100000141"][0],
        rows["+4915100000142"][0],
    ]
    new = [e for e in await events(state, partner)][-2:]
    assert [e["event"] for e in new] == ["channel_created", "channel_created"]
    assert {e["data"]["phone_number"] for e in new} == {"+4915100000142", "+4915100000143"}
    assert {e["data"]["waba_account"]["id"] for e in new} == {done["waba_account_id"]}
    assert {e["data"]["client_id"] for e in new} == {done["client_id"]}
    named = next(e for e in new if e["data"]["phone_number"] == "+4915100000142")
    assert named["data"]["phone_name"] == "Pizza Two"
    # The simulator picks the new numbers up like any others (step 60 s in tests).
    await advance(client, 61)
    channels = (
        await client.get(
            f"/api/v2/partners/{partner.partner_id}/channels",
            headers=partner.headers,
            params={"filters": json.dumps({"client_id": done["client_id"]})},
        )
    ).json()["partner_channels"]
    assert {c["status"] for c in channels} == {"submitted"}
    assert {c["waba_account"]["id"] for c in channels} == {done["waba_account_id"]}


async def test_revoke_and_grant_emit_events_and_the_redirect_says_so(
    state: AppState, client: Client, partner: PartnerCreds
) -> None:
    await configure(state, client, partner)
    done = await onboard(client, partner, ["+4915100000151", "+4915100000152"])
    first, second = done["channel_ids"]
    form = await session_form(client, partner, state="rev 1&2")
    saved = await client.post(page_url(partner), data=body_of(form, **{f"grant_{first}": None}))
    query = landing(saved)
    assert query["state"] == ["rev 1&2"]
    assert ids_of(query["channels"][0]) == [second]
    assert ids_of(query["revoked"][0]) == [first]
    assert "revoked=[" in saved.headers["location"]
    last = (await events(state, partner))[-1]
    assert last["event"] == "channel_permission_revoked"
    assert last["data"]["id"] == first and last["data"]["permission"] is False
    assert (await channel_rows(state, done["client_id"]))["+4915100000151"][1] is False
    listed = await client.get(
        f"/api/v2/partners/{partner.partner_id}/channels", headers=partner.headers
    )
    permission = {c["id"]: c["permission"] for c in listed.json()["partner_channels"]}
    assert permission == {first: False, second: True}

    # Come back and grant it again: one channel_permission_granted, no revoked parameter.
    form = await session_form(client, partner)
    assert grants(form) == {f"grant_{first}": False, f"grant_{second}": True}
    saved = await client.post(page_url(partner), data=body_of(form, **{f"grant_{first}": "1"}))
    query = landing(saved)
    assert sorted(ids_of(query["channels"][0])) == sorted([first, second])
    assert "revoked" not in query and "state" not in query
    last = (await events(state, partner))[-1]
    assert last["event"] == "channel_permission_granted"
    assert last["data"]["id"] == first and last["data"]["permission"] is True
    # Saving with no change emits nothing.
    count = len(await events(state, partner))
    form = await session_form(client, partner)
    landing(await client.post(page_url(partner), data=body_of(form)))
    assert len(await events(state, partner)) == count


async def test_partner_paid_hub_has_no_permission_boxes(
    state: AppState, client: Client, partner: PartnerCreds
) -> None:
    await configure(state, client, partner, direct=False)
    done = await onboard(client, partner, ["+4915100000161"], grant=False)
    form = await session_form(client, partner)
    assert form.checkboxes == {}  # no permission boxes, not even for new rows
    assert "manages all your numbers" in (await log_in(client, partner)).text
    form = await session_form(client, partner)
    saved = await client.post(page_url(partner), data=body_of(form, phone_0="+4915100000162"))
    query = landing(saved)
    assert len(ids_of(query["channels"][0])) == 2 and "revoked" not in query
    assert all(granted for _, granted in (await channel_rows(state, done["client_id"])).values())


async def test_max_channels_allow_add_and_number_validation(
    state: AppState, client: Client, partner: PartnerCreds
) -> None:
    await configure(state, client, partner)
    done = await onboard(client, partner, ["+4915100000171"])
    await onboard(client, partner, ["+4915100000179"], email="z@pizza.example")
    patched = await client.patch(
        f"/api/v2/partners/{partner.partner_id}/clients/{done['client_id']}",
        headers=partner.headers,
        json={"max_channels": 2},
    )
    assert patched.status_code == 200
    form = await session_form(client, partner)
    assert "phone_0" in form.fields and "phone_1" not in form.fields  # one slot left
    count = len(await events(state, partner))

    bad = await client.post(page_url(partner), data=body_of(form, phone_0="12345"))
    assert bad.status_code == 400
    assert "international format" in form_of(bad).errors["phone_0"]
    assert form_of(bad).fields["phone_0"] == "12345"  # nothing typed is lost
    taken = await client.post(page_url(partner), data=body_of(form, phone_0="+4915100000179"))
    assert taken.status_code == 409
    assert form_of(taken).errors["phone_0"] == NUMBER_UNAVAILABLE
    # A crafted post with more rows than the form offers.
    over = await client.post(
        page_url(partner), data=body_of(form, phone_0="+4915100000172", phone_1="+4915100000173")
    )
    assert over.status_code == 400 and "At most 2 numbers" in form_of(over).alerts[0]
    assert len(await channel_rows(state, done["client_id"])) == 1
    assert len(await events(state, partner)) == count

    # At the limit the form offers no rows.
    landing(await client.post(page_url(partner), data=body_of(form, phone_0="+4915100000172")))
    full = await session_form(client, partner)
    assert "phone_0" not in full.fields
    assert "reached the limit of 2 numbers" in (await log_in(client, partner)).text

    # A partner that does not let clients add numbers: no rows, and a crafted one is refused.
    await configure(state, client, partner, allow_add=False)
    await client.patch(
        f"/api/v2/partners/{partner.partner_id}/clients/{done['client_id']}",
        headers=partner.headers,
        json={"max_channels": 10},
    )
    closed = await session_form(client, partner)
    assert "phone_0" not in closed.fields
    refused = await client.post(page_url(partner), data=body_of(closed, phone_0="+4915100000174"))
    assert refused.status_code == 400
    assert "does not let clients add numbers" in form_of(refused).alerts[0]
    assert len(await channel_rows(state, done["client_id"])) == 2


async def test_io_signature_is_required_and_single_use_in_the_login_flow(
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
    done = await onboard(client, partner, ["+4915100000181", "+4915100000182"])
    first = done["channel_ids"][0]

    unsigned = await client.get(page_url(partner), params={"next": "login"})
    assert unsigned.status_code == 403 and "not signed" in unsigned.text
    # The login form posted without the signature is refused before any password check.
    posted = await client.post(
        page_url(partner),
        data={"step": "login", "next": "login", "email": EMAIL, "password": PASSWORD},
    )
    assert posted.status_code == 403 and "not signed" in posted.text

    stamp = int(state.clock.now().timestamp())
    signed = {"signature": io_signature(secret, partner.partner_id, stamp), "timestamp": str(stamp)}
    form = await session_form(client, partner, **signed)
    assert form.fields["signature"] == signed["signature"]
    body = body_of(form, **{f"grant_{first}": None})
    # The session alone is not enough: the signature must come along.
    no_signature = await client.post(page_url(partner), data={**body, "signature": ""})
    assert no_signature.status_code == 403
    assert (await channel_rows(state, done["client_id"]))["+4915100000181"][1] is True
    landing(await client.post(page_url(partner), data=body))
    assert (await channel_rows(state, done["client_id"]))["+4915100000181"][1] is False
    # Spent: the link, the login form and the manage form all refuse it now.
    reused = await client.get(page_url(partner), params={"next": "login", **signed})
    assert reused.status_code == 403 and "already used" in reused.text
    again = await client.post(page_url(partner), data=body_of(form, **{f"grant_{first}": "1"}))
    assert again.status_code == 403 and "already used" in again.text
    assert (await channel_rows(state, done["client_id"]))["+4915100000181"][1] is False


async def test_signup_on_the_page_needs_a_password_and_then_logs_in(
    state: AppState, client: Client, partner: PartnerCreds
) -> None:
    await configure(state, client, partner)
    opened = await client.get(page_url(partner), params={"state": "s"})
    form = form_of(opened)
    fields = body_of(
        form,
        company="Pasta Co",
        contact_name="Bo",
        email="bo@pasta.example",
        phone_0="+4915100000191",
        permission_0="1",
    )
    short = await client.post(page_url(partner), data={**fields, "password": "too short"})
    assert short.status_code == 400
    assert "at least 10 characters" in form_of(short).errors["password"]
    assert "too short" not in short.text  # a password is never sent back
    signed_up = await client.post(page_url(partner), data={**fields, "password": PASSWORD})
    query = landing(signed_up)
    client_id = query["client"][0]
    async with state.uow() as uow:
        stored = await uow.session.scalar(
            select(tables.client_logins.c.password_hash).where(
                tables.client_logins.c.client_id == client_id
            )
        )
    assert stored is not None and stored.startswith("$argon2id$") and PASSWORD not in stored
    manage = await session_form(client, partner, email="bo@pasta.example", client_id=client_id)
    assert grants(manage) == {f"grant_{ids_of(query['channels'][0])[0]}": True}


@pytest.mark.parametrize("step", ["manage", "bogus"])
async def test_a_post_without_a_session_changes_nothing(
    state: AppState, client: Client, partner: PartnerCreds, step: str
) -> None:
    await configure(state, client, partner)
    done = await onboard(client, partner, ["+4915100000201"])
    count = len(await events(state, partner))
    response = await client.post(
        page_url(partner),
        data={"step": step, f"grant_{done['channel_ids'][0]}": "", "phone_0": "+4915100000202"},
    )
    assert response.status_code in (400, 403)
    assert await channel_rows(state, done["client_id"]) == {
        "+4915100000201": (done["channel_ids"][0], True)
    }
    assert len(await events(state, partner)) == count


async def test_concurrent_guesses_cannot_get_past_the_lockout(
    state: AppState, client: Client, partner: PartnerCreds
) -> None:
    """Review regression: 30 guesses at once used to reach the password check 18-20 times."""
    await configure(state, client, partner)
    await onboard(client, partner, ["+4915100000191"])
    opened = await client.get(page_url(partner), params={"next": "login"})
    form = form_of(opened)
    answers = await asyncio.gather(
        *(
            client.post(
                page_url(partner), data=body_of(form, email=EMAIL, password=f"wrong-guess-{i:04d}")
            )
            for i in range(30)
        )
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(400) <= 5 and statuses.count(429) >= 25, statuses
    assert (await log_in(client, partner)).status_code == 429


async def test_one_session_form_saved_twice_at_once_changes_once(
    state: AppState, client: Client, partner: PartnerCreds
) -> None:
    """Review regression: two simultaneous saves of one form both went through (past
    max_channels too); the session token is spent by the first."""
    await configure(state, client, partner)
    done = await onboard(client, partner, ["+4915100000192"])
    form = await session_form(client, partner)
    answers = await asyncio.gather(
        client.post(page_url(partner), data=body_of(form, phone_0="+4915100000193")),
        client.post(page_url(partner), data=body_of(form, phone_0="+4915100000194")),
    )
    assert sorted(a.status_code for a in answers) == [303, 403]
    assert len(await channel_rows(state, done["client_id"])) == 2


@pytest.mark.parametrize(
    "email", ["own\x00er@pizza.example", "a" * 400 + "@pizza.example", "", "   "]
)
async def test_odd_login_emails_are_a_wrong_login_not_an_error(
    state: AppState, client: Client, partner: PartnerCreds, email: str
) -> None:
    await configure(state, client, partner)
    refused = await log_in(client, partner, email=email)
    assert refused.status_code == 400, refused.text
    assert form_of(refused).alerts == ["Wrong email or password."]


async def test_signup_with_an_over_long_email_is_a_form_error(
    state: AppState, client: Client, partner: PartnerCreds
) -> None:
    await configure(state, client, partner)
    page = await client.get(page_url(partner))
    form = form_of(page)
    sent = await client.post(
        page_url(partner),
        data=body_of(
            form,
            company="Long Mail Co",
            contact_name="Ada",
            email="a" * 400 + "@pizza.example",
            password=PASSWORD,
            phone_0="+4915100000195",
        ),
    )
    assert sent.status_code == 400, sent.text
    assert "email" in form_of(sent).errors


async def test_io_signatures_of_the_previous_secret_pass_only_in_the_grace_period(
    state: AppState, client: Client, partner: PartnerCreds
) -> None:
    await configure(state, client, partner)
    base = f"/api/v2/partners/{partner.partner_id}"

    async def rotate(**body: int) -> str:
        answer = await client.post(
            f"{base}/platform_secret", headers=partner.headers, json=body or None
        )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["platform_secret"])

    first = await rotate()
    enabled = await client.patch(
        f"{base}/settings/io_signature", headers=partner.headers, json={"enabled": True}
    )
    assert enabled.status_code == 200, enabled.text
    second = await rotate()  # default grace: the first still signs links

    def link(secret: str) -> dict[str, str]:
        stamp = int(state.clock.now().timestamp())
        return {
            "signature": io_signature(secret, partner.partner_id, stamp),
            "timestamp": str(stamp),
        }

    for secret in (first, second):
        opened = await client.get(page_url(partner), params=link(secret))
        assert opened.status_code == 200, opened.text
    await rotate(grace_period_seconds=0)  # the second is dropped at once, the first long gone
    for secret in (first, second):
        refused = await client.get(page_url(partner), params=link(secret))
        assert refused.status_code == 403 and "signature is wrong" in refused.text

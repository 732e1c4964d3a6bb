"""``client.users``: the partner's users, password change, ending logins, disabling (sync and
async), against the real app."""

from __future__ import annotations

import httpx
import pytest

from partnerhub.client import AsyncPartnerClient, PartnerClient, ValidationError
from tests.sdk.conftest import BASE_URL, EMAIL, PASSWORD, Server, World, no_sleep, world_document


async def test_users_through_the_async_sdk(
    hub: AsyncPartnerClient, client: httpx.AsyncClient, world: World
) -> None:
    async with AsyncPartnerClient(
        world.partner_id,
        username=EMAIL,
        password=PASSWORD,
        base_url=BASE_URL,
        http_client=client,
        sleep=no_sleep,
    ) as staff:
        me = await staff.users.get()
        assert me.email == EMAIL and me.disabled is False
        listed = await hub.users.list()
        assert [u.id for u in listed] == [me.id]
        assert (await hub.users.get(me.id)).email == EMAIL
        with pytest.raises(ValidationError):
            await hub.users.get()  # an API key is no user: "me" needs a bearer token

        revoked = await staff.users.change_password(PASSWORD, "sdk-new-password")
        assert (revoked.revoked_token_families, revoked.revoked_dashboard_sessions) == (1, 0)
        # The client follows the change: it signs in with the new password by itself.
        assert (await staff.partner.get()).id == world.partner_id
        with pytest.raises(ValidationError):
            await staff.users.change_password(PASSWORD, "another-password")

        again = await hub.users.revoke_sessions(me.id)
        assert again.revoked_token_families == 1
        assert (await staff.partner.get()).id == world.partner_id  # a new login

        disabled = await hub.users.disable(me.id)
        assert disabled.disabled is True and disabled.disabled_at
        enabled = await hub.users.enable(me.id)
        assert enabled.disabled is False and enabled.disabled_at is None


def test_users_through_the_sync_sdk(server: Server) -> None:
    doc, world = world_document()
    server.emulator("/_emulator/seed", doc)
    with (
        PartnerClient(
            world.partner_id, username=EMAIL, password=PASSWORD, base_url=server.base_url
        ) as staff,
        PartnerClient(world.partner_id, api_key=world.api_key, base_url=server.base_url) as hub,
    ):
        me = staff.users.get()
        assert [u.email for u in hub.users.list()] == [EMAIL]
        assert staff.users.revoke_sessions().revoked_token_families == 1
        assert staff.partner.get().id == world.partner_id
        staff.users.change_password(PASSWORD, "sync-new-password")
        assert staff.partner.get().id == world.partner_id
        assert hub.users.disable(me.id).disabled is True
        assert hub.users.enable(me.id).disabled is False

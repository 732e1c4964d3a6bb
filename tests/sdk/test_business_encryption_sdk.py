"""The business public key (WhatsApp Flows) through the async SDK over real HTTP: set, get,
replace, and a refused key raised as the SDK's ValidationError naming the field."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar

from partnerhub.client import AsyncMessagingClient, ValidationError
from partnerhub.testing.flows import generate_key_pair
from tests.conftest import PartnerCreds
from tests.helpers.uploads import keyed_number
from tests.integration.live_http import over_http


async def test_async_client_sets_and_reads_the_key_over_http(
    client: httpx.AsyncClient, app: Litestar, partner: PartnerCreds
) -> None:
    _, first = generate_key_pair()
    _, second = generate_key_pair()
    async with over_http(app) as http:
        _, key = await keyed_number(http, partner)
        async with AsyncMessagingClient(
            key["D360-API-KEY"], base_url=str(http.base_url), max_retries=0
        ) as api:
            assert await api.encryption.get() is None
            assert await api.encryption.set(first) is True
            assert await api.encryption.set(second) is True
            found = await api.encryption.get()
            assert found is not None
            assert found.business_public_key == second
            assert found.business_public_key_signature_status == "VALID"
            with pytest.raises(ValidationError) as refused:
                await api.encryption.set(
                    "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----"
                )
            assert "business_public_key" in str(refused.value)
            assert (await api.encryption.get()) == found

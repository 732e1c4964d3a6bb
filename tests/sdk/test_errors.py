"""Every error class, raised for its status, carrying status, request id and parsed body."""

from __future__ import annotations

import httpx
import pytest

from partnerhub.client import (
    APIConnectionError,
    APIStatusError,
    AsyncMessagingClient,
    AsyncPartnerClient,
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PartnerHubError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ValidationError,
)
from partnerhub.domain.keys.secrets import generate
from tests.e2e.conftest import free_port
from tests.sdk.conftest import BASE_URL, OTHER_PARTNER_ID, World, no_sleep
from tests.sdk.scripted import Scripted, meta


def sdk(client: httpx.AsyncClient, partner_id: str, key: str, **kw: object) -> AsyncPartnerClient:
    return AsyncPartnerClient(
        partner_id, api_key=key, base_url=BASE_URL, http_client=client, sleep=no_sleep, **kw
    )  # type: ignore[arg-type]


async def test_401_carries_request_id_and_meta(client: httpx.AsyncClient, world: World) -> None:
    with pytest.raises(AuthenticationError) as caught:
        await sdk(client, world.partner_id, generate("ph_test_")).partner.get()
    error = caught.value
    assert error.status_code == 401 and error.meta is not None
    assert error.meta.http_code == 401
    assert error.request_id and error.request_id == error.meta.trace_id
    assert error.response is not None
    assert error.request_id == error.response.headers["x-request-id"]
    text = str(error)
    assert text.startswith("401: ") and error.request_id in text


async def test_403_404_409_400(
    hub: AsyncPartnerClient, client: httpx.AsyncClient, world: World
) -> None:
    with pytest.raises(PermissionDeniedError) as forbidden:
        await sdk(client, OTHER_PARTNER_ID, world.api_key).partner.get()
    assert forbidden.value.status_code == 403

    with pytest.raises(NotFoundError) as missing:
        await hub.waba_accounts.get("nopeWA")
    assert missing.value.status_code == 404 and "nopeWA" not in str(missing.value.request_id)

    # Every partner has a platform secret now, so a conflict comes from a duplicate template.
    template = {"name": "dup", "language": "en", "category": "UTILITY"}
    body = [{"type": "BODY", "text": "Hello"}]
    await hub.templates.create(world.waba_id, components=body, **template)
    with pytest.raises(ConflictError) as conflict:
        await hub.templates.create(world.waba_id, components=body, **template)
    assert conflict.value.status_code == 409 and "already exists" in str(conflict.value)

    with pytest.raises(ValidationError) as invalid:
        await hub.clients.list(filters={"no_such_key": 1})
    assert invalid.value.status_code == 400
    assert any("no_such_key" in d for d in invalid.value.details)
    assert "no_such_key" in str(invalid.value)


async def test_429_rate_limit_error_after_retries(client: httpx.AsyncClient, world: World) -> None:
    """The client balance allows 5 requests / 30 s; the 6th is a 429 with Retry-After."""
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    hub = sdk(client, world.partner_id, world.api_key, max_retries=0)
    for _ in range(5):
        await hub.clients.balance(world.client_ids[0])
    with pytest.raises(RateLimitError) as limited:
        await hub.clients.balance(world.client_ids[0])
    assert limited.value.status_code == 429 and limited.value.retry_after
    assert 0 < limited.value.retry_after <= 30

    # With retries, the SDK waits what the server asked for (without really waiting here).
    patient = AsyncPartnerClient(
        world.partner_id,
        api_key=world.api_key,
        base_url=BASE_URL,
        http_client=client,
        max_retries=2,
        sleep=sleep,
    )
    with pytest.raises(RateLimitError):
        await patient.clients.balance(world.client_ids[0])
    assert len(waits) == 2 and all(0 < w <= 30 for w in waits)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, ValidationError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, ValidationError),
        (429, RateLimitError),
        (500, ServerError),
        (503, ServerError),
        (418, APIStatusError),
    ],
)
async def test_each_status_maps_to_its_class(status: int, cls: type[APIStatusError]) -> None:
    app = Scripted([(status, {"retry-after": "1"}, meta(status, f"failed with {status}"))])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
        hub = AsyncPartnerClient(
            "sdkPA", api_key="k", base_url=BASE_URL, http_client=http, max_retries=0
        )
        with pytest.raises(cls) as caught:
            await hub.partner.get()
    error = caught.value
    assert type(error) is cls and isinstance(error, PartnerHubError)
    assert (error.status_code, error.request_id, error.message) == (
        status,
        "req-1",
        f"failed with {status}",
    )
    assert error.meta is not None and error.meta.http_code == status
    assert str(error) == f"{status}: failed with {status} | request_id=req-1"


async def test_graph_error_body_of_the_messaging_api() -> None:
    graph = {
        "error": {
            "message": "Re-engagement message",
            "type": "OAuthException",
            "code": 131047,
            "fbtrace_id": "abc",
        }
    }
    app = Scripted([(400, {}, graph)])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
        messaging = AsyncMessagingClient("chkey", base_url=BASE_URL, http_client=http)
        with pytest.raises(ValidationError) as caught:
            await messaging.messages.send_text("4915112345678", "hi")
    error = caught.value
    assert error.meta is None and error.error is not None and error.error["code"] == 131047
    assert "Re-engagement message" in str(error) and "131047" in str(error)


async def test_non_json_error_body_keeps_the_text() -> None:
    app = Scripted([(502, {"content-type": "text/html"}, b"<h1>Bad gateway</h1>")])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
        hub = AsyncPartnerClient(
            "sdkPA", api_key="k", base_url=BASE_URL, http_client=http, max_retries=0
        )
        with pytest.raises(ServerError) as caught:
            await hub.partner.get()
    assert caught.value.body == "<h1>Bad gateway</h1>" and caught.value.meta is None


async def test_connection_error_after_retries() -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    hub = AsyncPartnerClient(
        "sdkPA",
        api_key="k",
        base_url=f"http://127.0.0.1:{free_port()}",
        max_retries=2,
        sleep=sleep,
    )
    async with hub:
        with pytest.raises(APIConnectionError) as caught:
            await hub.partner.get()
    assert caught.value.request is not None
    assert len(waits) == 2 and waits[0] <= 0.5 <= waits[1] <= 1.0  # exponential, jittered


async def test_unexpected_success_body_is_a_partnerhub_error() -> None:
    app = Scripted([(200, {}, {"not": "a partner"})])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
        hub = AsyncPartnerClient("sdkPA", api_key="k", base_url=BASE_URL, http_client=http)
        with pytest.raises(PartnerHubError, match="unexpected response body"):
            await hub.partner.get()

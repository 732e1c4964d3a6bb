"""Assertions on the partner API's error envelopes, and the OAuth password login."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import PartnerCreds


def assert_error(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    meta = response.json()["meta"]
    assert meta["success"] is False
    assert meta["http_code"] == status
    assert isinstance(meta["developer_message"], str) and meta["developer_message"]
    assert meta["360dialog_trace_id"] == response.headers["x-request-id"]
    assert isinstance(meta["details"], list)
    if field is not None:
        assert field in meta["developer_message"], meta
        assert any(d.startswith(field) for d in meta["details"]), meta
    return dict(meta)


def assert_oauth_error(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "error_description"}
    assert body["error"] == error and body["error_description"]
    assert "meta" not in body


async def login(client: httpx.AsyncClient, partner: PartnerCreds) -> dict[str, Any]:
    response = await client.post(
        "/api/v2/token", json={"username": partner.email, "password": partner.password}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body

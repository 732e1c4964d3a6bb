"""The spec's curl examples (§2.2, §4), replayed with real curl against a server process."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


def curl(*args: str) -> tuple[int, dict[str, Any] | str, dict[str, str]]:
    """Run curl the way the docs do; return status, parsed body and response headers."""
    # Bytes, not text mode: text mode would fold the \r\n that separates head from body.
    out = subprocess.run(
        ["curl", "-sS", "-i", *args], capture_output=True, timeout=30, check=True
    ).stdout.decode()
    head, _, body = out.partition("\r\n\r\n")
    lines = head.split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    try:
        return status, json.loads(body), headers
    except json.JSONDecodeError:
        return status, body, headers


def test_seed_examples(live_server: LiveServer) -> None:
    base, pid, key = live_server.base_url, live_server.partner_id, live_server.api_key

    # §2.2: POST /api/v2/token with a JSON body.
    status, token, _ = curl(
        "--request",
        "POST",
        "--url",
        f"{base}/api/v2/token",
        "--header",
        "Content-Type: application/json",
        "--data",
        json.dumps({"username": live_server.email, "password": live_server.password}),
    )
    assert status == 200 and isinstance(token, dict)
    assert token["token_type"] == "Bearer" and token["expires_in"] == 86400
    assert token["access_token"].count(".") == 2 and token["refresh_token"]

    # §4: GET partner info, with the API key and with the bearer token.
    status, info, headers = curl(f"{base}/api/v2/partners/{pid}", "--header", f"X-API-Key: {key}")
    assert status == 200 and isinstance(info, dict)
    assert info["id"] == pid and info["brand_name"] == "360dialog" and info["country"] == "US"
    assert headers["content-type"].startswith("application/json") and headers["x-request-id"]
    status, by_token, _ = curl(
        f"{base}/api/v2/partners/{pid}",
        "--header",
        f"Authorization: Bearer {token['access_token']}",
    )
    assert status == 200 and by_token == info

    # §4: PATCH partner webhook_url and partner_redirect_url.
    status, patched, _ = curl(
        "--request",
        "PATCH",
        "--url",
        f"{base}/api/v2/partners/{pid}",
        "--header",
        f"X-API-Key: {key}",
        "--header",
        "Content-Type: application/json",
        "--data",
        '{"webhook_url": "https://yourwebsite.com/webhook", '
        '"partner_redirect_url": "https://yourwebsite.com/redirect"}',
    )
    assert status == 200 and isinstance(patched, dict)
    assert patched["webhook_url"] == "https://yourwebsite.com/webhook"
    assert patched["partner_redirect_url"] == "https://yourwebsite.com/redirect"

    # §4: GET and POST webhook_url (curl -d without a content type, as people type it).
    status, hook, _ = curl(f"{base}/api/v2/partners/{pid}/webhook_url", "-H", f"x-api-key: {key}")
    assert (status, hook) == (200, {"webhook_url": "https://yourwebsite.com/webhook"})
    status, posted, _ = curl(
        f"{base}/api/v2/partners/{pid}/webhook_url",
        "-H",
        f"X-API-Key: {key}",
        "-d",
        '{"webhook_url": "https://yourwebsite.com/new-webhook"}',
    )
    assert status == 200 and isinstance(posted, dict)
    assert posted["webhook_url"] == "https://yourwebsite.com/new-webhook"

    # §4: the docs' own partner_change_request example sends "true" as a string.
    status, change, _ = curl(
        "--request",
        "PATCH",
        "--url",
        f"{base}/api/v2/partners/{pid}/settings/partner_change_request",
        "--header",
        f"X-API-Key: {key}",
        "--header",
        "Content-Type: application/json",
        "--data",
        '{ "auto_approve": "true" }',
    )
    assert (status, change) == (200, {"auto_approve": True})

    # [ours] API keys: create (shown once), list (never the secret), revoke (401 at once).
    status, created, _ = curl(
        f"{base}/api/v2/partners/{pid}/api_keys",
        "-H",
        f"X-API-Key: {key}",
        "-H",
        "Content-Type: application/json",
        "-d",
        '{"name": "Prod Server"}',
    )
    assert status == 201 and isinstance(created, dict) and created["name"] == "Prod Server"
    status, listed, _ = curl(f"{base}/api/v2/partners/{pid}/api_keys", "-H", f"X-API-Key: {key}")
    assert status == 200 and isinstance(listed, dict) and listed["total"] == 2
    assert created["api_key"] not in json.dumps(listed)
    status, _, _ = curl(
        "-X",
        "DELETE",
        f"{base}/api/v2/partners/{pid}/api_keys/{created['id']}",
        "-H",
        f"X-API-Key: {key}",
    )
    assert status == 204
    status, denied, headers = curl(
        f"{base}/api/v2/partners/{pid}", "-H", f"X-API-Key: {created['api_key']}"
    )
    assert status == 401 and isinstance(denied, dict)
    assert denied["meta"]["http_code"] == 401 and denied["meta"]["success"] is False


def test_ops_endpoints(live_server: LiveServer) -> None:
    base = live_server.base_url
    live = httpx.get(f"{base}/livez").json()
    assert live["status"] == "ok" and live["instance_id"] and live["version"]
    ready = httpx.get(f"{base}/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ok"
    health = httpx.get(f"{base}/healthz").json()
    assert health["status"] == "ok" and health["database"]["ok"] is True
    schema = httpx.get(f"{base}/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["ApiKeyAuth"] == {
        "type": "apiKey",
        "name": "X-API-Key",
        "in": "header",
        "description": "Partner API key (preferred).",
    }
    assert schemes["BearerAuth"]["scheme"] == "bearer"
    assert schemes["BearerAuth"]["bearerFormat"] == "JWT"
    operation = schema["paths"]["/api/v2/partners/{partner_id}"]["patch"]
    assert {"ApiKeyAuth": []} in operation["security"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "PartnerPatch"
    )
    assert "/api/v2/token" in schema["paths"]
    docs = httpx.get(f"{base}/docs")
    assert docs.status_code == 200 and "text/html" in docs.headers["content-type"]
    assert "/api/v2/partners/{partner_id}/webhook_url" in docs.text
    assert "cdn" not in docs.text.lower()  # self-contained: works offline


def test_access_log_carries_the_request_id(live_server: LiveServer) -> None:
    response = httpx.get(
        f"{live_server.base_url}/api/v2/partners/{live_server.partner_id}",
        headers={"X-API-Key": live_server.api_key, "X-Request-Id": "trace-e2e-1"},
    )
    assert response.headers["x-request-id"] == "trace-e2e-1"
    live_server.process.terminate()
    live_server.process.wait(15)
    lines = [json.loads(line) for line in live_server.log().splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("request_id") == "trace-e2e-1"]
    assert access and access[0]["status"] == 200 and access[0]["event"] == "request"

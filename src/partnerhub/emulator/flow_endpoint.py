"""Meta's side of WhatsApp Flows' data exchange [emulated]: what WhatsApp posts to a business's
Flow endpoint, and how it reads the answer ("Implementing Endpoint for Flows",
developers.facebook.com; choices in docs/fidelity.md, "WhatsApp Flows: encryption, data
exchange and completion").

:func:`exchange` seals the request with the number's business public key
(:mod:`partnerhub.domain.messaging.flow_crypto`), posts it, and opens the answer. The endpoint's
HTTP status codes mean what Meta documents:

- 200: the base64 answer, encrypted with the request's AES key and the flipped IV;
- 421: the request did not decrypt: WhatsApp re-reads the business public key and sends the
  request again once (a fresh AES key); a second 421 fails the exchange
  (``public_key_refresh_failed``);
- 427: the ``flow_token`` is no longer valid: the client shows an error and stops
  (``flow_token_invalid``);
- 432: the request's signature (``X-Hub-Signature-256``) did not verify
  (``signature_invalid``).

Anything else (another status, no connection, more than :data:`TIMEOUT_SECONDS`, an answer
that does not decrypt or is not what the action expects) fails the exchange with a code of
ours; the caller gets every detail, never an exception.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from partnerhub.adapters.delivery.engine import SafeResolver
from partnerhub.domain.messaging.flow_crypto import (
    FlowCryptoError,
    decrypt_response,
    encrypt_request,
)
from partnerhub.domain.webhooks.ssrf import UnsafeUrl, check_destination

# Meta: "the endpoint must respond within 10 seconds".
TIMEOUT_SECONDS = 10.0
MAX_RESPONSE_BYTES = 1024 * 1024
DATA_API_VERSION = "3.0"
ACTIONS = ("INIT", "data_exchange", "BACK", "ping")

# The statuses Meta gives a meaning, and the error each becomes when the exchange ends there.
KEY_REFRESH = 421
FLOW_TOKEN_INVALID = 427
SIGNATURE_INVALID = 432
_STATUS_ERRORS = {
    KEY_REFRESH: (
        "public_key_refresh_failed",
        "The endpoint answered 421 (the request did not decrypt) again after WhatsApp re-read "
        "the business public key: the endpoint's private key does not match the number's key",
    ),
    FLOW_TOKEN_INVALID: (
        "flow_token_invalid",
        "The endpoint answered 427: the flow_token is no longer valid; WhatsApp shows the user "
        "an error and the Flow cannot continue",
    ),
    SIGNATURE_INVALID: (
        "signature_invalid",
        "The endpoint answered 432: the request's X-Hub-Signature-256 did not verify",
    ),
}


@dataclass
class Exchange:
    """One data exchange as the control reports it."""

    action: str
    request: dict[str, Any]
    attempts: int = 0
    http_status: int | None = None
    response: dict[str, Any] | None = None
    error: dict[str, str] | None = None
    statuses: list[int] = field(default_factory=list)

    def fail(self, code: str, message: str) -> Exchange:
        self.error = {"code": code, "message": message}
        return self

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "request": self.request,
            "attempts": self.attempts,
            "http_statuses": self.statuses,
            "http_status": self.http_status,
            "response": self.response,
            "ok": self.error is None,
            "error": self.error,
        }


def request_payload(
    action: str,
    flow_token: str | None,
    screen: str | None,
    data: dict[str, Any] | None,
    version: str = DATA_API_VERSION,
) -> dict[str, Any]:
    """The decrypted request, with exactly the keys Meta sends for ``action``."""
    if action == "ping":
        return {"version": version, "action": "ping"}
    payload: dict[str, Any] = {"version": version, "action": action}
    # Meta: for INIT and BACK, screen and data "may not be populated"; they are sent when
    # given (an error notification is an INIT or data_exchange with data.error).
    if screen is not None:
        payload["screen"] = screen
    if action == "data_exchange" or data:
        payload["data"] = dict(data or {})
    payload["flow_token"] = flow_token
    return payload


def _answer_problem(action: str, payload: dict[str, Any], answer: dict[str, Any]) -> str | None:
    """What is wrong with a decrypted answer for ``action`` (None: nothing)."""
    data = answer.get("data")
    if action == "ping":
        if not isinstance(data, dict) or data.get("status") != "active":
            return 'a health check must be answered {"data": {"status": "active"}}'
        return None
    sent = payload.get("data")
    if isinstance(sent, dict) and "error" in sent:  # an error notification
        if not isinstance(data, dict) or data.get("acknowledged") is not True:
            return 'an error notification must be answered {"data": {"acknowledged": true}}'
        return None
    if not isinstance(answer.get("screen"), str) or not answer["screen"]:
        return "the answer must name the next screen (screen)"
    if "data" in answer and not isinstance(data, dict):
        return "data must be an object"
    return None


def completion_params(report: Exchange) -> dict[str, Any] | None:
    """The ``params`` of an answer that ends the Flow (Meta: the ``SUCCESS`` screen with
    ``data.extension_message_response.params``, which become the ``nfm_reply``'s
    ``response_json``); None for any other answer."""
    answer = report.response
    if report.error is not None or answer is None or answer.get("screen") != "SUCCESS":
        return None
    data = answer.get("data")
    extension = data.get("extension_message_response") if isinstance(data, dict) else None
    params = extension.get("params") if isinstance(extension, dict) else None
    return params if isinstance(params, dict) else None


def signature(body: bytes, app_secret: str) -> str:
    """``X-Hub-Signature-256``: HMAC-SHA256 of the raw body with the app secret."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


async def exchange(
    endpoint_uri: str,
    public_key: str,
    payload: dict[str, Any],
    *,
    safe: bool,
    app_secret: str | None = None,
    timeout_seconds: float = TIMEOUT_SECONDS,
) -> Exchange:
    """Send ``payload`` to the endpoint as WhatsApp does; ``safe``: the SSRF rules apply (hub
    policy), on the URL and on the addresses connected to."""
    report = Exchange(action=str(payload.get("action")), request=payload)
    if safe:
        try:
            await check_destination(endpoint_uri)
        except UnsafeUrl as exc:
            return report.fail("endpoint_refused", f"endpoint_uri {exc}")
    resolver = SafeResolver() if safe else None
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(resolver=resolver, limit=4),
        timeout=aiohttp.ClientTimeout(total=timeout_seconds),
        cookie_jar=aiohttp.DummyCookieJar(),
    ) as http:
        # A 421 is answered by re-reading the key and trying once more.
        for _ in range(2):
            report.attempts += 1
            sealed = encrypt_request(payload, public_key)
            body = json.dumps(sealed.body).encode()
            headers = {"content-type": "application/json"}
            if app_secret:
                headers["x-hub-signature-256"] = signature(body, app_secret)
            try:
                async with http.post(
                    endpoint_uri, data=body, headers=headers, allow_redirects=False
                ) as answer:
                    status = answer.status
                    text = await answer.content.read(MAX_RESPONSE_BYTES + 1)
            except TimeoutError:
                return report.fail(
                    "timeout", f"The endpoint did not answer within {timeout_seconds:g} seconds"
                )
            except (aiohttp.ClientError, OSError, ValueError) as exc:
                return report.fail("endpoint_unreachable", f"{type(exc).__name__}: {exc}")
            report.http_status = status
            report.statuses.append(status)
            if status != KEY_REFRESH:
                break
        if status in _STATUS_ERRORS:
            return report.fail(*_STATUS_ERRORS[status])
        if status != 200:
            return report.fail("http_error", f"The endpoint answered HTTP {status}, not 200")
        if len(text) > MAX_RESPONSE_BYTES:
            return report.fail("response_too_large", f"over {MAX_RESPONSE_BYTES} bytes")
        try:
            report.response = decrypt_response(text, sealed.aes_key, sealed.iv)
        except FlowCryptoError as exc:
            return report.fail("response_decryption_failed", str(exc))
        problem = _answer_problem(report.action, payload, report.response)
        if problem is not None:
            return report.fail("invalid_response", problem)
        return report

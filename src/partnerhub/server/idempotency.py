"""``Idempotency-Key`` on every POST of the Partner API, as a bare ASGI middleware.

A POST under ``/api/v2/partners/{partner_id}/`` that carries the header is run once per partner
and key: sent again with the same body it gets the first answer back (with
``Idempotent-Replayed: true``); with a different method, path or body it gets 409; while the
first is still running, 409 too. Only the credential that sent the first request (the same API
key, or the same login's token family) gets its answer replayed: another credential of the
partner sending the key gets 409, so a secret shown once is never shown to a colleague's key,
nor after the key that created it was revoked. Keys are kept
``PARTNERHUB_IDEMPOTENCY_KEY_TTL_SECONDS`` (24 h). Answers of 5xx and 429 are not kept (the
request may be tried again with its key), and neither is anything before the caller is known:
credentials are checked first, and a caller that is not the path's partner is passed on to the
handler, which refuses it as usual.

Stored answers may carry secrets shown once (a new API key, a channel key). They are encrypted
with AES-GCM under a key derived from the server's master key and the Idempotency-Key, and the
table holds only the Idempotency-Key's SHA-256: a copy of the database alone reveals nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from partnerhub.adapters.idempotency import (
    Claimed,
    IdempotencyStore,
    InProgress,
    Mismatch,
    OtherCredential,
)
from partnerhub.domain.errors import DomainError
from partnerhub.server.auth import PRINCIPAL, authenticate_scope
from partnerhub.server.middleware import send_meta_error

HEADER = b"idempotency-key"
_PARTNER_PATH = re.compile(r"^/api/v2/partners/([^/]+)/")
_VALID_KEY = re.compile(rb"^[\x21-\x7e]{1,255}$")  # visible ASCII, as Stripe and the IETF draft
_NOT_KEPT = {429}
_FIELD = "Idempotency-Key"


def fingerprint(scope: Mapping[str, Any], body: bytes) -> str:
    """The request a key stands for: method, path, query and body (JSON compared by value)."""
    try:
        canonical = json.dumps(
            json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    except (ValueError, RecursionError):
        canonical = body
    digest = hashlib.sha256()
    for part in (scope["method"].encode(), scope["path"].encode(), scope["query_string"]):
        digest.update(part)
        digest.update(b"\0")
    digest.update(canonical)
    return digest.hexdigest()


def _cipher(master_key: str, partner_id: str, key: bytes) -> AESGCM:
    material = hmac.new(
        master_key.encode(), b"idempotency\0" + partner_id.encode() + b"\0" + key, hashlib.sha256
    ).digest()
    return AESGCM(material)


def seal(master_key: str, partner_id: str, key: bytes, plain: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + _cipher(master_key, partner_id, key).encrypt(nonce, plain, partner_id.encode())


def unseal(master_key: str, partner_id: str, key: bytes, sealed: bytes) -> bytes | None:
    try:
        return _cipher(master_key, partner_id, key).decrypt(
            sealed[:12], sealed[12:], partner_id.encode()
        )
    except (InvalidTag, ValueError):
        return None  # a different master key since it was stored


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, asgi_scope: Scope, receive: Receive, send: Send) -> None:
        scope: dict[str, Any] = asgi_scope  # type: ignore[assignment]
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(asgi_scope, receive, send)
            return
        match = _PARTNER_PATH.match(scope["path"])
        key = next((value for name, value in scope["headers"] if name == HEADER), None)
        if match is None or key is None:
            await self.app(asgi_scope, receive, send)
            return
        request_id = scope.get("state", {}).get("request_id")
        if not _VALID_KEY.match(key):
            message = f"{_FIELD}: must be 1 to 255 visible ASCII characters"
            await send_meta_error(send, 400, message, [message], request_id)
            return
        partner_id = match.group(1)
        state = scope["app"].state.partnerhub
        try:
            principal = await authenticate_scope(state, scope)
        except DomainError:
            principal = None
        if principal is None or principal.partner_id != partner_id:
            await self.app(asgi_scope, receive, send)  # the handler refuses it as it always does
            return
        scope.setdefault("state", {})[PRINCIPAL] = principal  # the handler need not ask again

        body, complete, messages = await _read_body(receive, state.settings.max_body_bytes)
        if not complete:  # too large or the client left: the handler answers that as usual
            await self.app(asgi_scope, _replaying(messages, receive), send)
            return

        store: IdempotencyStore = state.idempotency
        key_digest = hashlib.sha256(key).hexdigest()
        request_print = fingerprint(scope, body)
        credential = principal.credential_id
        claim = await store.claim(partner_id, key_digest, request_print, credential)
        if isinstance(claim, OtherCredential):
            message = (
                f"{_FIELD}: this key was already used by another credential of this partner; "
                "use a new key for a new request"
            )
            await send_meta_error(send, 409, message, [message], request_id)
            return
        if isinstance(claim, Mismatch):
            message = (
                f"{_FIELD}: this key was already used for a different request "
                "(method, path or body); use a new key for a new request"
            )
            await send_meta_error(send, 409, message, [message], request_id)
            return
        if isinstance(claim, InProgress):
            await _in_progress(send, request_id)
            return
        if not isinstance(claim, Claimed):
            plain = unseal(state.master_key, partner_id, key, claim.body)
            if plain is not None:
                await _send_stored(send, claim.status_code, claim.content_type, plain)
                return
            # Stored under another master key: it cannot be replayed, so run the request anew.
            await store.release(partner_id, key_digest)
            claim = await store.claim(partner_id, key_digest, request_print, credential)
            if not isinstance(claim, Claimed):
                await _in_progress(send, request_id)
                return

        status = 500
        content_type: str | None = None
        chunks: list[bytes] = []
        # The response's last message waits until the answer is stored: a client that retries
        # the moment it has read the response must get the replay, not "still in progress".
        last: Message | None = None

        async def recording_send(message: Message) -> None:
            nonlocal status, content_type, last
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", []):
                    if name.lower() == b"content-type":
                        content_type = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    last = message
                    return
            await send(message)

        try:
            await self.app(asgi_scope, _replaying(messages, receive), recording_send)
        finally:
            try:
                if status >= 500 or status in _NOT_KEPT:
                    await store.release(partner_id, key_digest)
                else:
                    sealed = seal(state.master_key, partner_id, key, b"".join(chunks))
                    await store.finish(partner_id, key_digest, status, content_type, sealed)
            finally:
                if last is not None:  # even when storing failed: the write itself is done
                    await send(last)


async def _in_progress(send: Any, request_id: str | None) -> None:
    message = f"{_FIELD}: a request with this key is still in progress; retry later"
    await send_meta_error(send, 409, message, [message], request_id, [(b"retry-after", b"1")])


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, bool, list[dict[str, Any]]]:
    """The whole body if it fits in ``limit``; the messages read so far either way."""
    messages: list[dict[str, Any]] = []
    size = 0
    while True:
        message: dict[str, Any] = await receive()  # type: ignore[assignment]
        messages.append(message)
        if message["type"] != "http.request":
            return b"", False, messages
        size += len(message.get("body", b""))
        if size > limit:
            return b"", False, messages
        if not message.get("more_body", False):
            body = b"".join(m.get("body", b"") for m in messages)
            return body, True, messages


def _replaying(messages: list[dict[str, Any]], receive: Receive) -> Receive:
    """A ``receive`` that gives back what was already read, then carries on with the original."""
    pending = list(messages)

    async def replay() -> Any:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


async def _send_stored(send: Any, status: int, content_type: str | None, body: bytes) -> None:
    headers = [
        (b"content-length", str(len(body)).encode()),
        (b"idempotent-replayed", b"true"),
    ]
    if content_type:
        headers.append((b"content-type", content_type.encode("latin-1")))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

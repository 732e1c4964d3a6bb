"""Credentials as ``httpx.Auth`` flows, so they work with any httpx client a caller brings.

- :class:`ApiKeyAuth` sets one header: ``X-API-Key`` (Partner API) or ``D360-API-KEY``
  (Messaging API).
- :class:`TokenAuth` logs in with a username and password at ``POST /api/v2/token`` and keeps
  the bearer token. It refreshes shortly before ``expires_in`` runs out (refresh grant first;
  if the refresh token is spent or expired, the password again), and once more when the server
  answers 401 anyway (its clock is the one that counts, e.g. the emulator's virtual clock).

Refresh tokens rotate and are single-use: two concurrent refreshes with the same token would
make the server revoke the whole login. So every token fetch happens under a lock (a thread lock
for sync clients, an anyio lock for async ones), and a request that saw a 401 refreshes only if
nobody else already replaced the token it used.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncGenerator, Callable, Generator

import anyio
import httpx
import msgspec

from partnerhub.client._errors import error_from_response
from partnerhub.wire.auth import TokenResponse

__all__ = ["ApiKeyAuth", "TokenAuth"]

PARTNER_KEY_HEADER = "X-API-Key"
CHANNEL_KEY_HEADER = "D360-API-KEY"


class ApiKeyAuth(httpx.Auth):
    """A static key in a header; never logged, never sent anywhere but the request's host."""

    def __init__(self, key: str, header: str = PARTNER_KEY_HEADER) -> None:
        self._key = key
        self._header = header

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self._header] = self._key
        yield request


class TokenAuth(httpx.Auth):
    """Bearer tokens from a username and password, cached and refreshed (see module docs).

    ``clock`` returns seconds on any monotonic scale; tests pass a fake one to reach expiry
    without waiting. A token is renewed ``leeway`` seconds (at most a tenth of its lifetime)
    before it expires, so a request never leaves with a token that dies on the way.
    """

    def __init__(
        self,
        token_url: str,
        username: str,
        password: str,
        *,
        leeway: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._token_url = token_url
        self._username = username
        self._password = password
        self._leeway = leeway
        self._clock = clock
        self._access: str | None = None
        self._refresh: str | None = None
        self._renew_at = 0.0
        self._thread_lock = threading.Lock()
        self._async_lock = anyio.Lock()

    @property
    def access_token(self) -> str | None:
        """The cached access token (``None`` before the first request)."""
        return self._access

    def use_password(self, password: str) -> None:
        """Sign in with ``password`` from now on and forget the tokens: a password change
        ended every login of the user on the server, this one included."""
        self._password = password
        self._access = self._refresh = None
        self._renew_at = 0.0

    def _fresh(self) -> bool:
        return self._access is not None and self._clock() < self._renew_at

    def _grant(self, body: dict[str, str]) -> httpx.Request:
        return httpx.Request(
            "POST",
            self._token_url,
            content=msgspec.json.encode(body),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )

    def _keep(self, response: httpx.Response) -> None:
        pair = msgspec.json.decode(response.content, type=TokenResponse)
        self._access, self._refresh = pair.access_token, pair.refresh_token
        self._renew_at = self._clock() + pair.expires_in - min(self._leeway, pair.expires_in / 10)

    def _obtain(self) -> Generator[httpx.Request, httpx.Response, None]:
        """Fetch a new pair: refresh grant if we hold a refresh token, else (or if it was
        refused) the password grant. Yields the token requests; callers hold the lock."""
        self._access = None
        if self._refresh is not None:
            refresh, self._refresh = self._refresh, None  # single-use either way
            response = yield self._grant({"refresh_token": refresh})
            if response.is_success:
                self._keep(response)
                return
            if response.status_code not in (400, 401):
                raise error_from_response(response)
        response = yield self._grant({"username": self._username, "password": self._password})
        if not response.is_success:
            raise error_from_response(response)
        self._keep(response)

    @staticmethod
    def _apply(request: httpx.Request, token: str | None) -> None:
        request.headers["Authorization"] = f"Bearer {token}"

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        with self._thread_lock:
            if not self._fresh():
                yield from _reading(self._obtain())
            used = self._access
        self._apply(request, used)
        response = yield request
        if response.status_code != 401:
            return
        with self._thread_lock:
            if self._access == used:
                yield from _reading(self._obtain())
            self._apply(request, self._access)
        yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        async with self._async_lock:
            if not self._fresh():
                sub = self._obtain()
                grant = _advance(sub)
                while grant is not None:
                    answer = yield grant
                    await answer.aread()
                    grant = _advance(sub, answer)
            used = self._access
        self._apply(request, used)
        response = yield request
        if response.status_code != 401:
            return
        async with self._async_lock:
            if self._access == used:
                sub = self._obtain()
                grant = _advance(sub)
                while grant is not None:
                    answer = yield grant
                    await answer.aread()
                    grant = _advance(sub, answer)
            self._apply(request, self._access)
        yield request


def _reading(
    flow: Generator[httpx.Request, httpx.Response, None],
) -> Generator[httpx.Request, httpx.Response, None]:
    """Pass a token sub-flow's requests through, reading each answer's body for it (httpx
    reads bodies for auth flows only in its default ``sync_auth_flow``, which we replace)."""
    grant = _advance(flow)
    while grant is not None:
        answer = yield grant
        answer.read()
        grant = _advance(flow, answer)


def _advance(
    flow: Generator[httpx.Request, httpx.Response, None], response: httpx.Response | None = None
) -> httpx.Request | None:
    """One step of a sync sub-flow, for async generators, which have no ``yield from``."""
    try:
        return next(flow) if response is None else flow.send(response)
    except StopIteration:
        return None

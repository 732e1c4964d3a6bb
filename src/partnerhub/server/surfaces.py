"""Which surface a request path belongs to, for answers that no route gives (404, 405).

One process serves several surfaces (spec §1), and each answers errors in its own shape: the
Partner API the ``meta`` envelope, the Messaging API Meta's Graph shape (its clients read
``error.code``). A path that matches no route still has to be answered in one of them, so the
split is by prefix, decided here once:

- ``/api/`` — the Partner API (``/api/v2/...``, ``/api/v2/token``);
- ``/hub``, ``/dashboard``, ``/_emulator`` — the dashboard, the onboarding pages, the emulator;
- the ops paths ``/livez``, ``/readyz``, ``/healthz``, ``/metrics``, ``/openapi.json``,
  ``/docs``, ``/schema``;
- everything else — the Messaging API. 360dialog serves it on its own host
  (waba-v2.360dialog.io), where every path is a Messaging API path (``/messages``,
  ``/v1/...``, Graph-style ``/{phone_number_id}/...`` and ``/media`` paths), so a client that
  got a path wrong is a Messaging API client.
"""

from __future__ import annotations

from enum import StrEnum


class Surface(StrEnum):
    PARTNER_API = "partner_api"
    MESSAGING_API = "messaging_api"
    OTHER = "other"  # dashboard, onboarding pages, emulator controls, ops


_OTHER_PREFIXES = ("/hub", "/dashboard", "/_emulator", "/schema")
_OPS_PATHS = frozenset(
    {"/livez", "/readyz", "/healthz", "/metrics", "/openapi.json", "/docs", "/favicon.ico"}
)


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def surface_of(path: str) -> Surface:
    """The surface whose error shape answers ``path`` (a request path, without query)."""
    if _under(path, "/api"):
        return Surface.PARTNER_API
    if path.rstrip("/") in _OPS_PATHS or any(_under(path, p) for p in _OTHER_PREFIXES):
        return Surface.OTHER
    return Surface.MESSAGING_API

"""``POST /messages`` (and its sandbox alias ``POST /v1/messages``, and MM Lite's
``POST /marketing_messages``) as hot routes.

Sending is the one endpoint partners call at volume (every WhatsApp message their product
sends): the channel key, the body, the group-committed send and the answer, with the same
checks, in the same order, and the same Graph-shaped errors as the routed handler in
:mod:`partnerhub.server.routes.messaging`. Measured in docs/benchmarks.md ("POST /messages").
"""

from __future__ import annotations

from typing import Any

from litestar.types import Receive

from partnerhub.server.fastpath.dispatch import GRAPH, HotRoute, read_body
from partnerhub.server.routes.messaging import (
    MARKETING_PATH,
    SEND_PATHS,
    answer_send,
    channel_key,
    decode_json_body,
)
from partnerhub.server.state import AppState


async def send_message(
    state: AppState, scope: dict[str, Any], receive: Receive, _params: tuple[str, ...]
) -> tuple[int, dict[str, Any]]:
    """The routed handler's steps: who is calling first, then the body, then the send."""
    principal = await state.channel_keys.authenticate(channel_key(scope["headers"]))
    raw = await read_body(scope, receive, state.settings.max_body_bytes)
    return 200, await answer_send(state, principal, decode_json_body(raw))


async def send_marketing_message(
    state: AppState, scope: dict[str, Any], receive: Receive, _params: tuple[str, ...]
) -> tuple[int, dict[str, Any]]:
    """MM Lite: the same steps, the send refused unless it is a marketing template of a WABA
    that accepted the terms (``mm_lite``)."""
    principal = await state.channel_keys.authenticate(channel_key(scope["headers"]))
    raw = await read_body(scope, receive, state.settings.max_body_bytes)
    return 200, await answer_send(state, principal, decode_json_body(raw), mm_lite=True)


ROUTES = (
    *(HotRoute("POST", path, GRAPH, send_message) for path in SEND_PATHS),
    HotRoute("POST", MARKETING_PATH, GRAPH, send_marketing_message),
)

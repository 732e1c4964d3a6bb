"""``/_emulator`` controls for WhatsApp Flows at run time [ours]: what WhatsApp does while a
user goes through a Flow.

- ``POST /_emulator/flows/data_exchange``: WhatsApp asks the Flow's endpoint for a screen
  (``INIT``, ``data_exchange``, ``BACK``) or checks its health (``ping``), encrypted with the
  number's business public key as Meta does (:mod:`partnerhub.emulator.flow_endpoint`); the
  answer is the decrypted response, or the error Meta would see.
- ``POST /_emulator/flows/complete``: the user finishes a Flow: the ``interactive``
  ``nfm_reply`` message arrives through the number's messaging webhook.

They take what they need (channel, endpoint URI, flow token) as parameters: they work for any
Flow, whatever manages it.
"""

from __future__ import annotations

import json
import time
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, post

from partnerhub.domain.clients.model import WabaAccount
from partnerhub.domain.clock import isoformat
from partnerhub.domain.errors import InvalidInput, NotFound
from partnerhub.domain.flows import endpoint_health
from partnerhub.domain.flows.model import Flow
from partnerhub.domain.messaging import services
from partnerhub.domain.messaging.validation import phone_digits
from partnerhub.domain.ports import UnitOfWork
from partnerhub.emulator import flow_endpoint
from partnerhub.emulator.routes.guard import guard
from partnerhub.server.auth import app_state
from partnerhub.server.body import read_body
from partnerhub.server.openapi import documents_body
from partnerhub.server.state import AppState

Uri = Annotated[str, msgspec.Meta(min_length=1, max_length=2048, pattern=r"^https?://\S+$")]
Token = Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]


class DataExchangeIn(msgspec.Struct, forbid_unknown_fields=True):
    channel_id: str
    endpoint_uri: Uri
    action: Literal["INIT", "data_exchange", "BACK", "ping"] = "data_exchange"
    flow_token: Token | None = None
    screen: Annotated[str, msgspec.Meta(min_length=1, max_length=256)] | None = None
    data: dict[str, Any] | None = None
    version: str = flow_endpoint.DATA_API_VERSION
    # Sign the request (X-Hub-Signature-256) with this app secret, as Meta signs with the app's.
    app_secret: str | None = None
    # The user going through the Flow: when the endpoint ends it (the SUCCESS screen with
    # extension_message_response), their nfm_reply is delivered as WhatsApp would.
    from_: str | None = msgspec.field(name="from", default=None)
    context_message_id: str | None = None
    # The Flow whose endpoint this is: its metrics count the request and its endpoint health
    # alerts follow it. Without it, the WABA's Flow with this endpoint_uri (if exactly one).
    flow_id: str | None = None


class CompleteIn(msgspec.Struct, forbid_unknown_fields=True):
    channel_id: str
    from_: str = msgspec.field(name="from")
    flow_token: Token | None = None
    # What the Flow's last screen sent (its complete action's payload).
    response: dict[str, Any] = {}
    context_message_id: str | None = None
    profile_name: str | None = None
    body: str = "Sent"


@post(
    "/flows/data_exchange",
    summary=(
        "WhatsApp calls a Flow's endpoint (INIT, data_exchange, BACK, ping), encrypted with the "
        "channel's business public key as Meta does; the decrypted answer, or Meta's error"
    ),
    status_code=200,
)
@documents_body(DataExchangeIn)
async def data_exchange(request: Request[Any, Any, Any]) -> dict[str, Any]:
    await guard(request)
    body = await read_body(request, DataExchangeIn)
    if body.action != "ping" and body.flow_token is None:
        raise InvalidInput("flow_token", f"is required for action {body.action}")
    if body.action in ("data_exchange", "BACK") and body.screen is None:
        raise InvalidInput("screen", f"is required for action {body.action}")
    if body.from_ is not None:
        try:
            phone_digits(body.from_)
        except ValueError as exc:
            raise InvalidInput("from", str(exc)) from None
    state = app_state(request)
    async with state.uow() as uow:
        owner = await uow.clients.owner_of_channel(body.channel_id)
        key = None if owner is None else await uow.profiles.get_encryption_key(body.channel_id)
        watched = None
        if owner is not None:
            watched = await _watched_flow(uow, owner, body.channel_id, body)
    if owner is None:
        raise NotFound("channel not found")
    if key is None:
        raise InvalidInput(
            "channel_id",
            "has no business public key: WhatsApp cannot encrypt a Flow's data exchange before "
            "one is uploaded (POST /whatsapp_business_encryption)",
        )
    payload = flow_endpoint.request_payload(
        body.action, body.flow_token, body.screen, body.data, body.version
    )
    started = time.monotonic()
    report = await flow_endpoint.exchange(
        body.endpoint_uri,
        key.public_key,
        payload,
        safe=state.policy.ssrf_rules,
        app_secret=body.app_secret,
    )
    latency_ms = round((time.monotonic() - started) * 1000)
    answer = {"channel_id": body.channel_id, "endpoint_uri": body.endpoint_uri, **report.to_dict()}
    if watched is not None:
        flow, waba = watched
        async with state.uow() as uow:
            alerts = await endpoint_health.record(
                uow,
                state.clock,
                flow,
                waba,
                body.action,
                None if report.error is None else report.error["code"],
                latency_ms,
            )
        answer["flow_id"] = flow.id
        answer["alerts"] = alerts
    params = flow_endpoint.completion_params(report)
    if params is not None and body.from_ is not None:
        answer["completed"] = await deliver_completion(
            state,
            body.channel_id,
            body.from_,
            response_json(None, params),
            context_message_id=body.context_message_id,
        )
    return answer


async def _watched_flow(
    uow: UnitOfWork, partner_id: str, channel_id: str, body: DataExchangeIn
) -> tuple[Flow, WabaAccount] | None:
    """The Flow whose endpoint is called (named, or the WABA's only one with this URI) and its
    WABA; None when no Flow is named and none (or several) has this endpoint."""
    channel = await uow.clients.get_channel(partner_id, channel_id)
    if channel is None:  # pragma: no cover - the owner was just read
        return None
    waba = await uow.clients.get_waba(partner_id, channel.waba_account_id)
    if waba is None:  # pragma: no cover - a channel always has its WABA
        return None
    if body.flow_id is not None:
        flow = await uow.flows.get(body.flow_id)
        if flow is None or flow.waba_account_id != waba.id:
            raise InvalidInput("flow_id", "is not a Flow of the channel's WABA")
        return flow, waba
    same = [
        f for f in await uow.flows.list_for_waba(waba.id) if f.endpoint_uri == body.endpoint_uri
    ]
    return (same[0], waba) if len(same) == 1 else None


def response_json(flow_token: str | None, response: dict[str, Any]) -> str:
    """``nfm_reply.response_json``: the Flow's response with its ``flow_token``, as a string."""
    values = dict(response)
    if flow_token is not None:
        values["flow_token"] = flow_token
    return json.dumps(values, separators=(",", ":"), ensure_ascii=False)


@post(
    "/flows/complete",
    summary=(
        "A WhatsApp user completes a Flow: the interactive nfm_reply message (response_json "
        "with the flow_token) arrives through the number's messaging webhook"
    ),
    status_code=200,
)
@documents_body(CompleteIn)
async def complete(request: Request[Any, Any, Any]) -> dict[str, Any]:
    await guard(request)
    body = await read_body(request, CompleteIn)
    return await deliver_completion(
        app_state(request),
        body.channel_id,
        body.from_,
        response_json(body.flow_token, body.response),
        context_message_id=body.context_message_id,
        profile_name=body.profile_name,
        text=body.body,
    )


async def deliver_completion(
    state: AppState,
    channel_id: str,
    wa_id: str,
    response: str,
    *,
    context_message_id: str | None = None,
    profile_name: str | None = None,
    text: str = "Sent",
) -> dict[str, Any]:
    """The user's ``nfm_reply`` message, through the number's messaging webhook."""
    interactive = {
        "type": "nfm_reply",
        "nfm_reply": {"name": "flow", "body": text, "response_json": response},
    }
    inbound: dict[str, Any] = {
        "channel_id": channel_id,
        "from": wa_id,
        "type": "interactive",
        "interactive": interactive,
    }
    if profile_name is not None:
        inbound["profile_name"] = profile_name
    if context_message_id is not None:
        inbound["context"] = {"message_id": context_message_id}
    async with state.uow() as uow:
        message = await services.receive_inbound(uow, state.clock, inbound)
    return {
        "id": message.id,
        "channel_id": message.channel_id,
        "from": message.wa_id,
        "type": message.type,
        "interactive": interactive,
        "timestamp": isoformat(message.created_at),
    }


HANDLERS = [data_exchange, complete]

"""The business public key of a number (issue 18, WhatsApp Flows), by channel key:
``GET`` and ``POST /whatsapp_business_encryption`` (Meta's ``/PHONE_NUMBER_ID/
whatsapp_business_encryption``, the phone number being the key's)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post

from partnerhub.domain.messaging import encryption as services
from partnerhub.server.auth import app_state
from partnerhub.server.body import read_body
from partnerhub.server.openapi import documents_body
from partnerhub.server.routes.messaging import channel_principal
from partnerhub.wire import business_encryption as wire

ENCRYPTION_PATH = "/whatsapp_business_encryption"


@get(
    ENCRYPTION_PATH,
    summary="The number's business public key for WhatsApp Flows and its signature status",
    tags=["Messaging API"],
)
async def get_encryption(request: Request[Any, Any, Any]) -> wire.BusinessEncryptionList:
    principal = await channel_principal(request)
    state = app_state(request)
    async with state.uow() as uow:
        key = await services.get_key(uow, principal)
    if key is None:
        return wire.BusinessEncryptionList(data=[])
    shown = wire.BusinessEncryption(
        business_public_key=key.public_key,
        business_public_key_signature_status=services.SIGNATURE_VALID,
    )
    return wire.BusinessEncryptionList(data=[shown])


@post(
    ENCRYPTION_PATH,
    summary=(
        "Set (and sign) the number's business public key: a PEM encoded 2048-bit RSA public key "
        "(form or JSON `business_public_key`); WhatsApp Flows' data exchange is encrypted with it"
    ),
    tags=["Messaging API"],
    status_code=200,
)
@documents_body(wire.BusinessEncryptionIn)
async def set_encryption(request: Request[Any, Any, Any]) -> wire.Success:
    principal = await channel_principal(request)
    body = await read_body(request, wire.BusinessEncryptionIn)
    state = app_state(request)
    async with state.uow() as uow:
        await services.set_key(uow, state.clock, principal, body.business_public_key)
    return wire.Success(success=True)


HANDLERS = [get_encryption, set_encryption]

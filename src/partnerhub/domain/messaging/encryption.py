"""The business public key of a number (``/whatsapp_business_encryption``, issue 18): what
WhatsApp Flows' data exchange is encrypted with (:mod:`.flow_crypto`).

Meta takes one 2048-bit RSA public key per phone number; a new one replaces the old one at
once, and Meta signs it (``business_public_key_signature_status: VALID``). A key Meta could not
use (not PEM, a private key, not RSA, another size) is refused with Graph's 100 naming
``business_public_key``.
"""

from __future__ import annotations

from typing import Final

from partnerhub.domain.clock import Clock
from partnerhub.domain.messaging.auth import ChannelPrincipal
from partnerhub.domain.messaging.errors import invalid_parameter, missing_parameter
from partnerhub.domain.messaging.flow_crypto import BadPublicKey, normalized_pem
from partnerhub.domain.messaging.profile_model import BusinessEncryptionKey
from partnerhub.domain.ports import UnitOfWork

FIELD = "business_public_key"
# Meta signs every key it accepts; the other status it knows is MISMATCH (a key that no longer
# matches the number's signature), which nothing here produces.
SIGNATURE_VALID: Final = "VALID"


def check_public_key(pem: object) -> str:
    """The key as stored (its SubjectPublicKeyInfo PEM); a Graph refusal otherwise."""
    if pem is None or pem == "":
        raise missing_parameter(FIELD)
    if not isinstance(pem, str):
        raise invalid_parameter(FIELD, "must be a string holding a PEM encoded RSA public key")
    try:
        return normalized_pem(pem)
    except BadPublicKey as exc:
        raise invalid_parameter(FIELD, str(exc)) from None


async def set_key(
    uow: UnitOfWork, clock: Clock, principal: ChannelPrincipal, pem: object
) -> BusinessEncryptionKey:
    """``POST /whatsapp_business_encryption``: the number's key, replacing any before."""
    stored = check_public_key(pem)
    key = BusinessEncryptionKey(
        channel_id=principal.channel_id, public_key=stored, updated_at=clock.now()
    )
    await uow.lock_for_write()
    await uow.profiles.save_encryption_key(key)
    await uow.commit()
    return key


async def get_key(uow: UnitOfWork, principal: ChannelPrincipal) -> BusinessEncryptionKey | None:
    """``GET /whatsapp_business_encryption``: the number's key, None before the first upload."""
    return await uow.profiles.get_encryption_key(principal.channel_id)

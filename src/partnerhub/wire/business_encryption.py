"""The Messaging API's business public key for WhatsApp Flows (Cloud API shapes, issue 18).

``POST /whatsapp_business_encryption`` takes :class:`BusinessEncryptionIn` (form-encoded, as
Meta's reference shows it, or JSON) and answers ``{"success": true}``; ``GET`` answers
:class:`BusinessEncryptionList`, ``{"data": [{"business_public_key",
"business_public_key_signature_status"}]}`` (``data`` empty before a key was uploaded).
"""

from __future__ import annotations

from typing import Literal

import msgspec

SignatureStatus = Literal["VALID", "MISMATCH"]


class BusinessEncryptionIn(msgspec.Struct, forbid_unknown_fields=True):
    """A PEM encoded 2048-bit RSA public key (the server checks it)."""

    business_public_key: str | None = None


class BusinessEncryption(msgspec.Struct):
    business_public_key: str
    business_public_key_signature_status: SignatureStatus


class BusinessEncryptionList(msgspec.Struct):
    data: list[BusinessEncryption]


class Success(msgspec.Struct):
    success: bool

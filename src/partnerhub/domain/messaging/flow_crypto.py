"""The encryption of WhatsApp Flows' data exchange, as Meta does it ("Implementing Endpoint for
Flows", developers.facebook.com; docs/fidelity.md).

Meta's side (WhatsApp, here the emulator) to the business's Flow endpoint:

1. a fresh 128-bit AES key and a 16-byte IV per request;
2. the request JSON encrypted with AES-GCM (128-bit tag appended to the ciphertext);
3. the AES key encrypted with the business's uploaded RSA public key, OAEP with SHA-256 (and
   MGF1 SHA-256);
4. the body ``{"encrypted_flow_data", "encrypted_aes_key", "initial_vector"}``, each base64.

The endpoint answers, as ``text/plain``, the base64 of its JSON answer encrypted with the same
AES key and the *flipped* IV (every byte XOR 0xFF).

Both halves live here so the emulator (:func:`encrypt_request`, :func:`decrypt_response`) and a
partner's endpoint tests (:func:`decrypt_request`, :func:`encrypt_response`, re-exported by
:mod:`partnerhub.testing.flows`) use the same code.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# Meta asks for a 2048-bit RSA key ("WhatsApp Business Encryption").
KEY_BITS = 2048
AES_KEY_BYTES = 16
IV_BYTES = 16
MAX_PEM_CHARS = 8192


class FlowCryptoError(ValueError):
    """A body that does not decrypt (wrong key, tampered bytes, not base64, not JSON)."""


class BadPublicKey(ValueError):
    """A ``business_public_key`` Meta would refuse (not PEM, not RSA, not 2048 bits)."""


def _oaep() -> padding.OAEP:
    return padding.OAEP(
        mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None
    )


def load_public_key(pem: str) -> rsa.RSAPublicKey:
    """The RSA public key of a PEM (``-----BEGIN PUBLIC KEY-----`` or ``RSA PUBLIC KEY``);
    :class:`BadPublicKey` says what is wrong otherwise."""
    if not isinstance(pem, str) or not pem.strip():
        raise BadPublicKey("is required: a PEM encoded 2048-bit RSA public key")
    if len(pem) > MAX_PEM_CHARS:
        raise BadPublicKey(f"must be at most {MAX_PEM_CHARS} characters")
    text = pem.strip().replace("\\n", "\n")  # a key pasted into JSON with literal \n
    if "PRIVATE KEY" in text:
        raise BadPublicKey("is a private key: upload the public key only")
    try:
        key = serialization.load_pem_public_key(text.encode())
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise BadPublicKey("is not a PEM encoded public key") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise BadPublicKey("must be an RSA key")
    if key.key_size != KEY_BITS:
        raise BadPublicKey(f"must be a {KEY_BITS}-bit RSA key, not {key.key_size} bits")
    return key


def normalized_pem(pem: str) -> str:
    """The key as stored and shown: its SubjectPublicKeyInfo PEM."""
    key = load_public_key(pem)
    encoded = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return encoded.decode()


def flip_iv(iv: bytes) -> bytes:
    return bytes(b ^ 0xFF for b in iv)


@dataclass(frozen=True)
class SealedRequest:
    """What Meta posts, and what the sender keeps to read the answer."""

    body: dict[str, str]
    aes_key: bytes
    iv: bytes


def encrypt_request(payload: dict[str, Any], public_key_pem: str) -> SealedRequest:
    """Meta's side: ``payload`` sealed for the holder of ``public_key_pem``."""
    key = load_public_key(public_key_pem)
    aes_key = os.urandom(AES_KEY_BYTES)
    iv = os.urandom(IV_BYTES)
    plain = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    sealed = AESGCM(aes_key).encrypt(iv, plain, None)
    body = {
        "encrypted_flow_data": base64.b64encode(sealed).decode(),
        "encrypted_aes_key": base64.b64encode(key.encrypt(aes_key, _oaep())).decode(),
        "initial_vector": base64.b64encode(iv).decode(),
    }
    return SealedRequest(body=body, aes_key=aes_key, iv=iv)


def _b64(value: object, name: str) -> bytes:
    if not isinstance(value, str):
        raise FlowCryptoError(f"{name} must be a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise FlowCryptoError(f"{name} is not base64") from None


def _json_object(plain: bytes) -> dict[str, Any]:
    try:
        decoded = json.loads(plain)
    except (ValueError, RecursionError):
        raise FlowCryptoError("the decrypted data is not JSON") from None
    if not isinstance(decoded, dict):
        raise FlowCryptoError("the decrypted data is not a JSON object")
    return decoded


def decrypt_response(text: str | bytes, aes_key: bytes, iv: bytes) -> dict[str, Any]:
    """Meta's side: the endpoint's base64 answer, opened with the request's key and the
    flipped IV."""
    raw = text.decode("ascii", "replace") if isinstance(text, bytes) else text
    sealed = _b64(raw.strip(), "the response")
    try:
        plain = AESGCM(aes_key).decrypt(flip_iv(iv), sealed, None)
    except (InvalidTag, ValueError):
        raise FlowCryptoError("the response does not decrypt with the request's key") from None
    return _json_object(plain)


@dataclass(frozen=True)
class OpenedRequest:
    """What a Flow endpoint reads from Meta's request, and what it needs to answer."""

    payload: dict[str, Any]
    aes_key: bytes
    iv: bytes


def decrypt_request(
    body: dict[str, Any],
    private_key: rsa.RSAPrivateKey | str | bytes,
    password: bytes | None = None,
) -> OpenedRequest:
    """The endpoint's side: open Meta's request body with the business's private key
    (an object, or a PEM with its ``password``). Raises :class:`FlowCryptoError` when it does
    not decrypt: the endpoint should answer HTTP 421 then, and WhatsApp re-reads the key."""
    if isinstance(private_key, str | bytes):
        raw = private_key.encode() if isinstance(private_key, str) else private_key
        loaded = serialization.load_pem_private_key(raw, password=password)
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise FlowCryptoError("the private key is not an RSA key")
        private_key = loaded
    encrypted_key = _b64(body.get("encrypted_aes_key"), "encrypted_aes_key")
    iv = _b64(body.get("initial_vector"), "initial_vector")
    sealed = _b64(body.get("encrypted_flow_data"), "encrypted_flow_data")
    try:
        aes_key = private_key.decrypt(encrypted_key, _oaep())
        plain = AESGCM(aes_key).decrypt(iv, sealed, None)
    except (InvalidTag, ValueError):
        raise FlowCryptoError("the request does not decrypt with this private key") from None
    return OpenedRequest(payload=_json_object(plain), aes_key=aes_key, iv=iv)


def encrypt_response(answer: dict[str, Any], aes_key: bytes, iv: bytes) -> str:
    """The endpoint's side: the body to answer (``text/plain``), for the request that carried
    ``aes_key`` and ``iv``."""
    plain = json.dumps(answer, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.b64encode(AESGCM(aes_key).encrypt(flip_iv(iv), plain, None)).decode()


def generate_key_pair() -> tuple[rsa.RSAPrivateKey, str]:
    """A 2048-bit RSA key pair for tests: the private key and the public key's PEM, to upload
    with ``POST /whatsapp_business_encryption``."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public.decode()

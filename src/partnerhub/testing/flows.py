"""Write and test your WhatsApp Flow endpoint against the same crypto WhatsApp uses.

Meta encrypts every data-exchange request to a Flow endpoint with the number's business public
key (``POST /whatsapp_business_encryption``), and expects the answer encrypted with the
request's AES key and the flipped IV. These are the endpoint's two halves, the same code the
emulator's ``/_emulator/flows/data_exchange`` uses on WhatsApp's side::

    from partnerhub.testing.flows import decrypt_request, encrypt_response, FlowCryptoError

    def flow_endpoint(body: dict, private_key_pem: bytes) -> tuple[int, str]:
        try:
            opened = decrypt_request(body, private_key_pem)
        except FlowCryptoError:
            return 421, ""  # WhatsApp re-reads the public key and sends again
        if opened.payload["action"] == "ping":
            answer = {"data": {"status": "active"}}
        else:
            answer = {"screen": "NEXT", "data": {}}
        return 200, encrypt_response(answer, opened.aes_key, opened.iv)  # as text/plain

:func:`encrypt_request` and :func:`decrypt_response` are WhatsApp's half, for a unit test of an
endpoint without a server; :func:`generate_key_pair` makes a 2048-bit key pair to upload.
Needs ``cryptography`` (installed with ``partnerhub[server]``).
"""

from partnerhub.domain.messaging.flow_crypto import (
    BadPublicKey,
    FlowCryptoError,
    OpenedRequest,
    SealedRequest,
    decrypt_request,
    decrypt_response,
    encrypt_request,
    encrypt_response,
    flip_iv,
    generate_key_pair,
    load_public_key,
)

__all__ = [
    "BadPublicKey",
    "FlowCryptoError",
    "OpenedRequest",
    "SealedRequest",
    "decrypt_request",
    "decrypt_response",
    "encrypt_request",
    "encrypt_response",
    "flip_iv",
    "generate_key_pair",
    "load_public_key",
]

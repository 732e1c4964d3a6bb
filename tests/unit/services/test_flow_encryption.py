"""The business public key's rules against the fakes, and Flow crypto both ways: a key per
channel, replaced whole; PEMs Meta refuses; WhatsApp's and the endpoint's halves agree."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest

from partnerhub.domain.messaging import encryption
from partnerhub.domain.messaging.auth import ChannelPrincipal
from partnerhub.domain.messaging.errors import GraphError
from partnerhub.domain.messaging.flow_crypto import (
    FlowCryptoError,
    decrypt_request,
    decrypt_response,
    encrypt_request,
    encrypt_response,
    flip_iv,
    generate_key_pair,
)
from tests.fakes import FakeClock, FakeUnitOfWork

Uow = Callable[[], FakeUnitOfWork]
PRIVATE, PUBLIC = generate_key_pair()


def principal(channel_id: str) -> ChannelPrincipal:
    return ChannelPrincipal(
        key_id="key",
        channel_id=channel_id,
        partner_id="partner",
        client_id="client",
        waba_account_id="waba",
        channel_status="live",
        phone_number="+4915112345678",
        external_id="1",
    )


async def test_a_key_per_channel_replaced_whole(new_uow: Uow, clock: FakeClock) -> None:
    _, other = generate_key_pair()
    async with new_uow() as uow:
        assert await encryption.get_key(uow, principal("a")) is None
        await encryption.set_key(uow, clock, principal("a"), PUBLIC)
    async with new_uow() as uow:
        await encryption.set_key(uow, clock, principal("b"), other)
    async with new_uow() as uow:
        found = await encryption.get_key(uow, principal("a"))
        assert found is not None and found.public_key == PUBLIC
        await encryption.set_key(uow, clock, principal("a"), other.replace("\n", "\\n"))
    async with new_uow() as uow:
        replaced = await encryption.get_key(uow, principal("a"))
        assert replaced is not None and replaced.public_key == other


@pytest.mark.parametrize(
    ("pem", "code"),
    [(None, 131008), ("", 131008), (5, 100), ("x", 100), ("-----BEGIN PRIVATE KEY-----", 100)],
)
def test_refused_keys(pem: object, code: int) -> None:
    with pytest.raises(GraphError) as refused:
        encryption.check_public_key(pem)
    assert refused.value.code == code and refused.value.field == "business_public_key"


def test_both_halves_agree_and_the_answer_uses_the_flipped_iv() -> None:
    payload = {"version": "3.0", "action": "data_exchange", "screen": "A", "data": {"ü": 1}}
    sealed = encrypt_request(payload, PUBLIC)
    assert len(base64.b64decode(sealed.body["initial_vector"])) == 16
    opened = decrypt_request(sealed.body, PRIVATE)
    assert opened.payload == payload and opened.aes_key == sealed.aes_key
    text = encrypt_response({"screen": "B"}, opened.aes_key, opened.iv)
    assert decrypt_response(text, sealed.aes_key, sealed.iv) == {"screen": "B"}
    # Not under the request's own IV: Meta flips it for the answer.
    with pytest.raises(FlowCryptoError):
        decrypt_response(text, sealed.aes_key, flip_iv(sealed.iv))
    with pytest.raises(FlowCryptoError):
        decrypt_response("not base64!", sealed.aes_key, sealed.iv)
    other_private, _ = generate_key_pair()
    with pytest.raises(FlowCryptoError):
        decrypt_request(sealed.body, other_private)
    with pytest.raises(FlowCryptoError):
        decrypt_request({**sealed.body, "encrypted_flow_data": 5}, PRIVATE)

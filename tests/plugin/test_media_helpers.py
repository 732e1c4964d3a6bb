"""Media through the SDK and the emulator helpers (issue 17), against the plugin's server."""

from __future__ import annotations

import asyncio
import hashlib
import io
import secrets

import pytest

from partnerhub.client import AsyncMessagingClient, ValidationError
from partnerhub.testing import Emulator, TestPartner, WebhookReceiver

CUSTOMER = "4917612345678"


def test_sdk_upload_get_download_delete(partner: TestPartner, emulator: Emulator) -> None:
    number = emulator.onboard(partner.id)
    emulator.set_status(number.channel_id, "running")
    key = partner.client.channels.generate_api_key(number.channel_id)
    wa = partner.messaging(key)
    data = secrets.token_bytes(200_000)
    uploaded = wa.media.upload(io.BytesIO(data), "application/pdf", filename="invoice.pdf")
    info = wa.media.get(uploaded.id)
    assert info.sha256 == hashlib.sha256(data).hexdigest() and info.file_size == len(data)
    assert b"".join(wa.media.download(uploaded.id, chunk_size=4096)) == data
    assert wa.media.delete(uploaded.id).success is True
    with pytest.raises(ValidationError):
        wa.media.get(uploaded.id)

    async def with_the_async_client() -> None:
        async with AsyncMessagingClient(key.api_key, base_url=key.address) as client:
            again = await client.media.upload(data[:1000], "image/jpeg")
            got = b"".join([chunk async for chunk in client.media.download(again.id)])
            assert got == data[:1000]
            assert (await client.media.get(again.id)).mime_type == "image/jpeg"
            await client.media.delete(again.id)

    asyncio.run(with_the_async_client())


def test_inbound_media_carries_the_bytes_the_test_supplied(
    partner: TestPartner, webhook_receiver: WebhookReceiver, emulator: Emulator
) -> None:
    number = emulator.onboard(partner.id)
    emulator.set_status(number.channel_id, "running")
    key = partner.client.channels.generate_api_key(number.channel_id)
    wa = partner.messaging(key)
    wa.webhook.set(webhook_receiver.url + "/whatsapp")
    photo = b"\xff\xd8\xff" + secrets.token_bytes(5000)
    sent = emulator.inbound_media(number.channel_id, CUSTOMER, photo, "image/jpeg", caption="hi")
    webhook = webhook_receiver.wait_for("message:image")
    image = webhook["entry"][0]["changes"][0]["value"]["messages"][0]["image"]
    assert image["id"] == sent["media_id"]
    assert image["sha256"] == hashlib.sha256(photo).hexdigest()
    assert b"".join(wa.media.download(image["id"])) == photo
    # And a partner can send it back by id.
    assert wa.messages.send_media(CUSTOMER, "image", media_id=image["id"]).messages

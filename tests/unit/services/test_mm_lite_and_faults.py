"""MM Lite's rules and the delivery faults against the in-memory fakes (issue 17, items 6, 9)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from partnerhub.domain.clients.model import Channel, ChannelStatus
from partnerhub.domain.errors import NotFound
from partnerhub.domain.messaging import delivery_faults, errors, marketing
from partnerhub.domain.messaging import keys as channel_keys
from partnerhub.domain.messaging import services as messaging
from partnerhub.domain.messaging.auth import ChannelKeyAuthenticator, ChannelPrincipal
from partnerhub.domain.messaging.errors import GraphError
from partnerhub.domain.messaging.model import MessageStatus
from tests.fakes import FakeClock, FakeDatabase, FakeUnitOfWork, builders

Uow = Callable[[], FakeUnitOfWork]
USER = "4915199999998"
STEP = 1.0
CONFIG = messaging.MessagingConfig(status_step_seconds=STEP)


@pytest.fixture
def channel(db: FakeDatabase, clock: FakeClock) -> Channel:
    partner = builders.partner(clock.now())
    client = builders.client(partner, clock.now())
    waba = builders.waba(client, clock.now())
    live = builders.channel(client, waba, clock.now(), ChannelStatus.LIVE)
    db.seed(partner, client, waba, live)
    for name, category in (("promo", "MARKETING"), ("shipped", "UTILITY")):
        db.seed(
            builders.template(
                waba,
                clock.now(),
                name=name,
                category=category,
                components=[{"type": "BODY", "text": "Hi"}],
            )
        )
    return live


@pytest.fixture
async def principal(new_uow: Uow, clock: FakeClock, channel: Channel) -> ChannelPrincipal:
    async with new_uow() as uow:
        issued = await channel_keys.generate(uow, clock, channel.partner_id, channel.id)
    return await ChannelKeyAuthenticator(new_uow, clock).authenticate(issued.secret)


def sender(new_uow: Uow, clock: FakeClock) -> messaging.MessageSender:
    return messaging.MessageSender(messaging.UnitOfWorkSendStore(new_uow), clock, CONFIG)


def template(name: str, to: str = USER) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "to": to,
        "type": "template",
        "template": {"name": name, "language": {"code": "en"}},
    }


async def test_mm_lite_takes_marketing_templates_only(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, principal: ChannelPrincipal
) -> None:
    send = sender(new_uow, clock)
    accepted = await send.send(principal, template("promo"), mm_lite=True)
    assert db.tables.messages[accepted.message_id].pricing_category == marketing.MARKETING_LITE
    with pytest.raises(GraphError) as utility:
        await send.send(principal, template("shipped"), mm_lite=True)
    assert utility.value.code == errors.METHOD_NOT_ALLOWED
    assert utility.value.message == "(#131055) Method not allowed"
    text = {"messaging_product": "whatsapp", "to": USER, "type": "text", "text": {"body": "x"}}
    for body in (text, [], {"status": "read"}):
        with pytest.raises(GraphError) as refused:
            await send.send(principal, body, mm_lite=True)
        assert (refused.value.code, refused.value.details) == (
            errors.INVALID_PARAMETER,
            "Message must be a template message.",
        )
    await send.aclose()


async def test_terms_are_per_waba_and_can_be_withdrawn(
    new_uow: Uow, clock: FakeClock, principal: ChannelPrincipal
) -> None:
    async with new_uow() as uow:
        with pytest.raises(GraphError) as refused:
            await marketing.require_terms(uow, principal)
    assert refused.value.code == 131055 and refused.value.message == marketing.TERMS_NOT_ACCEPTED
    assert refused.value.to_body("t")["error"].get("error_data") is None
    async with new_uow() as uow:
        assert await marketing.accept_terms(uow, clock, principal.waba_account_id) == clock.now()
    async with new_uow() as uow:
        await marketing.require_terms(uow, principal)
        assert await marketing.accept_terms(uow, clock, principal.waba_account_id, False) is None
    async with new_uow() as uow:
        with pytest.raises(GraphError):
            await marketing.require_terms(uow, principal)
        with pytest.raises(NotFound):
            await marketing.accept_terms(uow, clock, "nosuchWA")


async def _round(new_uow: Uow, clock: FakeClock) -> int:
    clock.advance(STEP)
    async with new_uow() as uow:
        return await messaging.run_due_statuses(uow, clock, CONFIG)


async def test_a_media_fault_fails_media_only_and_a_sender_fault_everything(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, channel: Channel, principal: ChannelPrincipal
) -> None:
    async with new_uow() as uow:
        await messaging.receive_inbound(
            uow,
            clock,
            {"channel_id": channel.id, "from": USER, "type": "text", "text": {"body": "x"}},
        )
        await messaging.set_unreachable(uow, USER, delivery_faults.code_of("media_download_failed"))
    send = sender(new_uow, clock)
    image = {
        "messaging_product": "whatsapp",
        "to": USER,
        "type": "image",
        "image": {"link": "https://cdn.example/a.png"},
    }
    media = await send.send(principal, image)
    text = await send.send(principal, template("shipped"))
    await _round(new_uow, clock)
    assert db.tables.messages[media.message_id].status == MessageStatus.FAILED
    assert db.tables.messages[media.message_id].error == {
        "code": 131053,
        "title": "Media upload error",
        "message": "Media upload error",
        "error_data": {"details": "Unable to upload the media used in the message."},
        "href": errors.ERROR_CODES_HREF,
    }
    assert db.tables.messages[text.message_id].status == MessageStatus.SENT

    async with new_uow() as uow:  # now the business number itself is spam-limited
        await messaging.set_unreachable(uow, channel.phone_number, errors.SPAM_RATE_LIMIT_HIT)
    other = await send.send(principal, template("promo", "4915100000042"))
    await _round(new_uow, clock)
    assert db.tables.messages[other.message_id].status == MessageStatus.FAILED
    assert (db.tables.messages[other.message_id].error or {})["code"] == 131048
    await send.aclose()


def test_every_fault_has_metas_code_and_a_title() -> None:
    for name, code in delivery_faults.FAULTS.items():
        failure = delivery_faults.failure(code)
        assert failure.title == errors.TITLES[code], name
        assert failure.details

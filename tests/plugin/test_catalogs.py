"""The plugin's ``emulator.create_catalog`` / ``add_products`` (issue 17): a product message is
accepted for a product of the WABA's catalog and refused (131009) for one it lacks."""

from __future__ import annotations

import pytest

from partnerhub.client import ValidationError
from partnerhub.client import interactive as ia
from partnerhub.testing import Emulator, TestPartner

CUSTOMER = "4917612345678"


def test_create_catalog_then_send_its_products(partner: TestPartner, emulator: Emulator) -> None:
    number = emulator.onboard(partner.id)
    emulator.set_status(number.channel_id, "running")
    wa = partner.messaging(partner.client.channels.generate_api_key(number.channel_id))
    emulator.inbound_message(number.channel_id, CUSTOMER, "Menu?")
    catalog = emulator.create_catalog(
        number.channel_id, [{"retailer_id": "sku-1", "name": "Margherita", "price": "8.50"}]
    )
    assert catalog["waba_account_id"] == number.waba_account_id
    sent = wa.messages.send_interactive(CUSTOMER, ia.product(catalog["id"], "sku-1"))
    assert sent.messages[0].id.startswith("wamid.")
    with pytest.raises(ValidationError) as refused:
        wa.messages.send_interactive(CUSTOMER, ia.product(catalog["id"], "sku-2"))
    assert "131009" in str(refused.value)
    emulator.add_products(catalog["id"], [{"retailer_id": "sku-2", "name": "Diavola"}])
    wa.messages.send_interactive(
        CUSTOMER, ia.product_carousel("Tonight", catalog["id"], ["sku-1", "sku-2"])
    )

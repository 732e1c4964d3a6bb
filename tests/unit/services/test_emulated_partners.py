"""Partners made for a test in one call (the emulator's shortcut): key, secret, webhook URL."""

from __future__ import annotations

from collections.abc import Callable

from partnerhub.domain.webhooks import signing
from partnerhub.emulator import partners as emulated
from tests.fakes import FakeClock, FakeDatabase, FakeUnitOfWork

Uow = Callable[[], FakeUnitOfWork]


async def test_a_ready_test_partner_has_a_key_and_the_secret_of_its_nonce(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase
) -> None:
    async with new_uow() as uow:
        ready = await emulated.create_ready_partner(
            uow,
            clock,
            brand_name="Test",
            key_prefix="ph_test_",
            master_key="m" * 32,
            webhook_url="http://127.0.0.1:9/hook",
        )
    stored = db.tables.partners[ready.partner.id]
    assert stored.webhook_url == "http://127.0.0.1:9/hook"  # emulator mode: local is fine
    assert not db.tables.users  # no login, so no argon2
    assert ready.key.secret.startswith("ph_test_")
    assert db.tables.api_keys[ready.key.key.id].partner_id == stored.id
    assert stored.platform_secret_nonce is not None
    assert ready.platform_secret == signing.derive_platform_secret(
        "m" * 32, stored.id, stored.platform_secret_nonce
    )

"""``…/waba_accounts``: WABA accounts."""

from __future__ import annotations

from partnerhub.client._base import (
    AsyncCore,
    Call,
    SyncCore,
    call,
    expect,
    twin_docs,
)
from partnerhub.client.resources._common import (
    _Resource,
    _seg,
)
from partnerhub.wire import clients as wire_clients

# --------------------------------------------------------------------------- WABA accounts


class _WabaCalls(_Resource):
    def _get(self, waba_account_id: str) -> Call[wire_clients.WabaAccount]:
        return call(
            "GET",
            f"{self._base}/waba_accounts/{_seg(waba_account_id)}",
            expect(wire_clients.WabaAccount),
        )


class WabaAccounts(_WabaCalls):
    """``…/waba_accounts/{id}``: a client's WhatsApp Business Account."""

    def __init__(self, core: SyncCore, partner_id: str) -> None:
        super().__init__(partner_id)
        self._core = core

    def get(self, waba_account_id: str) -> wire_clients.WabaAccount:
        """One WABA account (404 for another partner's, as for a missing one)."""
        return self._core.send(self._get(waba_account_id))


@twin_docs(WabaAccounts)
class AsyncWabaAccounts(_WabaCalls):
    def __init__(self, core: AsyncCore, partner_id: str) -> None:
        super().__init__(partner_id)
        self._core = core

    async def get(self, waba_account_id: str) -> wire_clients.WabaAccount:
        return await self._core.send(self._get(waba_account_id))

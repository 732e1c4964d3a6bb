"""``…/balance``: the partner's prepaid balance."""

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
)
from partnerhub.wire import billing as wire_billing

# --------------------------------------------------------------------------- balance


class _BalanceCalls(_Resource):
    def _get(self) -> Call[wire_billing.Balance]:
        return call("GET", f"{self._base}/balance", expect(wire_billing.Balance))


class PartnerBalance(_BalanceCalls):
    """``…/balance``: the partner's prepaid balance."""

    def __init__(self, core: SyncCore, partner_id: str) -> None:
        super().__init__(partner_id)
        self._core = core

    def get(self) -> wire_billing.Balance:
        """``total`` and ``currency`` (``"eur"``)."""
        return self._core.send(self._get())


@twin_docs(PartnerBalance)
class AsyncPartnerBalance(_BalanceCalls):
    def __init__(self, core: AsyncCore, partner_id: str) -> None:
        super().__init__(partner_id)
        self._core = core

    async def get(self) -> wire_billing.Balance:
        return await self._core.send(self._get())

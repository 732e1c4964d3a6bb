"""``/api/v2/partners/{partner_id}``: the partner object and its settings."""

from __future__ import annotations

from msgspec import UNSET, UnsetType

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
from partnerhub.wire import partners as wire_partners

# --------------------------------------------------------------------------- partner


class _PartnerCalls(_Resource):
    def _get(self) -> Call[wire_partners.Partner]:
        return call("GET", self._base, expect(wire_partners.Partner))

    def _update(self, patch: wire_partners.PartnerPatch) -> Call[wire_partners.Partner]:
        return call("PATCH", self._base, expect(wire_partners.Partner), json=patch)


class PartnerResource(_PartnerCalls):
    """``/api/v2/partners/{partner_id}``: the partner object and its settings."""

    def __init__(self, core: SyncCore, partner_id: str) -> None:
        super().__init__(partner_id)
        self._core = core

    def get(self) -> wire_partners.Partner:
        """The partner object, deprecated upstream fields included."""
        return self._core.send(self._get())

    def update(
        self,
        *,
        brand_name: str | UnsetType = UNSET,
        logo_url: str | UnsetType | None = UNSET,
        webhook_url: str | UnsetType | None = UNSET,
        partner_redirect_url: str | UnsetType | None = UNSET,
        country: str | UnsetType | None = UNSET,
        allow_client_to_add_phone_no: bool | UnsetType = UNSET,
    ) -> wire_partners.Partner:
        """Change only the fields given; ``None`` clears a URL."""
        return self._core.send(
            self._update(
                wire_partners.PartnerPatch(
                    brand_name=brand_name,
                    logo_url=logo_url,
                    webhook_url=webhook_url,
                    partner_redirect_url=partner_redirect_url,
                    country=country,
                    allow_client_to_add_phone_no=allow_client_to_add_phone_no,
                )
            )
        )


@twin_docs(PartnerResource)
class AsyncPartnerResource(_PartnerCalls):
    def __init__(self, core: AsyncCore, partner_id: str) -> None:
        super().__init__(partner_id)
        self._core = core

    async def get(self) -> wire_partners.Partner:
        return await self._core.send(self._get())

    async def update(
        self,
        *,
        brand_name: str | UnsetType = UNSET,
        logo_url: str | UnsetType | None = UNSET,
        webhook_url: str | UnsetType | None = UNSET,
        partner_redirect_url: str | UnsetType | None = UNSET,
        country: str | UnsetType | None = UNSET,
        allow_client_to_add_phone_no: bool | UnsetType = UNSET,
    ) -> wire_partners.Partner:
        return await self._core.send(
            self._update(
                wire_partners.PartnerPatch(
                    brand_name=brand_name,
                    logo_url=logo_url,
                    webhook_url=webhook_url,
                    partner_redirect_url=partner_redirect_url,
                    country=country,
                    allow_client_to_add_phone_no=allow_client_to_add_phone_no,
                )
            )
        )

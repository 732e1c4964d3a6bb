"""The business profile on the wire, and an update body as the domain's change."""

from __future__ import annotations

from typing import Any

from msgspec import UNSET

from partnerhub.domain.messaging.profile import ProfileChange
from partnerhub.domain.messaging.profile_model import BusinessProfile
from partnerhub.wire import business_profile as wire

# Where profile pictures are served (``profile_picture_url``), below this server's base URL.
PICTURE_PATH = "/whatsapp_business_profile/picture"


def picture_url(profile: BusinessProfile, base: str = PICTURE_PATH) -> str | None:
    return f"{base}/{profile.picture_id}" if profile.picture_id else None


def business_profile(
    profile: BusinessProfile, picture_base: str, fields: tuple[str, ...]
) -> wire.BusinessProfile:
    """Only the ``fields`` asked for; a field never set is left out (Meta omits it too)."""
    values: dict[str, Any] = {
        "about": profile.about,
        "address": profile.address,
        "description": profile.description,
        "email": profile.email,
        "profile_picture_url": picture_url(profile, picture_base),
        "websites": list(profile.websites) or None,
        "vertical": profile.vertical,
    }
    shown = {name: value for name, value in values.items() if name in fields and value is not None}
    return wire.BusinessProfile(messaging_product="whatsapp", **shown)


def profile_change(body: wire.BusinessProfileIn) -> ProfileChange:
    def given(value: Any) -> Any:
        return None if value is UNSET else value

    return ProfileChange(
        about=given(body.about),
        address=given(body.address),
        description=given(body.description),
        email=given(body.email),
        websites=given(body.websites),
        vertical=given(body.vertical),
        profile_picture_handle=given(body.profile_picture_handle),
    )

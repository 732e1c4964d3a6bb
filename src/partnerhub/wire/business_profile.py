"""The Messaging API's business profile and resumable uploads (Cloud API shapes).

``POST /whatsapp_business_profile`` takes :class:`BusinessProfileIn`; every field but
``messaging_product`` is optional and a field left out keeps its value (partial update, as
360dialog documents). The limits are Meta's, as 360dialog's "WABA Profile Info" page lists
them; msgspec checks them and the error names the field. ``GET`` answers
:class:`BusinessProfileList` (``{"data": [{...}]}``) with only the fields asked for.

The resumable upload answers are :class:`UploadSession` (``{"id": "upload:..."}``),
:class:`UploadStatus` (``{"id", "file_offset"}``) and :class:`UploadHandle` (``{"h": ...}``).
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

import msgspec
from msgspec import UNSET, Meta, UnsetType

# Meta's business verticals (360dialog "WABA Profile Info"; Meta's business profile reference).
Vertical = Literal[
    "UNDEFINED",
    "OTHER",
    "AUTO",
    "BEAUTY",
    "APPAREL",
    "EDU",
    "ENTERTAIN",
    "EVENT_PLAN",
    "FINANCE",
    "GROCERY",
    "GOVT",
    "HOTEL",
    "HEALTH",
    "NONPROFIT",
    "PROF_SERVICES",
    "RETAIL",
    "TRAVEL",
    "RESTAURANT",
    "NOT_A_BIZ",
]
VERTICALS: tuple[str, ...] = get_args(Vertical)

# The fields ``GET /whatsapp_business_profile?fields=`` may name, in Meta's order.
PROFILE_FIELDS: tuple[str, ...] = (
    "about",
    "address",
    "description",
    "email",
    "profile_picture_url",
    "websites",
    "vertical",
)

# An address with one @, no spaces, and a dot in the domain; "" clears the email.
EMAIL_PATTERN = r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$"
WEBSITE_PATTERN = r"^https?://[^\s/?#]+[^\s]*$"

About = Annotated[str, Meta(min_length=1, max_length=139)]
Address = Annotated[str, Meta(max_length=256)]
Description = Annotated[str, Meta(max_length=512)]
Email = Annotated[str, Meta(max_length=128, pattern=EMAIL_PATTERN)]
Website = Annotated[str, Meta(max_length=256, pattern=WEBSITE_PATTERN)]
Websites = Annotated[list[Website], Meta(max_length=2)]
Handle = Annotated[str, Meta(min_length=1, max_length=512)]


class BusinessProfileIn(msgspec.Struct, forbid_unknown_fields=True):
    """A business profile update: only the fields sent change."""

    messaging_product: Literal["whatsapp"]
    about: About | UnsetType = UNSET
    address: Address | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    email: Email | UnsetType = UNSET
    websites: Websites | UnsetType = UNSET
    vertical: Vertical | UnsetType = UNSET
    profile_picture_handle: Handle | UnsetType = UNSET


class BusinessProfile(msgspec.Struct, omit_defaults=True):
    """One profile as ``GET`` answers it; fields not asked for (or never set) are left out."""

    messaging_product: str
    about: str | UnsetType = UNSET
    address: str | UnsetType = UNSET
    description: str | UnsetType = UNSET
    email: str | UnsetType = UNSET
    profile_picture_url: str | UnsetType = UNSET
    websites: list[str] | UnsetType = UNSET
    vertical: str | UnsetType = UNSET


class BusinessProfileList(msgspec.Struct):
    data: list[BusinessProfile]


class Success(msgspec.Struct):
    success: bool


class UploadSession(msgspec.Struct):
    """``POST /uploads``: the session to send the bytes to, ``upload:<session>``."""

    id: str


class UploadStatus(msgspec.Struct):
    """``GET /upload:<session>``: how many bytes arrived, where to resume."""

    id: str
    file_offset: int


class UploadHandle(msgspec.Struct):
    """The last chunk's answer: the handle other endpoints take (``profile_picture_handle``)."""

    h: str

"""Number migration on the wire (issue 18 item 4) [paths and field names ours, the steps and
``code_method`` / ``code`` Meta's; docs/fidelity.md, "Number migration"]."""

from __future__ import annotations

from typing import Annotated

import msgspec

from partnerhub.wire.clients import Channel, WabaAccount


class MigrationIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """``POST …/clients/{client_id}/number_migrations``: the number to bring in."""

    phone_number: Annotated[str, msgspec.Meta(min_length=4, max_length=32)]
    phone_name: Annotated[str, msgspec.Meta(max_length=200)] | None = None


class RequestCodeIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Meta's ``request_code`` body: ``SMS`` or ``VOICE``, and the message's language."""

    code_method: Annotated[str, msgspec.Meta(min_length=1, max_length=8)]
    language: Annotated[str, msgspec.Meta(min_length=2, max_length=16)] = "en_US"


class VerifyCodeIn(msgspec.Struct, forbid_unknown_fields=True):
    """Meta's ``verify_code`` body: the six digits received."""

    code: Annotated[str, msgspec.Meta(min_length=1, max_length=16)]


class Migration(msgspec.Struct):
    id: str  # the channel's id
    client_id: str
    phone_number: str
    status: str  # pending_verification | code_sent | completed
    code_method: str | None
    code_expires_at: str | None
    created_at: str
    modified_at: str
    completed_at: str | None
    channel: Channel


class MigrationList(msgspec.Struct):
    number_migrations: list[Migration]


class WabaMoveIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """``POST …/channels/{channel_id}/waba_migration``: no ``currency`` (or the WABA's own):
    this number alone moves; another currency: the whole WABA's (360dialog's currency change)."""

    currency: Annotated[str, msgspec.Meta(min_length=3, max_length=3)] | None = None


class WabaMove(msgspec.Struct):
    source_waba_account_id: str
    waba_account: WabaAccount
    currency: str
    currency_changed: bool
    moved_channel_ids: list[str]
    # The source WABA's approved templates, copied (approved) to the new WABA.
    copied_template_ids: list[str]

"""Lenient result types for channel API keys, templates and the Messaging API.

partnerhub's own answers are described by :mod:`partnerhub.wire.messaging` and
:mod:`partnerhub.wire.templates`; the SDK decodes these endpoints with the looser Structs here
because it must also work against the real hub, whose answers for them are only partly
documented ([obs] in the spec): every field the spec does not fix has a default, and unknown
fields are accepted. A test decodes partnerhub's real answers with them (tests/sdk).
"""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = [
    "BusinessEncryption",
    "BusinessEncryptionList",
    "BusinessProfile",
    "BusinessProfileList",
    "ChannelApiKey",
    "ChannelApiKeyInfo",
    "ChannelApiKeyList",
    "ChannelApiKeysRevoked",
    "HealthEntity",
    "HealthError",
    "HealthStatus",
    "MediaDeleted",
    "MediaInfo",
    "MediaUploaded",
    "MessageContact",
    "MessageId",
    "MessageSent",
    "MessagingWebhookConfig",
    "Success",
    "Template",
    "TemplateList",
    "UploadProgress",
]


class ChannelApiKey(msgspec.Struct, kw_only=True):
    """``POST …/channels/{channel_id}/api_keys`` [obs]: the D360-API-KEY, shown this once.

    ``address`` is the Messaging API base URL to use it with.
    """

    id: str | None = None
    address: str
    api_key: str
    app_id: str | None = None


class ChannelApiKeyInfo(msgspec.Struct, kw_only=True):
    """A listed channel key: the secret masked (or absent)."""

    id: str | None = None
    address: str | None = None
    api_key: str | None = None
    app_id: str | None = None
    prefix: str | None = None
    created_at: str | None = None
    last_used_at: str | None = None


class ChannelApiKeyList(msgspec.Struct, kw_only=True):
    api_keys: list[ChannelApiKeyInfo]
    limit: int | None = None
    offset: int | None = None
    sort: list[str] = []
    total: int | None = None
    count: int | None = None
    filters: dict[str, Any] = {}


class ChannelApiKeysRevoked(msgspec.Struct, kw_only=True):
    """``DELETE …/channels/{channel_id}/api_keys``: what was revoked (``revoked`` holds the keys,
    secrets masked). Every field has a default, so an empty answer decodes too."""

    meta: dict[str, Any] = {}
    channel_id: str | None = None
    count: int | None = None
    revoked: list[ChannelApiKeyInfo] = []


class Template(msgspec.Struct, kw_only=True):
    """A message template (spec §5 Template [obs]); the Messaging API shows fewer fields."""

    name: str
    language: str
    category: str
    status: str
    components: list[dict[str, Any]] = []
    id: str | None = None
    partner_id: str | None = None
    waba_account_id: str | None = None
    rejected_reason: str | None = None
    namespace: str | None = None
    created_at: str | None = None
    modified_at: str | None = None
    created_by: dict[str, Any] | None = None
    modified_by: dict[str, Any] | None = None


class TemplateCreated(msgspec.Struct, kw_only=True):
    """The Messaging API's answer to a new template (Cloud API shape, 201): its ``id``,
    ``status`` (``"PENDING"``: in review) and ``category``."""

    id: str
    status: str
    category: str


class TemplateList(msgspec.Struct, kw_only=True):
    waba_templates: list[Template]
    limit: int | None = None
    offset: int | None = None
    sort: list[str] = []
    total: int | None = None
    count: int | None = None
    filters: dict[str, Any] = {}


class MessageContact(msgspec.Struct):
    input: str
    wa_id: str


class MessageId(msgspec.Struct, kw_only=True):
    id: str
    message_status: str | None = None


class MessageSent(msgspec.Struct, kw_only=True):
    """``POST /messages`` 200 (Cloud API shape): the ``wamid`` is ``messages[0].id``."""

    messaging_product: str = "whatsapp"
    contacts: list[MessageContact] = []
    messages: list[MessageId] = []

    @property
    def message_id(self) -> str:
        return self.messages[0].id


class MessagingWebhookConfig(msgspec.Struct, kw_only=True):
    """``/v1/configs/webhook``: where the channel's Cloud API webhooks go."""

    url: str | None = None
    headers: dict[str, str] | None = None


# --- Business profile and resumable uploads (issue 17) ---


class BusinessProfile(msgspec.Struct, kw_only=True):
    """``GET /whatsapp_business_profile``: one number's profile (only the fields asked for)."""

    messaging_product: str = "whatsapp"
    about: str | None = None
    address: str | None = None
    description: str | None = None
    email: str | None = None
    profile_picture_url: str | None = None
    websites: list[str] | None = None
    vertical: str | None = None


class BusinessProfileList(msgspec.Struct, kw_only=True):
    data: list[BusinessProfile] = msgspec.field(default_factory=list)


class UploadProgress(msgspec.Struct, kw_only=True):
    """A resumable upload's state: ``id`` and ``file_offset`` while bytes are missing, ``h``
    (the handle) once the last byte arrived."""

    id: str | None = None
    file_offset: int | None = None
    h: str | None = None


class Success(msgspec.Struct, kw_only=True):
    success: bool = False


# --- media (issue 17) -----------------------------------------------------------------------


class MediaUploaded(msgspec.Struct, kw_only=True):
    """``POST /media``: the new media id, to send by (``image: {"id": …}``) for 30 days."""

    id: str


class MediaInfo(msgspec.Struct, kw_only=True):
    """``GET /{media_id}``: ``url`` downloads the bytes for 5 minutes, with the same key."""

    id: str
    url: str
    mime_type: str | None = None
    sha256: str | None = None
    file_size: int | None = None
    messaging_product: str = "whatsapp"


class MediaDeleted(msgspec.Struct, kw_only=True):
    success: bool = True


# ``/multi_webhook`` (issue 17 item 5) ---------------------------------------------------------


class WebhookDestination(msgspec.Struct, kw_only=True):
    """One extra webhook of a number: ``headers`` are sent with each copy (masked on GET)."""

    name: str
    url: str | None = None
    headers: dict[str, str] | None = None


class MultiWebhookConfig(msgspec.Struct, kw_only=True):
    """``/multi_webhook``: the extra webhooks and whether they get copies; ``message`` is set
    on the answers of POST, PUT and PATCH."""

    enabled: bool = False
    destinations: list[WebhookDestination] = []
    message: str | None = None


# --- Health status (issue 17) -------------------------------------------------------------


class HealthError(msgspec.Struct, kw_only=True):
    """Why an entity is ``BLOCKED``: Meta's code, what is wrong, what to do."""

    error_code: int | None = None
    error_description: str = ""
    possible_solution: str = ""


class HealthEntity(msgspec.Struct, kw_only=True):
    """``PHONE_NUMBER``, ``WABA``, ``BUSINESS`` or ``APP``, and whether it can send
    (``AVAILABLE``, ``LIMITED`` with ``additional_info``, ``BLOCKED`` with ``errors``)."""

    entity_type: str
    id: str | None = None
    can_send_message: str
    errors: list[HealthError] = []
    additional_info: list[str] = []


class HealthStatus(msgspec.Struct, kw_only=True):
    """``GET /health_status``: ``can_send_message`` is the worst of the entities'."""

    can_send_message: str
    entities: list[HealthEntity] = []
    id: str | None = None  # the phone number id

    def entity(self, entity_type: str) -> HealthEntity | None:
        """The entity of that type (``"PHONE_NUMBER"``, ``"WABA"``, …), if listed."""
        return next((e for e in self.entities if e.entity_type == entity_type), None)


# --- WhatsApp Flows: the business public key (issue 18) -----------------------------------------


class BusinessEncryption(msgspec.Struct, kw_only=True):
    """``GET /whatsapp_business_encryption``: the number's business public key (PEM) and
    whether Meta's signature of it is ``VALID``."""

    business_public_key: str
    business_public_key_signature_status: str | None = None


class BusinessEncryptionList(msgspec.Struct, kw_only=True):
    data: list[BusinessEncryption] = msgspec.field(default_factory=list)


# --- WhatsApp Coexistence (issue 18 item 3) -----------------------------------------------------


class SynchronizationStarted(msgspec.Struct, kw_only=True):
    """``POST /synchronization``: the sync was started; its webhooks follow."""

    messaging_product: str = "whatsapp"
    request_id: str

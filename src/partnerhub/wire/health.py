"""``GET /health_status`` (Messaging API): Meta's ``health_status`` field of the key's number,
as 360dialog returns it, and the emulator's quality controls' answer."""

from __future__ import annotations

import msgspec


class HealthError(msgspec.Struct):
    """Why an entity is ``BLOCKED``."""

    error_code: int
    error_description: str
    possible_solution: str


class HealthEntity(msgspec.Struct, omit_defaults=True):
    """One node a send goes through: ``PHONE_NUMBER``, ``WABA``, ``BUSINESS`` or ``APP``.
    ``errors`` only when ``BLOCKED``, ``additional_info`` only when ``LIMITED``."""

    entity_type: str
    id: str
    can_send_message: str  # AVAILABLE | LIMITED | BLOCKED
    errors: list[HealthError] | None = None
    additional_info: list[str] | None = None


class HealthStatus(msgspec.Struct):
    """``can_send_message``: the worst of the entities' (BLOCKED > LIMITED > AVAILABLE)."""

    can_send_message: str
    entities: list[HealthEntity]


class HealthStatusResponse(msgspec.Struct):
    health_status: HealthStatus
    id: str  # the phone number id (the node asked about)


class QualityState(msgspec.Struct):
    """The emulator's answer to ``set_quality``, ``set_limit`` and ``report_spam`` [ours]: the
    number as it is now, and the ``phone_number_quality_update`` events the change emitted
    (``FLAGGED``, ``UNFLAGGED``, ``UPGRADE``, ``DOWNGRADE``), in order."""

    id: str
    current_quality_rating: str
    current_limit: str
    spam_reports: int
    events: list[str]

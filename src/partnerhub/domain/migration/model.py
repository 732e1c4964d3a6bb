"""The migration of one number into a client, and the Meta-side two-step verification flag."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class MigrationStatus(StrEnum):
    # The number is on the hub as a ``created`` channel; no code asked for yet.
    PENDING = "pending_verification"
    # A one-time code was sent (SMS or voice); ``verify_code`` completes the migration.
    CODE_SENT = "code_sent"
    # Verified: the channel is ``is_migrated`` and goes through the usual review.
    COMPLETED = "completed"


CODE_METHODS = ("SMS", "VOICE")
# [ours] How long a one-time code stays valid (Meta does not publish it), and how many wrong
# codes spend it.
CODE_TTL_SECONDS = 600
MAX_WRONG_CODES = 5
# 360dialog's currency change offers these; BRL "upon request" (docs/fidelity.md).
CURRENCIES = ("EUR", "USD", "INR")
ON_REQUEST_CURRENCIES = ("BRL",)
DEFAULT_CURRENCY = "EUR"  # [ours] a WABA whose settings name none


@dataclass
class NumberMigration:
    channel_id: str
    partner_id: str
    client_id: str
    phone_number: str
    status: str
    created_at: datetime
    modified_at: datetime
    code_method: str | None = None
    language: str | None = None
    code: str | None = None
    code_expires_at: datetime | None = None
    wrong_codes: int = 0
    completed_at: datetime | None = None


@dataclass
class TwoStepSetting:
    """Whether the number has two-step verification (a PIN) where it is now: at the other BSP,
    at Meta, or on this hub. The emulator sets it; migrations refuse while it is on."""

    phone_number: str
    enabled: bool
    modified_at: datetime

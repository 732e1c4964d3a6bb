"""Balances and usage records, with Meta's pricing vocabulary (spec §4, Meta pricing analytics).

Money is held as integer micro-units (millionths of the currency unit): sums and debits are exact
on every backend, where floats would drift and SQLite has no exact decimal type.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from partnerhub.domain.errors import InvalidInput

MICROS = 1_000_000
DEFAULT_CURRENCY = "eur"
# Far beyond any real balance, well inside a 64-bit integer of micro-units.
MAX_AMOUNT = 10**9


class PricingCategory(StrEnum):
    MARKETING = "MARKETING"
    UTILITY = "UTILITY"
    AUTHENTICATION = "AUTHENTICATION"
    SERVICE = "SERVICE"


class PricingType(StrEnum):
    REGULAR = "REGULAR"
    FREE_CUSTOMER_SERVICE = "FREE_CUSTOMER_SERVICE"
    FREE_ENTRY_POINT = "FREE_ENTRY_POINT"


class InitiatedBy(StrEnum):
    BUSINESS = "business"
    USER = "user"


class Payer(StrEnum):
    """Whose balance a message is debited from: the partner (partner-paid hub) or the client."""

    PARTNER = "partner"
    CLIENT = "client"


def to_micros(field: str, amount: float | int | Decimal, *, allow_negative: bool) -> int:
    """An amount of money from the wire, exactly, in micro-units; refuses NaN and absurd sizes."""
    if isinstance(amount, bool):
        raise InvalidInput(field, "must be a number")
    if isinstance(amount, float) and not math.isfinite(amount):
        raise InvalidInput(field, "must be a finite number")
    try:
        # str() first: a float's shortest repr is what the caller wrote (0.1, not 0.1000…0055).
        exact = Decimal(str(amount))
    except InvalidOperation:
        raise InvalidInput(field, "must be a number") from None
    if not exact.is_finite() or abs(exact) > MAX_AMOUNT:
        raise InvalidInput(field, f"must be between -{MAX_AMOUNT} and {MAX_AMOUNT}")
    if exact < 0 and not allow_negative:
        raise InvalidInput(field, "must not be negative")
    return int((exact * MICROS).to_integral_value())


def from_micros(micros: int) -> float:
    """For the wire: a JSON number; six decimals are exact enough for any shown balance."""
    return round(micros / MICROS, 6)


def validate_currency(raw: str, field: str = "currency") -> str:
    code = raw.strip().lower()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise InvalidInput(field, "must be a three-letter ISO 4217 code, e.g. eur")
    return code


@dataclass
class Balance:
    """A prepaid balance: the partner's (``client_id`` None) or a direct-paid client's own."""

    owner_id: str  # the partner id or the client id: both are unique across the hub
    partner_id: str
    total_micros: int
    currency: str
    modified_at: datetime
    client_id: str | None = None
    # The last top-up: when, and by how much it raised the balance (None: never topped up).
    last_renewal_at: datetime | None = None
    last_renewal_micros: int | None = None


@dataclass
class UsageRecord:
    """Messages of one kind delivered on a channel at one moment, and what they cost."""

    id: str
    partner_id: str
    client_id: str
    channel_id: str
    occurred_at: datetime
    country: str
    pricing_category: str
    pricing_type: str
    initiated_by: str
    volume: int
    cost_micros: int
    paid_by: str


@dataclass(frozen=True)
class Funds:
    total_micros: int
    currency: str
    last_renewal_at: datetime | None = None
    last_renewal_micros: int | None = None


@dataclass(frozen=True)
class PeriodUsage:
    """One row of the client balance report: the usage within one day or month."""

    period_start: datetime
    quantity: int
    free_quantity: int
    paid_quantity: int
    business_initiated_quantity: int
    user_initiated_quantity: int
    cost_micros: int


@dataclass(frozen=True)
class UsagePoint:
    """One data point of the channel usage report (Meta's pricing analytics)."""

    start: datetime
    end: datetime
    country: str
    pricing_category: str
    pricing_type: str
    volume: int
    cost_micros: int

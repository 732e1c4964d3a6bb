"""[ours] Default prices per delivered message, used when a usage record names no cost.

Meta charges per message by pricing category and recipient country; 360dialog passes that on.
This table is a single flat rate per category (approximately Meta's 2025 euro rates for
Germany), not a per-country rate card: enough for realistic-looking reports and balances, and a
test that needs an exact cost passes it explicitly. Free pricing types cost nothing.
"""

from __future__ import annotations

from partnerhub.domain.billing.model import PricingCategory, PricingType

# Micro-euros per message.
PRICE_MICROS: dict[PricingCategory, int] = {
    PricingCategory.MARKETING: 113_100,
    PricingCategory.UTILITY: 45_600,
    PricingCategory.AUTHENTICATION: 63_600,
    PricingCategory.SERVICE: 0,  # service conversations are free since November 2024
}


def default_cost_micros(category: PricingCategory, pricing_type: PricingType, volume: int) -> int:
    if pricing_type != PricingType.REGULAR:
        return 0
    return PRICE_MICROS[category] * volume

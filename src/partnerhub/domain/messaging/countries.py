"""The recipient's country from its WhatsApp id, for pricing and usage reports.

Meta prices a message by the recipient's country, which it reads off the number's calling
code. This table covers the calling codes most traffic goes to; longer codes are tried first
(``1`` is the North American plan, ``1242`` would be the Bahamas). An unknown code is billed as
``ZZ`` ("rest of world" in our reports) rather than refused: the number is valid to Meta.
"""

from __future__ import annotations

import functools

CALLING_CODES: dict[str, str] = {
    "1": "US",
    "7": "RU",
    "20": "EG",
    "27": "ZA",
    "30": "GR",
    "31": "NL",
    "32": "BE",
    "33": "FR",
    "34": "ES",
    "36": "HU",
    "39": "IT",
    "40": "RO",
    "41": "CH",
    "43": "AT",
    "44": "GB",
    "45": "DK",
    "46": "SE",
    "47": "NO",
    "48": "PL",
    "49": "DE",
    "51": "PE",
    "52": "MX",
    "54": "AR",
    "55": "BR",
    "56": "CL",
    "57": "CO",
    "60": "MY",
    "61": "AU",
    "62": "ID",
    "63": "PH",
    "64": "NZ",
    "65": "SG",
    "66": "TH",
    "81": "JP",
    "82": "KR",
    "84": "VN",
    "86": "CN",
    "90": "TR",
    "91": "IN",
    "92": "PK",
    "234": "NG",
    "254": "KE",
    "351": "PT",
    "353": "IE",
    "358": "FI",
    "420": "CZ",
    "852": "HK",
    "966": "SA",
    "971": "AE",
    "972": "IL",
}
UNKNOWN = "ZZ"
_LONGEST = max(len(code) for code in CALLING_CODES)


@functools.lru_cache(maxsize=65536)  # one lookup per user, not per delivered message
def country_of(wa_id: str) -> str:
    for length in range(_LONGEST, 0, -1):
        country = CALLING_CODES.get(wa_id[:length])
        if country is not None:
            return country
    return UNKNOWN

"""Delivery faults the emulator injects per phone number, and the ``failed`` statuses they
produce [Meta's codes; the names are ours].

A fault is set on a phone number (``POST /_emulator/numbers/{number}/unreachable`` with
``fault``): on a *recipient* it fails every message sent to it, on a *business* number (a
channel's own) every message that number sends. The send is accepted as usual (200 with a
wamid); at the simulator's next step the message moves to ``failed`` instead of ``sent``, with
the status webhook's ``errors: [{code, title, message, error_data: {details}, href}]`` as the
Cloud API sends it. A recipient's fault wins over the sender's.

Codes and titles from Meta's Cloud API error-codes page
(developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes); ``details`` are ours
where Meta's text varies per case. See docs/fidelity.md, "MM Lite, statuses and errors".
"""

from __future__ import annotations

from partnerhub.domain.messaging import errors
from partnerhub.domain.messaging.errors import GraphError

# fault name -> Meta error code
FAULTS: dict[str, int] = {
    "undeliverable": errors.MESSAGE_UNDELIVERABLE,  # 131026
    "not_on_whatsapp": errors.MESSAGE_UNDELIVERABLE,  # Meta's 131026 covers "not a WA number"
    "not_in_allowed_list": errors.RECIPIENT_NOT_ALLOWED,  # 131030: test numbers / sandbox
    "rate_limited": errors.RATE_LIMIT_HIT,  # 130429
    "pair_rate_limited": errors.PAIR_RATE_LIMIT_HIT,  # 131056
    "spam_limit": errors.SPAM_RATE_LIMIT_HIT,  # 131048
    "ecosystem": errors.ECOSYSTEM_ENGAGEMENT,  # 131049: marketing not delivered
    "media_download_failed": errors.MEDIA_UPLOAD_ERROR,  # 131053: media messages only
}

# Faults that only fail messages carrying media (Meta could not fetch the link / id).
MEDIA_ONLY = frozenset({errors.MEDIA_UPLOAD_ERROR})
MEDIA_TYPES = frozenset({"image", "audio", "video", "document", "sticker"})

_DETAILS: dict[int, str] = {
    errors.MESSAGE_UNDELIVERABLE: (
        "Message Undeliverable. The recipient's phone number is not a WhatsApp phone number, "
        "or the recipient has not accepted the terms of service or runs an old WhatsApp version."
    ),
    errors.RECIPIENT_NOT_ALLOWED: (
        "Recipient phone number not in allowed list: add the recipient to the test number's "
        "allowed list."
    ),
    errors.RATE_LIMIT_HIT: "Cloud API message throughput has been reached.",
    errors.PAIR_RATE_LIMIT_HIT: (
        "Message failed to send because there were too many messages sent from this phone "
        "number to the same phone number in a short period of time."
    ),
    errors.SPAM_RATE_LIMIT_HIT: (
        "Message failed to send because there are restrictions on how many messages can be "
        "sent from this phone number. This may be because too many previous messages were "
        "blocked or flagged as spam."
    ),
    errors.ECOSYSTEM_ENGAGEMENT: (
        "In order to maintain a healthy ecosystem engagement, the message failed to be delivered."
    ),
    errors.MEDIA_DOWNLOAD_ERROR: "Unable to download the media sent by the user.",
    errors.MEDIA_UPLOAD_ERROR: "Unable to upload the media used in the message.",
}


def code_of(fault: str) -> int:
    return FAULTS[fault]


def applies(code: int, message_type: str) -> bool:
    """Whether a fault of ``code`` fails a message of ``message_type``."""
    return code not in MEDIA_ONLY or message_type in MEDIA_TYPES


def failure(code: int) -> GraphError:
    """The error a ``failed`` status carries for ``code``."""
    return GraphError(code, _DETAILS.get(code, errors.TITLES.get(code, "Message failed to send.")))

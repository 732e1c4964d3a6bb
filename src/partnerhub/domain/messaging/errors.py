"""Messaging API errors in Meta's Graph API shape.

The Messaging API answers like the Cloud API, not like the Partner API: clients written for Meta
read ``error.code`` and ``error.error_data.details``, so these errors carry Graph's fields and
render Graph's body, while the Partner API's ``meta`` envelope stays with
:mod:`partnerhub.domain.errors`. The wire ``message`` is ``(#<code>) <title>`` with the title
Meta documents (or, for 132000 and 132001, the text Meta is seen to send); the field at fault is
named in ``details``, and ``str(error)`` shows both so logs and test failures name the field.

Codes used, and when::

    100      Invalid parameter              not a JSON object, wrong JSON type, unknown key, a
                                            value outside a fixed set (type, sub_type, ...)
    131008   Required parameter is missing  a required field is absent or null
    131009   Parameter value is not valid   right type, refused value (length, count, range,
                                            phone number, URL, duplicate id, emoji)
    131051   Unsupported message type       a type Meta knows that this emulator does not send
    131047   Re-engagement message          free-form message outside the 24-hour window
    131026   Message undeliverable          the recipient cannot receive it
    132000   parameter count mismatch       template parameters given != variables defined
    132001   template does not exist        no such template/language, or not approved
    132012   parameter format mismatch      header parameter type differs from header format
    132015   Template is Paused
    132016   Template is Disabled
    131056   pair rate limit hit            too many messages to one user
    130429   Rate limit hit                 over the throughput limit (HTTP 429 here)
    131031   Business Account locked        the channel's status does not allow sending
    0 / 190  AuthException / expired token  no usable credentials
    10       Permission denied              the client took the partner's permission for the
                                            number away (direct-paid hubs)
    1        Unknown error                  a bug of ours
    2        Temporary due to downtime      the database is unreachable; clients retry
    131053   Media upload error             an upload over its type's size limit
    100/33   Unsupported get/delete request a media id that does not exist, is another
                                            channel's, expired or was deleted

MM Lite and delivery failures (``failed`` status webhooks; see marketing.py, delivery_faults.py)::

    131055   Method not allowed             MM Lite: a template that is not MARKETING, or the
                                            WABA has not accepted the MM Lite terms
    131030   Recipient not in allowed list  a sandbox/test number sending to an unlisted number
    131048   Spam rate limit hit            the number's messages were blocked/flagged as spam
    131049   (healthy ecosystem)            Meta chose not to deliver a marketing message
    131053   Media upload error             Meta could not fetch/upload the message's media

A :class:`GraphError` is a :class:`~partnerhub.domain.errors.DomainError` and carries no HTTP
status: the Graph renderer (:mod:`partnerhub.server.errors.graph`) maps each code to its status
in one table, for the routed handlers and the raw send path alike.
"""

from __future__ import annotations

from typing import Any

from partnerhub.domain.errors import DomainError

INVALID_PARAMETER = 100
REQUIRED_PARAMETER_MISSING = 131008
PARAMETER_VALUE_INVALID = 131009
UNSUPPORTED_MESSAGE_TYPE = 131051
RE_ENGAGEMENT_MESSAGE = 131047
MESSAGE_UNDELIVERABLE = 131026
TEMPLATE_PARAM_COUNT_MISMATCH = 132000
TEMPLATE_DOES_NOT_EXIST = 132001
TEMPLATE_PARAM_FORMAT_MISMATCH = 132012
TEMPLATE_PAUSED = 132015
TEMPLATE_DISABLED = 132016
PAIR_RATE_LIMIT_HIT = 131056
RATE_LIMIT_HIT = 130429
BUSINESS_ACCOUNT_LOCKED = 131031
AUTH_EXCEPTION = 0
# MM Lite and asynchronous delivery failures
METHOD_NOT_ALLOWED = 131055
RECIPIENT_NOT_ALLOWED = 131030
SPAM_RATE_LIMIT_HIT = 131048
ECOSYSTEM_ENGAGEMENT = 131049
MEDIA_DOWNLOAD_ERROR = 131052
MEDIA_UPLOAD_ERROR = 131053
PERMISSION_DENIED = 10
ACCESS_TOKEN_EXPIRED = 190
UNKNOWN_ERROR = 1
TEMPORARILY_UNAVAILABLE = 2
MEDIA_UPLOAD_ERROR = 131053
# Graph's subcode for "Object with ID ... does not exist, cannot be loaded due to missing
# permissions, or does not support this operation".
OBJECT_NOT_FOUND_SUBCODE = 33

TITLES: dict[int, str] = {
    INVALID_PARAMETER: "Invalid parameter",
    REQUIRED_PARAMETER_MISSING: "Required parameter is missing",
    PARAMETER_VALUE_INVALID: "Parameter value is not valid",
    UNSUPPORTED_MESSAGE_TYPE: "Unsupported message type",
    RE_ENGAGEMENT_MESSAGE: "Re-engagement message",
    MESSAGE_UNDELIVERABLE: "Message undeliverable",
    TEMPLATE_PARAM_COUNT_MISMATCH: (
        "Number of parameters does not match the expected number of params"
    ),
    TEMPLATE_DOES_NOT_EXIST: "Template name does not exist in the translation",
    TEMPLATE_PARAM_FORMAT_MISMATCH: (
        "Parameter format does not match format in the created template"
    ),
    TEMPLATE_PAUSED: "Template is Paused",
    TEMPLATE_DISABLED: "Template is Disabled",
    PAIR_RATE_LIMIT_HIT: "(Business Account, Consumer Account) pair rate limit hit",
    RATE_LIMIT_HIT: "Rate limit hit",
    AUTH_EXCEPTION: "AuthException",
    PERMISSION_DENIED: "Permission denied",
    ACCESS_TOKEN_EXPIRED: "Access token has expired",
    # MM Lite and asynchronous delivery failures (Meta's error-codes page)
    METHOD_NOT_ALLOWED: "Method not allowed",
    RECIPIENT_NOT_ALLOWED: "Recipient phone number not in allowed list",
    SPAM_RATE_LIMIT_HIT: "Spam rate limit hit",
    ECOSYSTEM_ENGAGEMENT: (
        "This message was not delivered to maintain healthy ecosystem engagement."
    ),
    MEDIA_DOWNLOAD_ERROR: "Media download error",
    MEDIA_UPLOAD_ERROR: "Media upload error",
}

# Meta links every webhook error to its error-code page.
ERROR_CODES_HREF = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"


class GraphError(DomainError):
    """One Cloud API error: what the Graph renderer answers with (its body is :meth:`to_body`),
    and what the simulator reports in a ``failed`` status with :meth:`to_webhook_error`."""

    details: str  # Graph's one string (``error_data.details``), the field at fault first

    def __init__(
        self,
        code: int,
        details: str = "",
        *,
        field: str | None = None,
        message: str | None = None,
        error_subcode: int | None = None,
    ) -> None:
        title = TITLES.get(code, "Unknown error")
        wire_message = message if message is not None else f"(#{code}) {title}"
        super().__init__(f"{wire_message}: {details}" if details else wire_message)
        self.code = code
        self.title = title
        self.message = wire_message
        self.details = details
        self.field = field
        self.error_subcode = error_subcode
        self.type = "OAuthException"

    def to_body(self, fbtrace_id: str) -> dict[str, Any]:
        """The Graph API error body. Auth errors carry no ``error_data``, as Meta's don't."""
        error: dict[str, Any] = {"message": self.message, "type": self.type, "code": self.code}
        if self.details:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        if self.error_subcode is not None:
            error["error_subcode"] = self.error_subcode
        error["fbtrace_id"] = fbtrace_id
        return {"error": error}

    def to_webhook_error(self) -> dict[str, Any]:
        """The entry for ``statuses[].errors`` of a ``failed`` status webhook."""
        error: dict[str, Any] = {"code": self.code, "title": self.title, "message": self.title}
        if self.details:
            error["error_data"] = {"details": self.details}
        error["href"] = ERROR_CODES_HREF
        return error


def _at(field: str, reason: str) -> str:
    return f"{field}: {reason}" if field else reason


def invalid_parameter(field: str, reason: str) -> GraphError:
    """100: the request's structure is wrong (type, unknown key, a value outside a fixed set)."""
    return GraphError(INVALID_PARAMETER, _at(field, reason), field=field)


def missing_parameter(field: str, reason: str = "is required") -> GraphError:
    """131008: a required field is absent or null."""
    return GraphError(REQUIRED_PARAMETER_MISSING, _at(field, reason), field=field)


def invalid_value(field: str, reason: str) -> GraphError:
    """131009: the field has the right type but a value the rules refuse."""
    return GraphError(PARAMETER_VALUE_INVALID, _at(field, reason), field=field)


def unsupported_type(field: str, value: str) -> GraphError:
    """131051: a message type Meta has but this emulator does not send."""
    return GraphError(
        UNSUPPORTED_MESSAGE_TYPE,
        _at(field, f"message type {value!r} is not currently supported"),
        field=field,
    )


def re_engagement() -> GraphError:
    """131047: a free-form message more than 24 hours after the user last wrote."""
    return GraphError(
        RE_ENGAGEMENT_MESSAGE,
        "Message failed to send because more than 24 hours have passed since the customer "
        "last replied to this number.",
        field="type",
    )


def undeliverable(details: str = "The recipient cannot receive this message.") -> GraphError:
    """131026: the recipient is not on WhatsApp, blocked the business, or runs an old client."""
    return GraphError(MESSAGE_UNDELIVERABLE, details, field="to")


def param_count_mismatch(field: str, component: str, given: int, expected: int) -> GraphError:
    """132000, with Meta's wording: ``body: number of localizable_params (0) does not match the
    expected number of params (1)``, prefixed by the request path."""
    return GraphError(
        TEMPLATE_PARAM_COUNT_MISMATCH,
        _at(
            field,
            f"{component}: number of localizable_params ({given}) does not match the "
            f"expected number of params ({expected})",
        ),
        field=field,
    )


def template_not_found(name: str, language: str, reason: str = "does not exist") -> GraphError:
    """132001: Meta answers this for a missing template *and* for one not approved yet."""
    return GraphError(
        TEMPLATE_DOES_NOT_EXIST,
        _at("template.name", f"template name ({name}) {reason} in {language}"),
        field="template.name",
    )


def param_format_mismatch(field: str, reason: str) -> GraphError:
    """132012: e.g. an image header parameter for a template whose header is a video."""
    return GraphError(TEMPLATE_PARAM_FORMAT_MISMATCH, _at(field, reason), field=field)


def template_paused(name: str) -> GraphError:
    """132015: paused by Meta for low quality; it resumes on its own."""
    return GraphError(
        TEMPLATE_PAUSED, f"template.name: template {name} is paused", field="template.name"
    )


def template_disabled(name: str) -> GraphError:
    """132016: paused too often and disabled for good."""
    return GraphError(
        TEMPLATE_DISABLED, f"template.name: template {name} is disabled", field="template.name"
    )


def pair_rate_limit() -> GraphError:
    """131056: too many messages from this number to the same user in a short time."""
    return GraphError(
        PAIR_RATE_LIMIT_HIT,
        "Too many messages sent from this phone number to the same recipient in a short "
        "period of time.",
        field="to",
    )


def rate_limit() -> GraphError:
    """130429: the phone number's throughput limit."""
    return GraphError(RATE_LIMIT_HIT, "Cloud API message throughput has been reached.")


def temporarily_unavailable() -> GraphError:
    """Meta's code 2, "Temporary due to downtime", which Cloud API clients retry: the database
    is unreachable, or the server stopped while the send was queued."""
    return GraphError(TEMPORARILY_UNAVAILABLE, message="Service temporarily unavailable")


def auth_failed(message: str = "We were unable to authenticate the app user.") -> GraphError:
    """0: no usable credentials. Graph's auth errors carry a plain message and no details."""
    return GraphError(AUTH_EXCEPTION, message=message)


def token_expired(
    message: str = "Error validating access token: Session has expired.",
) -> GraphError:
    """190: the credentials were valid once and are not any more."""
    return GraphError(ACCESS_TOKEN_EXPIRED, message=message)


def permission_denied(details: str) -> GraphError:
    """10: Meta's "Permission is either not granted or has been removed"."""
    return GraphError(PERMISSION_DENIED, details)


def permission_revoked(channel_id: str) -> GraphError:
    """10 for a channel key whose number the client no longer lets the partner use."""
    return permission_denied(
        f"The client has revoked the partner's permission for channel {channel_id}: "
        "the number can be used again once the client grants it on the onboarding page"
    )


def unknown_error() -> GraphError:
    """1: something failed that is no one's fault but ours (the answer to a bug)."""
    return GraphError(UNKNOWN_ERROR, message="An unknown error occurred")


def business_account_locked(channel_id: str, status: str) -> GraphError:
    """131031: the channel's status does not allow sending (not running or live)."""
    return GraphError(
        BUSINESS_ACCOUNT_LOCKED,
        f"channel {channel_id} is '{status}' and cannot send",
        message="(#131031) Business Account locked",
    )


def business_account_restricted(channel_id: str, restriction: str, until: int) -> GraphError:
    """131031: Meta restricted the number's WABA (policy enforcement, issue 18 item 6)."""
    return GraphError(
        BUSINESS_ACCOUNT_LOCKED,
        f"channel {channel_id}'s WhatsApp Business Account is restricted ({restriction}) "
        f"until {until} (Unix time)",
        message="(#131031) Business Account locked",
    )


# --- template types (issue 17 item 8): Meta's codes for a send that does not fit its template ---
# 132005 and 132007 carry Meta's titles from its error-code page (docs/fidelity.md "Template
# types"); 132000 / 132001 / 132012 / 132015 / 132016 are above.
TEMPLATE_TEXT_TOO_LONG = 132005
TEMPLATE_FORMAT_POLICY = 132007
TITLES[TEMPLATE_TEXT_TOO_LONG] = "Template Hydrated Text Too Long"
TITLES[TEMPLATE_FORMAT_POLICY] = "Template Format Character Policy Violated"


def template_text_too_long(field: str, reason: str) -> GraphError:
    """132005: the template's text with the parameters filled in is over Meta's length."""
    return GraphError(TEMPLATE_TEXT_TOO_LONG, _at(field, reason), field=field)


def template_format_policy(field: str, reason: str) -> GraphError:
    """132007: a parameter breaks Meta's format rules (new lines, tabs, 5+ spaces in a row)."""
    return GraphError(TEMPLATE_FORMAT_POLICY, _at(field, reason), field=field)


# --- media (docs/fidelity.md, "Media") ------------------------------------------------------


def media_not_found(media_id: str, verb: str = "get") -> GraphError:
    """100 with subcode 33: Graph's answer for an object id it cannot show the caller (unknown,
    another channel's, expired or deleted: Meta does not tell them apart)."""
    error = GraphError(
        INVALID_PARAMETER,
        message=(
            f"Unsupported {verb} request. Object with ID '{media_id}' does not exist, cannot be "
            "loaded due to missing permissions, or does not support this operation. Please read "
            "the Graph API documentation at https://developers.facebook.com/docs/graph-api"
        ),
        error_subcode=OBJECT_NOT_FOUND_SUBCODE,
    )
    error.type = "GraphMethodException"
    return error


def form_parameter_missing(name: str) -> GraphError:
    """100: Graph's words for a required form field left out of an upload."""
    return GraphError(
        INVALID_PARAMETER, message=f"(#100) The parameter {name} is required.", field=name
    )


def form_parameter_invalid(name: str, reason: str) -> GraphError:
    return GraphError(INVALID_PARAMETER, message=f"(#100) Param {name} {reason}", field=name)


def media_type_unsupported(types: list[str]) -> GraphError:
    """100 with Graph's list of the types an upload may have."""
    return form_parameter_invalid(
        "file", "must be a file with one of the following types: " + ", ".join(types) + "."
    )


def media_too_large(mime_type: str, limit: int) -> GraphError:
    """131053: the upload is larger than its type allows."""
    shown = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
    return GraphError(
        MEDIA_UPLOAD_ERROR,
        f"file: a {mime_type} file may be at most {shown} ({limit} bytes)",
        field="file",
    )


def invalid_media_id(param: str) -> GraphError:
    """100, as Graph answers a send naming a media id the number does not have."""
    return GraphError(
        INVALID_PARAMETER,
        f"{param}: is not a valid whatsapp business account media attachment ID",
        message=f"(#100) Param {param} is not a valid whatsapp business account media "
        "attachment ID",
        field=param,
    )

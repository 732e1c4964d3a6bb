"""The rules for a Cloud API ``POST /messages`` body, and for a template send against the stored
template.

Pure functions over untrusted JSON: :func:`parse_outgoing` either returns an
:class:`OutgoingMessage` (the recipient, a normalized body holding only known fields, and what a
template send must be checked against) or raises :class:`GraphError` naming the JSON path at
fault; it raises nothing else on any input. :func:`check_template` then compares a template send
with the template as stored, which only the caller can look up.

Limits follow Meta's documentation for each message type (text 4096 characters, reply buttons 1-3
with 20-character titles, lists of up to 10 rows, captions 1024, ...). Which code answers what is
described in :mod:`partnerhub.domain.messaging.errors`; in short, a ``type`` outside Meta's list
is a malformed request (100, as Graph answers an enum mismatch), while an interactive type Meta
has but the emulator does not simulate is 131051.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from partnerhub.domain.messaging import _json as j
from partnerhub.domain.messaging.emoji import is_single_emoji
from partnerhub.domain.messaging.errors import (
    GraphError,
    invalid_parameter,
    invalid_value,
    param_count_mismatch,
    param_format_mismatch,
    template_disabled,
    template_not_found,
    template_paused,
)
from partnerhub.domain.messaging.interactive import parse_interactive
from partnerhub.domain.messaging.media import media_object

MESSAGE_TYPES = frozenset(
    {
        "text",
        "template",
        "interactive",
        "image",
        "document",
        "audio",
        "video",
        "sticker",
        "location",
        "contacts",
        "reaction",
    }
)
MAX_TEXT_BODY = 4096
MAX_CALLBACK_DATA = 512
MIN_PHONE_DIGITS = 7
MAX_PHONE_DIGITS = 15
MAX_TEMPLATE_NAME = 512
MAX_BUTTON_INDEX = 9
MAX_TEMPLATE_PARAMETERS = 100  # far above any real template; bounds the work per request

_TOP_KEYS = frozenset(
    {"messaging_product", "recipient_type", "to", "type", "context", "biz_opaque_callback_data"}
)
_PHONE_SEPARATORS = str.maketrans("", "", " -")
_ASCII_DIGITS = frozenset("0123456789")


@dataclass(frozen=True)
class ComponentParams:
    """How many parameters a template send gives one component, and where in the request."""

    kind: str  # "header", "body" or "button"
    count: int
    path: str
    index: int | None = None  # a button's position in the template
    sub_type: str | None = None  # a button's kind: quick_reply, url, copy_code, ...
    param_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class TemplateRef:
    """What a template send names, so the caller can look the template up and check it."""

    name: str
    language: str
    components: tuple[ComponentParams, ...] = ()

    def component(self, kind: str, index: int | None = None) -> ComponentParams | None:
        for given in self.components:
            if given.kind == kind and given.index == index:
                return given
        return None

    @property
    def header_params(self) -> int:
        found = self.component("header")
        return found.count if found else 0

    @property
    def body_params(self) -> int:
        found = self.component("body")
        return found.count if found else 0

    @property
    def button_params(self) -> dict[int, int]:
        return {c.index: c.count for c in self.components if c.index is not None}


@dataclass(frozen=True)
class OutgoingMessage:
    """A send request that passed validation."""

    wa_id: str  # the recipient, digits only
    to: str  # the recipient as given: the send answer echoes it as contacts[].input
    type: str
    body: dict[str, Any]  # the normalized request: known fields only, defaults filled in
    template: TemplateRef | None = None
    context_message_id: str | None = None
    biz_opaque_callback_data: str | None = None

    @property
    def is_free_form(self) -> bool:
        """Everything but a template needs the 24-hour customer service window."""
        return self.type != "template"


# --- the envelope -------------------------------------------------------------------------


def parse_outgoing(body: object) -> OutgoingMessage:
    """Validate a ``POST /messages`` body; raise :class:`GraphError` naming the field at fault."""
    try:
        return _parse_outgoing(body)
    except GraphError:
        raise
    except RecursionError:
        # Defence in depth: the readers never recurse on input, but a refusal beats a 500.
        raise invalid_parameter("", "the request is nested too deeply") from None


def _parse_outgoing(body: object) -> OutgoingMessage:
    if not isinstance(body, dict):
        raise invalid_parameter("", f"the body must be a JSON object, got {j.json_type(body)}")
    message_type = _message_type(body)
    top = j.obj(body, "", _TOP_KEYS | {message_type})
    j.choice(j.required(top, "messaging_product", ""), "messaging_product", {"whatsapp"})
    recipient_type = top.get("recipient_type")
    if recipient_type is not None:
        j.choice(recipient_type, "recipient_type", {"individual"})
    to = j.string(j.required(top, "to", ""), "to", max_len=64)
    wa_id = normalize_phone(to, "to")
    context_id = _context(top)
    callback = j.opt_str(top, "biz_opaque_callback_data", "", max_len=MAX_CALLBACK_DATA)
    content, template = _content(top, message_type)
    normalized: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": wa_id,
        "type": message_type,
        message_type: content,
    }
    if context_id is not None:
        normalized["context"] = {"message_id": context_id}
    if callback is not None:
        normalized["biz_opaque_callback_data"] = callback
    return OutgoingMessage(
        wa_id=wa_id,
        to=to,
        type=message_type,
        body=normalized,
        template=template,
        context_message_id=context_id,
        biz_opaque_callback_data=callback,
    )


def _message_type(body: dict[Any, Any]) -> str:
    value = body.get("type")
    if value is None:
        return "text"  # Meta's default
    return j.choice(value, "type", MESSAGE_TYPES)


def _context(top: dict[str, Any]) -> str | None:
    value = top.get("context")
    if value is None:
        return None
    context = j.obj(value, "context", {"message_id"})
    return j.req_str(context, "message_id", "context", max_len=512)


def phone_digits(value: str) -> str:
    """A phone number as its digits: ``+49 151-2345 678`` -> ``491512345678``.

    A leading ``+``, spaces and dashes are tolerated because clients copy numbers as people write
    them; anything else (letters, brackets, other scripts' digits) is refused with ValueError.
    """
    text = value.strip()
    if text.startswith("+"):
        text = text[1:]
    digits = text.translate(_PHONE_SEPARATORS)
    if not digits or not set(digits) <= _ASCII_DIGITS:
        raise ValueError("must be a phone number: digits, optional leading +")
    if not MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS:
        raise ValueError(
            f"must have {MIN_PHONE_DIGITS} to {MAX_PHONE_DIGITS} digits, got {len(digits)}"
        )
    return digits


def normalize_phone(value: str, path: str) -> str:
    """:func:`phone_digits`, refusing with 131009 naming ``path``."""
    try:
        return phone_digits(value)
    except ValueError as exc:
        raise invalid_value(path, str(exc)) from None


def _content(top: dict[str, Any], message_type: str) -> tuple[dict[str, Any], TemplateRef | None]:
    value = j.required(top, message_type, "")
    if message_type == "template":
        return _template(value)
    return _PARSERS[message_type](value, message_type), None


# --- simple types -------------------------------------------------------------------------


def _text(value: object, path: str) -> dict[str, Any]:
    text = j.obj(value, path, {"body", "preview_url"})
    result: dict[str, Any] = {"body": j.req_str(text, "body", path, max_len=MAX_TEXT_BODY)}
    preview = j.opt_bool(text, "preview_url", path)
    if preview is not None:
        result["preview_url"] = preview
    return result


def _media(kind: str) -> Callable[[object, str], dict[str, Any]]:
    def parse(value: object, path: str) -> dict[str, Any]:
        return media_object(value, path, kind)

    return parse


def location_object(value: object, path: str) -> dict[str, Any]:
    """A location: used by location messages and template location headers alike."""
    location = j.obj(value, path, {"latitude", "longitude", "name", "address"})
    result: dict[str, Any] = {
        "latitude": j.coordinate(location, "latitude", path, 90),
        "longitude": j.coordinate(location, "longitude", path, 180),
    }
    for key in ("name", "address"):
        text = j.opt_str(location, key, path, max_len=1024)
        if text is not None:
            result[key] = text
    return result


def reaction_object(value: object, path: str) -> dict[str, Any]:
    """A reaction: the message reacted to and one emoji, or "" to take the reaction back."""
    reaction = j.obj(value, path, {"message_id", "emoji"})
    message_id = j.req_str(reaction, "message_id", path, max_len=512)
    emoji = j.string(j.required(reaction, "emoji", path), j.join(path, "emoji"), allow_empty=True)
    if emoji and not is_single_emoji(emoji):
        raise invalid_value(j.join(path, "emoji"), 'must be a single emoji, or "" to remove one')
    return {"message_id": message_id, "emoji": emoji}


# --- contacts -----------------------------------------------------------------------------

_NAME_KEYS = ("formatted_name", "first_name", "last_name", "middle_name", "suffix", "prefix")
_CONTACT_LISTS: dict[str, tuple[str, ...]] = {
    "phones": ("phone", "type", "wa_id"),
    "emails": ("email", "type"),
    "urls": ("url", "type"),
    "addresses": ("street", "city", "state", "zip", "country", "country_code", "type"),
}
_MAX_CONTACTS = 257  # WhatsApp's contact-sharing limit
_MAX_CONTACT_ENTRIES = 20
_MAX_CONTACT_TEXT = 1024


def _string_record(
    value: object, path: str, keys: tuple[str, ...], must: tuple[str, ...] = ()
) -> dict[str, str]:
    """An object of optional strings, some required: the shape of every part of a contact."""
    record = j.obj(value, path, keys)
    result: dict[str, str] = {}
    for key in keys:
        if key in must:
            result[key] = j.req_str(record, key, path, max_len=_MAX_CONTACT_TEXT)
            continue
        text = j.opt_str(record, key, path, max_len=_MAX_CONTACT_TEXT)
        if text is not None:
            result[key] = text
    return result


def _contact(value: object, path: str) -> dict[str, Any]:
    keys = {"name", "org", "birthday", *_CONTACT_LISTS}
    contact = j.obj(value, path, keys)
    name_path = j.join(path, "name")
    result: dict[str, Any] = {
        "name": _string_record(
            j.required(contact, "name", path), name_path, _NAME_KEYS, must=("formatted_name",)
        )
    }
    if contact.get("org") is not None:
        result["org"] = _string_record(
            contact["org"], j.join(path, "org"), ("company", "department", "title")
        )
    birthday = j.opt_str(contact, "birthday", path, max_len=10)
    if birthday is not None:
        result["birthday"] = birthday
    for key, fields in _CONTACT_LISTS.items():
        if contact.get(key) is None:
            continue
        at = j.join(path, key)
        entries = j.array(contact[key], at, max_items=_MAX_CONTACT_ENTRIES)
        result[key] = [_string_record(e, j.item(at, i), fields) for i, e in enumerate(entries)]
    return result


def _contacts(value: object, path: str) -> list[dict[str, Any]]:
    contacts = j.array(value, path, min_items=1, max_items=_MAX_CONTACTS)
    return [_contact(entry, j.item(path, i)) for i, entry in enumerate(contacts)]


_PARSERS: dict[str, Callable[[object, str], Any]] = {
    "text": _text,
    "interactive": parse_interactive,
    "image": _media("image"),
    "document": _media("document"),
    "audio": _media("audio"),
    "video": _media("video"),
    "sticker": _media("sticker"),
    "location": location_object,
    "contacts": _contacts,
    "reaction": reaction_object,
}


# --- templates ----------------------------------------------------------------------------

_COMPONENT_TYPES = frozenset({"header", "body", "button"})
_PARAM_TYPES: dict[str, frozenset[str]] = {
    "header": frozenset(
        {"text", "currency", "date_time", "image", "document", "video", "location"}
    ),
    "body": frozenset({"text", "currency", "date_time"}),
    "button": frozenset({"payload", "text", "coupon_code", "action"}),
}
_BUTTON_SUB_TYPES = frozenset(
    {"quick_reply", "url", "copy_code", "flow", "catalog", "mpm", "voice_call"}
)


def _template(value: object) -> tuple[dict[str, Any], TemplateRef]:
    path = "template"
    template = j.obj(value, path, {"name", "language", "components", "namespace"})
    name = j.req_str(template, "name", path, max_len=MAX_TEMPLATE_NAME)
    language = _language(j.required(template, "language", path), j.join(path, "language"))
    result: dict[str, Any] = {"name": name, "language": language}
    namespace = j.opt_str(template, "namespace", path, max_len=256)
    if namespace is not None:
        result["namespace"] = namespace
    components: list[dict[str, Any]] = []
    counted: list[ComponentParams] = []
    if template.get("components") is not None:
        at = j.join(path, "components")
        entries = j.array(template["components"], at, max_items=MAX_BUTTON_INDEX + 3)
        for i, entry in enumerate(entries):
            component, params = _template_component(entry, j.item(at, i))
            _refuse_repeat(counted, params)
            components.append(component)
            counted.append(params)
        result["components"] = components
    return result, TemplateRef(name=name, language=language["code"], components=tuple(counted))


def _language(value: object, path: str) -> dict[str, Any]:
    language = j.obj(value, path, {"code", "policy"})
    result: dict[str, Any] = {"code": j.req_str(language, "code", path, max_len=20)}
    if language.get("policy") is not None:
        result["policy"] = j.choice(language["policy"], j.join(path, "policy"), {"deterministic"})
    return result


def _refuse_repeat(seen: list[ComponentParams], new: ComponentParams) -> None:
    for earlier in seen:
        if earlier.kind == new.kind and earlier.index == new.index:
            which = new.kind if new.index is None else f"button with index {new.index}"
            raise invalid_value(new.path, f"repeats the {which} component of {earlier.path}")


def _template_component(value: object, path: str) -> tuple[dict[str, Any], ComponentParams]:
    raw = j.obj(value, path, {"type", "sub_type", "index", "parameters"})
    kind = j.choice(j.required(raw, "type", path), j.join(path, "type"), _COMPONENT_TYPES)
    result: dict[str, Any] = {"type": kind}
    index: int | None = None
    sub_type: str | None = None
    if kind == "button":
        sub_type = j.choice(
            j.required(raw, "sub_type", path), j.join(path, "sub_type"), _BUTTON_SUB_TYPES
        )
        index = _button_index(j.required(raw, "index", path), j.join(path, "index"))
        result.update(sub_type=sub_type, index=str(index))
    elif raw.get("sub_type") is not None or raw.get("index") is not None:
        extra = "sub_type" if raw.get("sub_type") is not None else "index"
        raise invalid_parameter(j.join(path, extra), "is only valid on button components")
    parameters: list[dict[str, Any]] = []
    if raw.get("parameters") is not None:
        at = j.join(path, "parameters")
        entries = j.array(raw["parameters"], at, max_items=MAX_TEMPLATE_PARAMETERS)
        parameters = [_template_parameter(e, j.item(at, i), kind) for i, e in enumerate(entries)]
        result["parameters"] = parameters
    params = ComponentParams(
        kind=kind,
        count=len(parameters),
        path=path,
        index=index,
        sub_type=sub_type,
        param_types=tuple(p["type"] for p in parameters),
    )
    return result, params


def _button_index(value: object, path: str) -> int:
    """Meta's examples send the index as a string ("0"); integers are accepted too."""
    if isinstance(value, str) and value.strip() in {str(n) for n in range(MAX_BUTTON_INDEX + 1)}:
        return int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value <= MAX_BUTTON_INDEX:
            return value
        raise invalid_value(path, f"must be between 0 and {MAX_BUTTON_INDEX}")
    if isinstance(value, str):
        raise invalid_value(path, f"must be between 0 and {MAX_BUTTON_INDEX}")
    raise invalid_parameter(path, f"must be a string or a number, got {j.json_type(value)}")


# A parameter holds its value under the key named by its type: {"type": "text", "text": "..."}.
_PARAM_VALUE_KEYS = (
    "text",
    "payload",
    "coupon_code",
    "currency",
    "date_time",
    "image",
    "document",
    "video",
    "location",
    "action",
)


def _template_parameter(value: object, path: str, component: str) -> dict[str, Any]:
    allowed = {"type", "parameter_name", *_PARAM_VALUE_KEYS}
    raw = j.obj(value, path, allowed)
    kind = j.choice(j.required(raw, "type", path), j.join(path, "type"), _PARAM_TYPES[component])
    key = kind
    for other in _PARAM_VALUE_KEYS:
        if other != key and raw.get(other) is not None:
            raise invalid_parameter(
                j.join(path, other), f"is not valid for a parameter of type {kind!r}"
            )
    if raw.get(key) is None:
        # Meta answers 100 here, naming the field: "Parameter 'text' is mandatory for
        # component parameter type 'text'".
        raise invalid_parameter(
            j.join(path, key),
            f"Parameter '{key}' is mandatory for component parameter type '{kind}'",
        )
    result: dict[str, Any] = {
        "type": kind,
        key: _parameter_value(kind, raw[key], j.join(path, key)),
    }
    name = j.opt_str(raw, "parameter_name", path, max_len=512)
    if name is not None:
        result["parameter_name"] = name
    return result


def _parameter_value(kind: str, value: object, path: str) -> Any:
    if kind in ("text", "payload"):
        return j.string(value, path, max_len=32768)
    if kind == "coupon_code":
        return j.string(value, path, max_len=15)
    if kind == "currency":
        return _currency(value, path)
    if kind == "date_time":
        date_time = j.obj(value, path, {"fallback_value"})
        return {"fallback_value": j.req_str(date_time, "fallback_value", path, max_len=1024)}
    if kind == "location":
        return location_object(value, path)
    if kind == "action":
        return _flow_action(value, path)
    return media_object(value, path, kind, in_template=True)


def _currency(value: object, path: str) -> dict[str, Any]:
    currency = j.obj(value, path, {"fallback_value", "code", "amount_1000"})
    code = j.req_str(currency, "code", path, max_len=3)
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise invalid_value(j.join(path, "code"), "must be an ISO 4217 currency code")
    amount = j.required(currency, "amount_1000", path)
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise invalid_parameter(
            j.join(path, "amount_1000"), f"must be an integer, got {j.json_type(amount)}"
        )
    if not -(10**15) <= amount <= 10**15:
        raise invalid_value(j.join(path, "amount_1000"), "is out of range")
    return {
        "fallback_value": j.req_str(currency, "fallback_value", path, max_len=1024),
        "code": code.upper(),
        "amount_1000": amount,
    }


def _flow_action(value: object, path: str) -> dict[str, Any]:
    action = j.obj(value, path, {"flow_token", "flow_action_data"})
    result: dict[str, Any] = {}
    token = j.opt_str(action, "flow_token", path, max_len=1024)
    if token is not None:
        result["flow_token"] = token
    if action.get("flow_action_data") is not None:
        data = action["flow_action_data"]
        at = j.join(path, "flow_action_data")
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, str | int | float | bool) for k, v in data.items()
        ):
            raise invalid_parameter(at, "must be an object of strings, numbers and booleans")
        for key, item in data.items():
            j.storable(key, at)
            if isinstance(item, str):
                j.storable(item, j.join(at, j.shown(key)))
        result["flow_action_data"] = dict(data)
    return result


# --- the template as stored ---------------------------------------------------------------

_VARIABLE = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
_MEDIA_FORMATS = frozenset({"image", "video", "document", "location"})


def template_variables(text: object) -> int:
    """How many distinct ``{{1}}`` / ``{{name}}`` variables a template text holds."""
    if not isinstance(text, str):
        return 0
    return len(set(_VARIABLE.findall(text)))


def check_template(
    ref: TemplateRef, template_status: str | None, template_components: list[dict[str, Any]]
) -> None:
    """Check a template send against the stored template (Meta's creation shape).

    ``template_status`` is None when no template of that name and language exists. Meta answers
    132001 both for a missing template and for one not approved yet (pending, rejected), 132015
    / 132016 for paused / disabled ones, and 132000 when the parameters given do not match the
    variables in the header text, the body text or a URL button.
    """
    _check_status(ref, template_status)
    stored = [c for c in template_components if isinstance(c, dict)]
    _check_header(ref, _stored_component(stored, "HEADER"))
    body = _stored_component(stored, "BODY")
    _check_count(ref, "body", template_variables(body.get("text") if body else None))
    _check_buttons(ref, _stored_component(stored, "BUTTONS"))


def _check_status(ref: TemplateRef, status: str | None) -> None:
    if status is None:
        raise template_not_found(ref.name, ref.language)
    lowered = status.lower()
    if lowered == "paused":
        raise template_paused(ref.name)
    if lowered == "disabled":
        raise template_disabled(ref.name)
    if lowered != "approved":
        raise template_not_found(ref.name, ref.language, f"is not approved ({lowered})")


def _stored_component(stored: list[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    for component in stored:
        if str(component.get("type", "")).upper() == kind:
            return component
    return None


def _given_path(ref: TemplateRef, kind: str, index: int | None = None) -> str:
    given = ref.component(kind, index)
    return f"{given.path}.parameters" if given else "template.components"


def _check_count(ref: TemplateRef, kind: str, expected: int, index: int | None = None) -> None:
    given = ref.component(kind, index)
    count = given.count if given else 0
    if count != expected:
        label = kind if index is None else f"button at index {index}"
        raise param_count_mismatch(_given_path(ref, kind, index), label, count, expected)


def _check_header(ref: TemplateRef, header: dict[str, Any] | None) -> None:
    header_format = str(header.get("format", "TEXT")).lower() if header else "text"
    if header is None or header_format not in _MEDIA_FORMATS:
        _check_count(ref, "header", template_variables(header.get("text") if header else None))
        return
    _check_count(ref, "header", 1)
    given = ref.component("header")
    if given is not None and given.param_types[0] != header_format:
        raise param_format_mismatch(
            f"{given.path}.parameters[0].type",
            f"the template's header is {header_format}, got {given.param_types[0]}",
        )


def _check_buttons(ref: TemplateRef, buttons_component: dict[str, Any] | None) -> None:
    raw = buttons_component.get("buttons") if buttons_component else None
    stored = raw if isinstance(raw, list) else []
    for given in ref.components:
        if given.index is not None and given.index >= len(stored):
            raise invalid_value(given.path, f"the template has no button at index {given.index}")
    for index, button in enumerate(stored):
        if isinstance(button, dict) and str(button.get("type", "")).upper() == "URL":
            _check_count(ref, "button", template_variables(button.get("url")), index)

"""The rules for a Cloud API ``POST /messages`` body, and for a template send against the stored
template.

:func:`parse_outgoing` decodes untrusted JSON into :class:`partnerhub.wire.cloud_api.SendRequest`
(msgspec checks the shapes and their limits while decoding), then applies the rules that span
fields: the object named by ``type`` present, exactly one of ``link`` and ``id``, unique button
ids, URLs, phone numbers, emoji, ... It returns an :class:`OutgoingMessage` (the recipient, a
normalized body holding only known fields, and what a template send must be checked against) or
raises :class:`GraphError` naming the JSON path at fault; it raises nothing else on any input.
Every refusal and its code is in :data:`partnerhub.domain.messaging.refusals.REFUSALS`.
:func:`check_template` then compares a template send with the template as stored, which only
the caller can look up.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import msgspec

from partnerhub.domain.messaging.emoji import has_emoji, is_single_emoji
from partnerhub.domain.messaging.errors import (
    GraphError,
    invalid_value,
    template_disabled,
    template_not_found,
    template_paused,
)
from partnerhub.domain.messaging.refusals import decode, join, json_type, refuse, shown
from partnerhub.domain.messaging.template_sends import check_send, compiled
from partnerhub.wire import cloud_api as w

MESSAGE_TYPES = w.MESSAGE_TYPES
MIN_PHONE_DIGITS = 7
MAX_PHONE_DIGITS = 15

_PHONE_SEPARATORS = str.maketrans("", "", " -")
_NUMERIC_STRING = re.compile(r"-?[0-9]{1,3}(?:\.[0-9]{1,20})?")
_to_builtins = msgspec.to_builtins
_ENVELOPE_KEYS = frozenset(
    {"messaging_product", "recipient_type", "to", "type", "context", "biz_opaque_callback_data"}
)
_ALLOWED_KEYS = {kind: _ENVELOPE_KEYS | {kind} for kind in MESSAGE_TYPES}


@dataclass(frozen=True)
class ComponentParams:
    """How many parameters a template send gives one component, and where in the request."""

    kind: str  # "header", "body" or "button"
    count: int
    path: str
    index: int | None = None  # a button's position in the template
    sub_type: str | None = None  # a button's kind: quick_reply, url, copy_code, ...
    param_types: tuple[str, ...] = ()
    # Per parameter: its ``parameter_name`` (named templates) and its text (a text parameter's
    # text, a currency's or date's fallback value; None for media, products, actions, ...).
    names: tuple[str | None, ...] = ()
    values: tuple[str | None, ...] = ()
    sections: int = 0  # product sections given in an ``action`` parameter (multi-product)
    cards: tuple[CardParams, ...] = ()  # a carousel's cards


@dataclass(frozen=True)
class CardParams:
    """One card of a carousel send: its ``card_index`` and its components."""

    card_index: int
    path: str
    components: tuple[ComponentParams, ...] = ()


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
class ProductRef:
    """The catalog products an interactive send names, checked against the WABA's catalog by
    :func:`partnerhub.domain.catalogs.services.check_products` (only the caller can look the
    catalog up). ``catalog_id`` is None for a catalog message (it shows the WABA's catalog);
    ``products`` pairs each retailer id with the JSON path that named it."""

    catalog_id: str | None
    products: tuple[tuple[str, str], ...]
    catalog_path: str = "interactive.action.catalog_id"


# Not frozen: one is built on every send, and a frozen dataclass's __init__ sets each field
# through object.__setattr__ (1.5 against 0.5 µs for these eight). Nothing changes one.
@dataclass(slots=True)
class OutgoingMessage:
    """A send request that passed validation."""

    wa_id: str  # the recipient, digits only
    to: str  # the recipient as given: the send answer echoes it as contacts[].input
    type: str
    body: dict[str, Any]  # the normalized request: known fields only, defaults filled in
    template: TemplateRef | None = None
    context_message_id: str | None = None
    biz_opaque_callback_data: str | None = None
    products: ProductRef | None = None  # product, product_list, catalog and product carousel

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
        # Defence in depth: nothing here recurses on input, but a refusal beats a 500.
        raise refuse("too_deep", "") from None


def _parse_outgoing(body: object) -> OutgoingMessage:
    if not isinstance(body, dict):
        raise refuse("not_a_body", "", got=json_type(body))
    kind = body.get("type") or "text"
    allowed = _ALLOWED_KEYS.get(kind.lower()) if isinstance(kind, str) else None
    if allowed is not None:
        # Graph reads the envelope's keys first: another type's object is an unknown parameter.
        if not body.keys() <= allowed:
            raise refuse("unknown_key", shown(next(key for key in body if key not in allowed)))
        if body.get("messaging_product") is None:
            raise refuse("missing", "messaging_product")
    request = decode(body, w.SendRequest)
    message_type = request.type or "text"
    wa_id = normalize_phone(request.to, "to")
    content: Any = getattr(request, message_type)
    if content is None:
        raise refuse("missing", message_type)
    checked = _RULES[message_type](content, message_type)
    template = checked if isinstance(checked, TemplateRef) else None
    normalized: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": wa_id,
        "type": message_type,
        message_type: _to_builtins(content),
    }
    context_id = request.context.message_id if request.context is not None else None
    if context_id is not None:
        normalized["context"] = {"message_id": context_id}
    callback = request.biz_opaque_callback_data
    if callback is not None:
        normalized["biz_opaque_callback_data"] = callback
    return OutgoingMessage(
        wa_id=wa_id,
        to=request.to,
        type=message_type,
        body=normalized,
        template=template,
        context_message_id=context_id,
        biz_opaque_callback_data=callback,
        products=checked if isinstance(checked, ProductRef) else None,
    )


def phone_digits(value: str) -> str:
    """A phone number as its digits: ``+49 151-2345 678`` -> ``491512345678``.

    A leading ``+``, spaces and dashes are tolerated because clients copy numbers as people write
    them; anything else (letters, brackets, other scripts' digits) is refused with ValueError.
    """
    text = value.strip()
    if text.startswith("+"):
        text = text[1:]
    digits = text.translate(_PHONE_SEPARATORS)
    if not (digits.isascii() and digits.isdigit()):  # isdigit alone takes other scripts' digits
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
        raise refuse("phone", path, reason=str(exc)) from None


# --- rules that span fields, per message type ---------------------------------------------


def _no_rules(content: object, path: str) -> None:
    return None


def http_url(url: str, path: str) -> str:
    """An absolute http(s) URL with a host: WhatsApp fetches media and opens links over HTTP."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - reading it validates it (a bad port raises ValueError)
    except ValueError:
        raise refuse("bad_url", path) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise refuse("not_http", path)
    if any(ch.isspace() for ch in url.strip()):
        raise refuse("url_whitespace", path)
    return url.strip()


def _media(media: w.Media, path: str) -> None:
    """Exactly one of ``link`` or ``id``; a link is an http(s) URL, stored stripped."""
    if media.link is not None and media.id is not None:
        raise refuse("link_and_id", path)
    if media.link is None and media.id is None:
        raise refuse("no_link_or_id", path)
    if media.link is not None:
        media.link = http_url(media.link, join(path, "link"))


def _coordinate(value: int | float | str, path: str, limit: float) -> float:
    """A latitude or longitude. Meta's examples send numbers and numeric strings; both pass."""
    if isinstance(value, str):
        if not _NUMERIC_STRING.fullmatch(value.strip()):
            raise refuse("not_numeric", path)
        value = float(value)
    # Compared before any float(): float() of a huge JSON integer raises OverflowError.
    if (isinstance(value, float) and not math.isfinite(value)) or not -limit <= value <= limit:
        raise refuse("not_between", path, low=-limit, high=limit)
    return float(value)


def location_rules(location: w.Location, path: str) -> None:
    """Coordinates in range, stored as numbers: location messages and template headers alike."""
    location.latitude = _coordinate(location.latitude, join(path, "latitude"), 90)
    location.longitude = _coordinate(location.longitude, join(path, "longitude"), 180)


def reaction_rules(reaction: w.Reaction, path: str) -> None:
    """One emoji, or "" to take the reaction back."""
    if reaction.emoji and not is_single_emoji(reaction.emoji):
        raise refuse("not_an_emoji", join(path, "emoji"))


def location_object(value: object, path: str) -> dict[str, Any]:
    """A location at ``path``, checked and normalized (the emulator's inbound messages too)."""
    location = decode(value, w.Location, path)
    location_rules(location, path)
    return _to_builtins(location)  # type: ignore[no-any-return]


def reaction_object(value: object, path: str) -> dict[str, Any]:
    """A reaction at ``path``: the message reacted to and one emoji, or ""."""
    reaction = decode(value, w.Reaction, path)
    reaction_rules(reaction, path)
    return _to_builtins(reaction)  # type: ignore[no-any-return]


def _unique(seen: dict[str, str], value: str, path: str, what: str) -> None:
    if value in seen:
        raise refuse("not_unique", path, what=what, other=seen[value])
    seen[value] = path


def _header(header: w.Header | None, path: str) -> None:
    if header is None:
        return
    at = join(path, "header")
    kind = header.type
    for other in ("text", "image", "video", "document"):
        if other != kind and getattr(header, other) is not None:
            raise refuse("not_for_header", join(at, other), kind=kind)
    content = getattr(header, kind)
    if content is None:
        raise refuse("missing", join(at, kind))
    if kind != "text":
        _media(content, join(at, kind))


def _interactive(message: w.Interactive, path: str) -> ProductRef | None:
    if isinstance(message, w.LocationRequestMessage):
        for part in ("header", "footer"):
            if getattr(message, part) is not None:
                raise refuse("not_for_location_request", join(path, part))
        return None
    if isinstance(message, _ISSUE_17_TYPES):
        return _interactive_more(message, path)
    _header(message.header, path)
    action = join(path, "action")
    if isinstance(message, w.ButtonMessage):
        buttons_at = join(action, "buttons")
        ids: dict[str, str] = {}
        titles: dict[str, str] = {}
        for i, button in enumerate(message.action.buttons):
            reply_at = f"{buttons_at}[{i}].reply"
            _unique(ids, button.reply.id, join(reply_at, "id"), "button ids")
            _unique(titles, button.reply.title, join(reply_at, "title"), "button titles")
    elif isinstance(message, w.ListMessage):
        sections_at = join(action, "sections")
        titled = len(message.action.sections) > 1
        row_ids: dict[str, str] = {}
        for i, section in enumerate(message.action.sections):
            section_at = f"{sections_at}[{i}]"
            if section.title is None and titled:
                raise refuse("section_title_missing", join(section_at, "title"))
            for r, row in enumerate(section.rows):
                _unique(row_ids, row.id, f"{section_at}.rows[{r}].id", "row ids")
        if len(row_ids) > w.MAX_ROWS:
            raise refuse("too_many_rows", sections_at, limit=w.MAX_ROWS)
    elif isinstance(message, w.CtaUrlMessage):
        parameters = message.action.parameters
        parameters.url = http_url(parameters.url, join(action, "parameters.url"))
    return None


# --- interactive types of issue 17: products, catalog, flow, address, carousel --------------

_ISSUE_17_TYPES = (
    w.ProductMessage,
    w.ProductListMessage,
    w.CatalogMessage,
    w.FlowMessage,
    w.AddressMessage,
    w.CarouselMessage,
)


def _not_for(message: Any, path: str, parts: tuple[str, ...]) -> None:
    """Parts a type does not take, refused as Meta does (131009, naming the part)."""
    kind = message.__struct_config__.tag
    for part in parts:
        if getattr(message, part) is not None:
            raise refuse("not_for_interactive", join(path, part), kind=kind)


def _interactive_more(message: Any, path: str) -> ProductRef | None:
    action = join(path, "action")
    if isinstance(message, w.ProductMessage):
        _not_for(message, path, ("header",))
        retailer = message.action.product_retailer_id
        return ProductRef(
            message.action.catalog_id,
            ((join(action, "product_retailer_id"), retailer),),
            join(action, "catalog_id"),
        )
    if isinstance(message, w.ProductListMessage):
        return _product_list(message, path)
    if isinstance(message, w.CatalogMessage):
        _not_for(message, path, ("header",))
        parameters = message.action.parameters
        thumbnail = parameters.thumbnail_product_retailer_id if parameters else None
        at = join(action, "parameters.thumbnail_product_retailer_id")
        return ProductRef(None, ((at, thumbnail),) if thumbnail else (), action)
    if isinstance(message, w.FlowMessage | w.AddressMessage):
        _header(message.header, path)
    if isinstance(message, w.FlowMessage):
        _flow(message.action.parameters, join(action, "parameters"))
        return None
    if isinstance(message, w.CarouselMessage):
        _not_for(message, path, ("header", "footer"))
        return _carousel(message.action, join(action, "cards"))
    return None  # address_message: the decoding checked it all


def _product_list(message: w.ProductListMessage, path: str) -> ProductRef:
    action = join(path, "action")
    sections_at = join(action, "sections")
    titled = len(message.action.sections) > 1
    products: list[tuple[str, str]] = []
    for i, section in enumerate(message.action.sections):
        section_at = f"{sections_at}[{i}]"
        if section.title is None and titled:
            raise refuse("section_title_missing", join(section_at, "title"))
        for p, item in enumerate(section.product_items):
            at = f"{section_at}.product_items[{p}].product_retailer_id"
            products.append((at, item.product_retailer_id))
    if len(products) > w.MAX_PRODUCT_ITEMS:
        raise refuse("too_many_products", sections_at, limit=w.MAX_PRODUCT_ITEMS)
    return ProductRef(message.action.catalog_id, tuple(products), join(action, "catalog_id"))


def _flow(parameters: w.FlowParameters, path: str) -> None:
    if parameters.flow_id is not None and parameters.flow_name is not None:
        raise refuse("one_of_two", join(path, "flow_name"), first="flow_id", second="flow_name")
    if parameters.flow_id is None and parameters.flow_name is None:
        raise refuse("missing_one_of", join(path, "flow_id"), first="flow_id", second="flow_name")
    if has_emoji(parameters.flow_cta):
        raise refuse("emoji", join(path, "flow_cta"))
    payload = parameters.flow_action_payload
    if parameters.flow_action == "navigate" and payload is None:
        raise refuse("navigate_payload", join(path, "flow_action_payload"))
    if parameters.flow_action == "data_exchange" and payload is not None:
        raise refuse("data_exchange_payload", join(path, "flow_action_payload"))
    if payload is not None and payload.data is not None and not payload.data:
        raise refuse("empty", join(path, "flow_action_payload.data"))


def _carousel(action: w.CarouselAction, path: str) -> ProductRef | None:
    first = action.cards[0]
    kind = first.__struct_config__.tag
    indexes: dict[str, str] = {}
    products: list[tuple[str, str]] = []
    for i, card in enumerate(action.cards):
        at = f"{path}[{i}]"
        _unique(indexes, str(card.card_index), join(at, "card_index"), "card indexes")
        if card.__struct_config__.tag != kind:
            raise refuse("card_kind", join(at, "type"), kind=kind)
        if isinstance(card, w.ProductCard):
            assert isinstance(first, w.ProductCard)
            if card.action.catalog_id != first.action.catalog_id:
                raise refuse("card_catalog", join(at, "action.catalog_id"))
            products.append(
                (join(at, "action.product_retailer_id"), card.action.product_retailer_id)
            )
            continue
        _card_header(card.header, join(at, "header"))
        if card.body is not None and card.body.text.count("\n") > w.MAX_CARD_LINE_BREAKS:
            raise refuse("line_breaks", join(at, "body.text"), limit=w.MAX_CARD_LINE_BREAKS)
        if isinstance(card, w.CtaUrlCard):
            parameters = card.action.parameters
            parameters.url = http_url(parameters.url, join(at, "action.parameters.url"))
        elif isinstance(card, w.ButtonCard):
            assert isinstance(first, w.ButtonCard)
            buttons = card.action.buttons
            if len(buttons) != len(first.action.buttons):
                raise refuse(
                    "card_buttons", join(at, "action.buttons"), n=len(first.action.buttons)
                )
            ids: dict[str, str] = {}
            for b, button in enumerate(buttons):
                reply_at = join(at, f"action.buttons[{b}].quick_reply.id")
                _unique(ids, button.quick_reply.id, reply_at, "button ids")
    if isinstance(first, w.ProductCard):
        return ProductRef(
            first.action.catalog_id, tuple(products), join(f"{path}[0]", "action.catalog_id")
        )
    return None


def _card_header(header: w.CardMediaHeader, path: str) -> None:
    kind = header.type
    other = "video" if kind == "image" else "image"
    if getattr(header, other) is not None:
        raise refuse("not_for_header", join(path, other), kind=kind)
    content = getattr(header, kind)
    if content is None:
        raise refuse("missing", join(path, kind))
    _media(content, join(path, kind))


def _media_message(media: w.Media, path: str) -> None:
    _media(media, path)


def _location_message(location: w.Location, path: str) -> None:
    location_rules(location, path)


def _reaction_message(reaction: w.Reaction, path: str) -> None:
    reaction_rules(reaction, path)


# --- templates ----------------------------------------------------------------------------


def _template(template: w.Template, path: str) -> TemplateRef:
    counted: list[ComponentParams] = []
    at = join(path, "components")
    for i, component in enumerate(template.components or ()):
        params = _template_component(component, f"{at}[{i}]")
        _refuse_repeat(counted, params)
        counted.append(params)
    return TemplateRef(
        name=template.name, language=template.language.code, components=tuple(counted)
    )


def _refuse_repeat(seen: list[ComponentParams], new: ComponentParams) -> None:
    for earlier in seen:
        if earlier.kind == new.kind and earlier.index == new.index:
            which = new.kind if new.index is None else f"button with index {new.index}"
            raise refuse("repeated_component", new.path, which=which, earlier=earlier.path)


def _template_component(component: w.Component, path: str) -> ComponentParams:
    kind: str = component.__struct_config__.tag  # type: ignore[assignment]
    index: int | None = None
    sub_type: str | None = None
    if isinstance(component, w.CarouselComponent):
        return ComponentParams(kind=kind, count=0, path=path, cards=_cards(component, path))
    if isinstance(component, w.ButtonComponent):
        sub_type = component.sub_type
        index = _button_index(component.index, join(path, "index"))
        component.index = str(index)
    parameters = component.parameters or ()
    at = join(path, "parameters")
    types: list[str] = []
    names: list[str | None] = []
    values: list[str | None] = []
    sections = 0
    for i, parameter in enumerate(parameters):
        kind_of, name, text, found = _template_parameter(parameter, f"{at}[{i}]")
        types.append(kind_of)
        names.append(name)
        values.append(text)
        sections += found
    return ComponentParams(
        kind=kind,
        count=len(parameters),
        path=path,
        index=index,
        sub_type=sub_type,
        param_types=tuple(types),
        names=tuple(names),
        values=tuple(values),
        sections=sections,
    )


def _cards(carousel: w.CarouselComponent, path: str) -> tuple[CardParams, ...]:
    cards: list[CardParams] = []
    indexes: dict[int, str] = {}
    for c, card in enumerate(carousel.cards):
        at = f"{join(path, 'cards')}[{c}]"
        if card.card_index in indexes:
            raise refuse(
                "not_unique",
                join(at, "card_index"),
                what="card_index",
                other=indexes[card.card_index],
            )
        indexes[card.card_index] = join(at, "card_index")
        counted: list[ComponentParams] = []
        for i, component in enumerate(card.components):
            params = _template_component(component, f"{join(at, 'components')}[{i}]")
            _refuse_repeat(counted, params)
            counted.append(params)
        cards.append(CardParams(card.card_index, at, tuple(counted)))
    return tuple(cards)


_BUTTON_INDEXES = {str(n): n for n in range(w.MAX_BUTTON_INDEX + 1)}


def _button_index(value: int | str, path: str) -> int:
    """Meta's examples send the index as a string ("0"); integers are accepted too."""
    if isinstance(value, str) and value.strip() in _BUTTON_INDEXES:
        return _BUTTON_INDEXES[value.strip()]
    if isinstance(value, int) and 0 <= value <= w.MAX_BUTTON_INDEX:
        return value
    raise refuse("not_between", path, low=0, high=w.MAX_BUTTON_INDEX)


def _template_parameter(parameter: Any, path: str) -> tuple[str, str | None, str | None, int]:
    """The parameter's type, name, text and product sections, once its value (under the key its
    type names) is checked."""
    kind: str = parameter.__struct_config__.tag
    value = getattr(parameter, kind)
    if value is None:
        raise refuse("parameter_value_missing", join(path, kind), kind=kind)
    if isinstance(value, str):  # text, payload, coupon_code: the common case, nothing to check
        return kind, parameter.parameter_name, value, 0
    at = join(path, kind)
    text: str | None = None
    sections = 0
    if isinstance(value, w.Media):
        _media(value, at)
    elif isinstance(value, w.Location):
        location_rules(value, at)
    elif isinstance(value, w.Currency):
        code = value.code
        if len(code) != 3 or not code.isascii() or not code.isalpha():
            raise refuse("not_currency", join(at, "code"))
        value.code = code.upper()
        text = value.fallback_value
    elif isinstance(value, w.DateTime):
        text = value.fallback_value
    elif isinstance(value, w.FlowAction) and value.sections is not None:
        sections = len(value.sections)
        products = sum(len(section.product_items) for section in value.sections)
        if products > w.MAX_TEMPLATE_PRODUCTS:
            raise invalid_value(
                join(at, "sections"),
                f"at most {w.MAX_TEMPLATE_PRODUCTS} products in all, got {products}",
            )
    return kind, parameter.parameter_name, text, sections


def _template_message(template: w.Template, path: str) -> TemplateRef:
    return _template(template, path)


_RULES: dict[str, Any] = {
    "text": _no_rules,
    "template": _template_message,
    "interactive": _interactive,
    "image": _media_message,
    "document": _media_message,
    "audio": _media_message,
    "video": _media_message,
    "sticker": _media_message,
    "location": _location_message,
    "contacts": _no_rules,
    "reaction": _reaction_message,
}


# --- the template as stored ---------------------------------------------------------------

_VARIABLE = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


def template_variables(text: object) -> int:
    """How many distinct ``{{1}}`` / ``{{name}}`` variables a template text holds."""
    if not isinstance(text, str):
        return 0
    return len(set(_VARIABLE.findall(text)))


def check_template(
    ref: TemplateRef,
    template_status: str | None,
    template_components: list[dict[str, Any]],
    key: tuple[str, str] | None = None,
) -> None:
    """Check a template send against the stored template (Meta's creation shape).

    ``template_status`` is None when no template of that name and language exists. Meta answers
    132001 both for a missing template and for one not approved yet (pending, rejected), 132015
    / 132016 for paused / disabled ones; then every component is checked against what the
    template expects (:mod:`partnerhub.domain.messaging.template_sends`: counts, names, types,
    button and card indexes), compiled once per ``key`` (template id, version) when given.
    """
    _check_status(ref, template_status)
    check_send(ref, compiled(key, template_components))


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

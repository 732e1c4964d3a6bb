"""A template send checked against the stored template, for every template type (issue 17
item 8): what each component of the template expects (compiled once per template version and
cached) and the check of a send's components against it, with Meta's codes::

    132000   a component's parameter count differs (body, header, a button, the offer, the
             number of carousel cards), or a named template's parameter names differ
    132005   the body with its parameters filled in is longer than Meta allows
    132007   a body parameter holds a new line, a tab or more than four spaces in a row
    132012   a parameter's type (or a button's sub_type) is not what the template has there, or
             positional parameters for a named template (and the other way round)
    131009   a button index, card index or component the template does not have; an OTP code
             longer than 15 characters

The status codes (132001 / 132015 / 132016) are checked first, in
:func:`partnerhub.domain.messaging.validation.check_template`, which calls :func:`check_send`.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from partnerhub.domain.messaging.errors import (
    TEMPLATE_PARAM_COUNT_MISMATCH,
    GraphError,
    invalid_value,
    missing_parameter,
    param_count_mismatch,
    param_format_mismatch,
    template_format_policy,
    template_text_too_long,
)

_VARIABLE = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
_MEDIA_FORMATS = frozenset({"image", "video", "document", "location", "product"})
_BAD_FORMAT = re.compile(r"[\n\t]| {5,}")
MAX_BODY_TEXT = 1024
MAX_CARD_BODY_TEXT = 160
MAX_OTP_CODE = 15
CACHE_SIZE = 1024

# What a send gives each stored button: the sub_type, the parameter type, and whether the
# component is required (a URL button needs one only when its URL has a variable).
_BUTTON_SENDS: dict[str, tuple[str, str | None, bool]] = {
    "URL": ("url", "text", True),
    "OTP": ("url", "text", True),
    "COPY_CODE": ("copy_code", "coupon_code", True),
    "QUICK_REPLY": ("quick_reply", "payload", False),
    "FLOW": ("flow", "action", False),
    "CATALOG": ("catalog", "action", False),
    "MPM": ("mpm", "action", True),
    "SPM": ("spm", None, False),
}


@dataclass(frozen=True)
class ButtonRule:
    kind: str  # the stored button type, upper-case
    variables: int  # how many parameters a send gives it


@dataclass(frozen=True)
class PartRule:
    """The header, body and buttons of a template, or of one carousel card."""

    header_format: str  # "text" (also: no header) or a media / product format
    header_names: tuple[str, ...]
    body_names: tuple[str, ...]
    body_text: str
    body_max: int
    buttons: tuple[ButtonRule, ...]


@dataclass(frozen=True)
class CompiledTemplate:
    named: bool
    main: PartRule
    offer: bool | None  # None: no limited-time offer; else whether it expires
    cards: tuple[PartRule, ...]
    otp: bool  # an authentication template: the code is at most 15 characters


def _variables(text: object) -> tuple[str, ...]:
    if not isinstance(text, str):
        return ()
    names: list[str] = []
    for token in _VARIABLE.findall(text):
        if token not in names:
            names.append(token)
    return tuple(names)


def _find(components: Sequence[Any], kind: str) -> dict[str, Any] | None:
    for component in components:
        if isinstance(component, dict) and str(component.get("type", "")).upper() == kind:
            return component
    return None


def _part(components: Sequence[Any], body_max: int) -> PartRule:
    header = _find(components, "HEADER")
    header_format = str(header.get("format", "TEXT")).lower() if header else "text"
    body = _find(components, "BODY")
    body_text = body.get("text") if body else None
    raw = (_find(components, "BUTTONS") or {}).get("buttons")
    buttons = []
    for button in raw if isinstance(raw, list) else []:
        kind = str(button.get("type", "")).upper() if isinstance(button, dict) else ""
        if kind == "URL":
            variables = len(_variables(button.get("url")))
        elif kind in ("OTP", "COPY_CODE", "MPM"):
            variables = 1
        else:
            variables = 0
        buttons.append(ButtonRule(kind, variables))
    return PartRule(
        header_format=header_format,
        header_names=_variables(header.get("text")) if header_format == "text" and header else (),
        body_names=_variables(body_text),
        body_text=body_text if isinstance(body_text, str) else "",
        body_max=body_max,
        buttons=tuple(buttons),
    )


def compile_template(components: list[dict[str, Any]]) -> CompiledTemplate:
    """What a send of this stored template must give (any stored shape: older rows too)."""
    stored = [c for c in components if isinstance(c, dict)]
    offer = _find(stored, "LIMITED_TIME_OFFER")
    carousel = _find(stored, "CAROUSEL")
    cards = carousel.get("cards") if carousel else None
    main = _part(stored, MAX_BODY_TEXT)
    parts = [
        _part(card["components"], MAX_CARD_BODY_TEXT)
        for card in (cards if isinstance(cards, list) else [])
        if isinstance(card, dict) and isinstance(card.get("components"), list)
    ]
    names = main.header_names + main.body_names + tuple(n for p in parts for n in p.body_names)
    offer_body = offer.get("limited_time_offer") if offer else None
    return CompiledTemplate(
        named=any(not name.isdigit() for name in names),
        main=main,
        offer=None if offer is None else bool((offer_body or {}).get("has_expiration")),
        cards=tuple(parts),
        otp=any(b.kind == "OTP" for b in main.buttons),
    )


_cache: OrderedDict[tuple[str, str], CompiledTemplate] = OrderedDict()


def compiled(key: tuple[str, str] | None, components: list[dict[str, Any]]) -> CompiledTemplate:
    """:func:`compile_template`, remembered per (template id, version): a template's components
    change only with its version (``modified_at``), so a send compiles it once."""
    if key is None:
        return compile_template(components)
    found = _cache.get(key)
    if found is None:
        found = _cache[key] = compile_template(components)
        if len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return found


# --- the check ----------------------------------------------------------------------------


def check_send(ref: Any, template: CompiledTemplate) -> None:
    """Check a send's components (a :class:`~partnerhub.domain.messaging.validation.TemplateRef`)
    against the compiled template; raise the :class:`GraphError` of the first mismatch."""
    _check_part(ref, template.main, template, "")
    given_offer = ref.component("limited_time_offer")
    if template.offer is None:
        if given_offer is not None:
            raise invalid_value(given_offer.path, "the template has no limited-time offer")
    else:
        _count(given_offer, ref, "limited_time_offer", 1 if template.offer else 0)
    carousel = ref.component("carousel")
    if not template.cards:
        if carousel is not None:
            raise invalid_value(carousel.path, "the template has no carousel")
        return
    cards = carousel.cards if carousel is not None else ()
    if len(cards) != len(template.cards):
        raise param_count_mismatch(
            carousel.path + ".cards" if carousel else "template.components",
            "carousel: number of cards",
            len(cards),
            len(template.cards),
        )
    for card in cards:
        if card.card_index >= len(template.cards):
            raise invalid_value(
                f"{card.path}.card_index", f"the template has no card at index {card.card_index}"
            )
        _check_part(card, template.cards[card.card_index], template, f"card {card.card_index} ")


def _path(given: Any, holder: Any) -> str:
    return f"{given.path}.parameters" if given is not None else _holder_path(holder)


def _holder_path(holder: Any) -> str:
    path = getattr(holder, "path", None)
    return f"{path}.components" if isinstance(path, str) else "template.components"


def _count(given: Any, holder: Any, label: str, expected: int) -> None:
    count = given.count if given is not None else 0
    if count != expected:
        raise param_count_mismatch(_path(given, holder), label, count, expected)


def _check_part(holder: Any, part: PartRule, template: CompiledTemplate, label: str) -> None:
    _check_header(holder, part, template, label)
    body = holder.component("body")
    _count(body, holder, f"{label}body", len(part.body_names))
    if body is not None and part.body_names:
        _check_names(body, part.body_names, template.named)
        _check_texts(body, part, template)
    _check_buttons(holder, part, template, label)


def _check_header(holder: Any, part: PartRule, template: CompiledTemplate, label: str) -> None:
    given = holder.component("header")
    if part.header_format not in _MEDIA_FORMATS:
        _count(given, holder, f"{label}header", len(part.header_names))
        if given is not None and part.header_names:
            _check_names(given, part.header_names, template.named)
        return
    _count(given, holder, f"{label}header", 1)
    assert given is not None
    if given.param_types[0] != part.header_format:
        raise param_format_mismatch(
            f"{given.path}.parameters[0].type",
            f"the template's header is {part.header_format}, got {given.param_types[0]}",
        )


def _check_names(given: Any, expected: tuple[str, ...], named: bool) -> None:
    at = f"{given.path}.parameters"
    if not named:
        for i, name in enumerate(given.names):
            if name is not None:
                raise param_format_mismatch(
                    f"{at}[{i}].parameter_name",
                    "the template's parameters are positional ({{1}}): send them in order, "
                    "without parameter_name",
                )
        return
    for i, name in enumerate(given.names):
        if name is None:
            raise param_format_mismatch(
                f"{at}[{i}].parameter_name",
                f"the template's parameters are named: give parameter_name "
                f"(one of {', '.join(expected)})",
            )
    if sorted(given.names) != sorted(expected):
        raise GraphError(
            TEMPLATE_PARAM_COUNT_MISMATCH,
            f"{at}: the template's named parameters are {', '.join(expected)}; "
            f"got {', '.join(str(n) for n in given.names)}",
            field=at,
        )


def _check_texts(given: Any, part: PartRule, template: CompiledTemplate) -> None:
    at = f"{given.path}.parameters"
    values: dict[str, str] = {}
    for i, (name, value) in enumerate(zip(given.names, given.values, strict=True)):
        key = name if template.named and name is not None else str(i + 1)
        values[key] = value or ""
        if value is not None and _BAD_FORMAT.search(value):
            raise template_format_policy(
                f"{at}[{i}]",
                "a parameter cannot hold new lines, tabs or more than 4 spaces in a row",
            )
        if template.otp and value is not None and len(value) > MAX_OTP_CODE:
            raise invalid_value(f"{at}[{i}]", f"the code must be at most {MAX_OTP_CODE} characters")
    hydrated = _VARIABLE.sub(lambda m: values.get(m.group(1), ""), part.body_text)
    if len(hydrated) > part.body_max:
        raise template_text_too_long(
            at,
            f"the body with its parameters is {len(hydrated)} characters; at most {part.body_max}",
        )


def _check_buttons(holder: Any, part: PartRule, template: CompiledTemplate, label: str) -> None:
    for given in holder.components:
        if given.index is not None and given.index >= len(part.buttons):
            raise invalid_value(given.path, f"the template has no button at index {given.index}")
    for index, button in enumerate(part.buttons):
        rule = _BUTTON_SENDS.get(button.kind)
        given = holder.component("button", index)
        if rule is None:
            continue
        sub_type, param_type, required = rule
        if given is None:
            if required and button.variables:
                _count(None, holder, f"{label}button at index {index}", button.variables)
            continue
        if given.sub_type != sub_type:
            raise param_format_mismatch(
                f"{given.path}.sub_type",
                f"the template's button at index {index} is {button.kind}: sub_type {sub_type}",
            )
        if button.kind in ("QUICK_REPLY", "FLOW", "CATALOG"):
            if given.count > 1:
                _count(given, holder, f"{label}button at index {index}", 1)
        else:
            _count(given, holder, f"{label}button at index {index}", button.variables)
        for i, kind in enumerate(given.param_types):
            if kind != param_type:
                raise param_format_mismatch(
                    f"{given.path}.parameters[{i}].type",
                    f"a {button.kind} button takes a {param_type} parameter, got {kind}",
                )
        if button.kind == "MPM" and not given.sections:
            raise missing_parameter(
                f"{given.path}.parameters[0].action.sections",
                "a multi-product template is sent with its product sections",
            )
        if button.kind == "OTP" and given.values and len(given.values[0] or "") > MAX_OTP_CODE:
            raise invalid_value(
                f"{given.path}.parameters[0]", f"the code must be at most {MAX_OTP_CODE} characters"
            )

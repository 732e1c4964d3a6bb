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
import threading
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
    body_fixed: int  # the body's length without its variables
    body_uses: tuple[str, ...]  # each variable occurrence in the body, in order (repeats too)
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
        body_fixed=len(_VARIABLE.sub("", body_text)) if isinstance(body_text, str) else 0,
        body_uses=tuple(_VARIABLE.findall(body_text)) if isinstance(body_text, str) else (),
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


_cache: dict[tuple[str, str], CompiledTemplate] = {}
_cache_lock = threading.Lock()  # sends are planned on the event loop and on the SQLite thread


def compiled(key: tuple[str, str] | None, components: list[dict[str, Any]]) -> CompiledTemplate:
    """:func:`compile_template`, remembered per (template id, version): a template's components
    change only with its version (``modified_at``), so a send compiles it once."""
    if key is None:
        return compile_template(components)
    found = _cache.get(key)
    if found is None:
        found = compile_template(components)
        with _cache_lock:
            if len(_cache) >= CACHE_SIZE:
                del _cache[next(iter(_cache))]  # the oldest entry
            _cache[key] = found
    return found


# --- the check ----------------------------------------------------------------------------

_Given = dict[tuple[str, int | None], Any]  # a send's components by (kind, button index)


def check_send(ref: Any, template: CompiledTemplate) -> None:
    """Check a send's components (a :class:`~partnerhub.domain.messaging.validation.TemplateRef`)
    against the compiled template; raise the :class:`GraphError` of the first mismatch."""
    given: _Given = {(c.kind, c.index): c for c in ref.components}
    _check_part(given, "template.components", template.main, template, "")
    given_offer = given.get(("limited_time_offer", None))
    if template.offer is None:
        if given_offer is not None:
            raise invalid_value(given_offer.path, "the template has no limited-time offer")
    else:
        _count(given_offer, "template.components", "limited_time_offer", int(template.offer))
    carousel = given.get(("carousel", None))
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
        _check_part(
            {(c.kind, c.index): c for c in card.components},
            f"{card.path}.components",
            template.cards[card.card_index],
            template,
            f"card {card.card_index} ",
        )


def _count(given: Any, where: str, label: str, expected: int) -> None:
    """132000 unless ``given`` (None: not sent) has ``expected`` parameters."""
    count = given.count if given is not None else 0
    if count != expected:
        path = f"{given.path}.parameters" if given is not None else where
        raise param_count_mismatch(path, label, count, expected)


def _check_part(
    given: _Given, where: str, part: PartRule, template: CompiledTemplate, label: str
) -> None:
    _check_header(given.get(("header", None)), where, part, template, label)
    body = given.get(("body", None))
    _count(body, where, f"{label}body", len(part.body_names))
    if body is not None and part.body_names:
        _check_names(body, part.body_names, template.named)
        _check_texts(body, part, template)
    if part.buttons or any(index is not None for _, index in given):
        _check_buttons(given, where, part, label)


def _check_header(
    given: Any, where: str, part: PartRule, template: CompiledTemplate, label: str
) -> None:
    if part.header_format not in _MEDIA_FORMATS:
        _count(given, where, f"{label}header", len(part.header_names))
        if given is not None and part.header_names:
            _check_names(given, part.header_names, template.named)
        return
    _count(given, where, f"{label}header", 1)
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


def _bad_format(value: str) -> bool:
    return "\n" in value or "\t" in value or "     " in value


def _check_texts(given: Any, part: PartRule, template: CompiledTemplate) -> None:
    at = f"{given.path}.parameters"
    lengths: dict[str, int] = {}
    names = given.names if template.named else range(1, given.count + 1)
    for i, (name, value) in enumerate(zip(names, given.values, strict=True)):
        text = value or ""
        lengths[str(name)] = len(text)
        if value is None:
            continue
        if _bad_format(value):
            raise template_format_policy(
                f"{at}[{i}]",
                "a parameter cannot hold new lines, tabs or more than 4 spaces in a row",
            )
        if template.otp and len(value) > MAX_OTP_CODE:
            raise invalid_value(f"{at}[{i}]", f"the code must be at most {MAX_OTP_CODE} characters")
    hydrated = part.body_fixed + sum(lengths.get(use, 0) for use in part.body_uses)
    if hydrated > part.body_max:
        raise template_text_too_long(
            at, f"the body with its parameters is {hydrated} characters; at most {part.body_max}"
        )


def _check_buttons(given: _Given, where: str, part: PartRule, label: str) -> None:
    for (_, index), component in given.items():
        if index is not None and index >= len(part.buttons):
            raise invalid_value(component.path, f"the template has no button at index {index}")
    for index, button in enumerate(part.buttons):
        rule = _BUTTON_SENDS.get(button.kind)
        if rule is None:
            continue
        sent = given.get(("button", index))
        at = f"{label}button at index {index}"
        sub_type, param_type, required = rule
        if sent is None:
            if required and button.variables:
                _count(None, where, at, button.variables)
            continue
        if sent.sub_type != sub_type:
            raise param_format_mismatch(
                f"{sent.path}.sub_type",
                f"the template's button at index {index} is {button.kind}: sub_type {sub_type}",
            )
        if button.kind in ("QUICK_REPLY", "FLOW", "CATALOG"):
            if sent.count > 1:
                _count(sent, where, at, 1)
        else:
            _count(sent, where, at, button.variables)
        for i, kind in enumerate(sent.param_types):
            if kind != param_type:
                raise param_format_mismatch(
                    f"{sent.path}.parameters[{i}].type",
                    f"a {button.kind} button takes a {param_type} parameter, got {kind}",
                )
        if button.kind == "MPM" and not sent.sections:
            raise missing_parameter(
                f"{sent.path}.parameters[0].action.sections",
                "a multi-product template is sent with its product sections",
            )
        if button.kind == "OTP" and sent.values and len(sent.values[0] or "") > MAX_OTP_CODE:
            raise invalid_value(
                f"{sent.path}.parameters[0]", f"the code must be at most {MAX_OTP_CODE} characters"
            )

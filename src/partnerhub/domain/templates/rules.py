"""What Meta accepts as a message template, checked before it is stored (spec §5 Template).

Pure rules, no database: :func:`validate` takes what the caller sent and returns the template's
name, category, language and components in stored form, or raises :class:`InvalidInput` naming
the offending field by its path in the request (``components[1].text``,
``components[2].buttons[0].text``), so a partner sees exactly what to fix.

The limits are Meta's (WhatsApp Business Management API, message template components); where
the docs are silent, the choice is recorded in docs/fidelity.md ("Template types"). Every template
type 360dialog documents is modelled: authentication (copy code, one-tap, zero-tap), coupon code
(``COPY_CODE``), limited-time offer, media and product card carousels, catalog, multi- and
single-product, ``FLOW`` buttons, with positional (``{{1}}``) or named (``{{first_name}}``)
parameters.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from partnerhub.domain.errors import InvalidInput, InvalidInputs
from partnerhub.domain.templates.model import TemplateCategory
from partnerhub.domain.text import clean_text

NAME = re.compile(r"^[a-z0-9_]{1,512}$")
# WhatsApp language codes are a language (``en``, ``fil``) with an optional region (``en_US``).
LANGUAGE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")
VARIABLE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
# Meta: a named parameter is lower-case letters, digits and underscores ({{first_name}}).
NAMED_VARIABLE = re.compile(r"^[a-z][a-z0-9_]*$")

HEADER_FORMATS = ("TEXT", "IMAGE", "VIDEO", "DOCUMENT", "LOCATION", "PRODUCT")
CARD_HEADER_FORMATS = ("IMAGE", "VIDEO", "PRODUCT")
BUTTON_TYPES = (
    "QUICK_REPLY",
    "URL",
    "PHONE_NUMBER",
    "COPY_CODE",
    "OTP",
    "FLOW",
    "CATALOG",
    "MPM",
    "SPM",
)
MEDIA_CARD_BUTTONS = ("QUICK_REPLY", "URL", "PHONE_NUMBER")
PRODUCT_CARD_BUTTONS = ("SPM", "URL")
# Meta: coupon code, catalog, multi- and single-product templates are marketing templates.
MARKETING_BUTTONS = ("COPY_CODE", "CATALOG", "MPM", "SPM")
OTP_TYPES = ("COPY_CODE", "ONE_TAP", "ZERO_TAP")
FLOW_ACTIONS = ("navigate", "data_exchange")
COMPONENT_TYPES = ("HEADER", "BODY", "FOOTER", "BUTTONS", "LIMITED_TIME_OFFER", "CAROUSEL")
CARD_COMPONENT_TYPES = ("HEADER", "BODY", "BUTTONS")
AUTHENTICATION_COMPONENTS = ("BODY", "FOOTER", "BUTTONS")
PARAMETER_FORMATS = ("POSITIONAL", "NAMED")

MAX_HEADER_TEXT = 60
MAX_BODY_TEXT = 1024
MAX_LTO_BODY_TEXT = 600  # [360] limited-time offer templates: "Maximum 600 characters"
MAX_CARD_BODY_TEXT = 160
MAX_FOOTER_TEXT = 60
MAX_BUTTON_TEXT = 25
MAX_BUTTONS = 10
MAX_URL_BUTTONS = 2
MAX_PHONE_BUTTONS = 1
MAX_URL = 2000
MAX_PHONE = 20
MAX_EXAMPLE = 1024
MAX_COUPON_EXAMPLE = 15
MAX_LTO_TEXT = 16
MIN_CARDS = 2
MAX_CARDS = 10
MAX_CARD_BUTTONS = 2
MAX_SUPPORTED_APPS = 5
MAX_PACKAGE_NAME = 224
MAX_FLOW_JSON = 100_000
MAX_FLOW_REF = 512
MIN_CODE_MINUTES = 1
MAX_CODE_MINUTES = 90
PACKAGE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$")
SIGNATURE_HASH = re.compile(r"^[A-Za-z0-9+/=]{11}$")
MAX_DEPTH = 16  # Meta's components nest four levels deep; nothing legitimate comes near this

# Meta's fixed wording of authentication templates (English; stored as the template's text so
# that a send is checked against it like any other template: one body variable, the code).
AUTH_BODY = "*{{1}}* is your verification code."
AUTH_SECURITY = " For your security, do not share this code."
AUTH_FOOTER = "This code expires in {minutes} minutes."
OTP_BUTTON_TEXT = {"COPY_CODE": "Copy code", "ONE_TAP": "Autofill", "ZERO_TAP": "Autofill"}


@dataclass(frozen=True)
class NewTemplate:
    """A template as the caller sent it (``POST …/waba_templates`` or ``/v1/configs/templates``)."""

    name: Any
    category: Any
    language: Any
    components: Any
    parameter_format: Any = None


@dataclass(frozen=True)
class TemplateEdit:
    """An edit as the caller sent it (``PATCH …/waba_templates/{template_id}``): ``None`` keeps
    the template's current value."""

    components: Any = None
    category: Any = None
    parameter_format: Any = None


@dataclass(frozen=True)
class ValidTemplate:
    name: str
    category: TemplateCategory
    language: str
    components: list[dict[str, Any]]
    parameter_format: str = "POSITIONAL"


@dataclass
class _Problems:
    """Collects what each independent check refuses, so that every bad field is reported."""

    found: list[InvalidInput] = field(default_factory=list)

    @contextmanager
    def check(self) -> Iterator[None]:
        try:
            yield
        except InvalidInput as problem:
            self.found.append(problem)

    def raise_any(self) -> None:
        if len(self.found) == 1:
            raise self.found[0]
        if self.found:
            raise InvalidInputs(self.found)


@dataclass(frozen=True)
class _Context:
    """What a component's rules depend on besides the component itself."""

    category: TemplateCategory
    named: bool  # parameter_format NAMED: variables are {{first_name}}, not {{1}}
    card: bool = False  # a component of a carousel card


def _string(where: str, value: Any, *, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise InvalidInput(where, "is required" if value is None else "must be a string")
    return clean_text(where, value)


def _text(where: str, value: Any, maximum: int) -> str:
    text = _string(where, value)
    assert text is not None
    if not text.strip():
        raise InvalidInput(where, "must not be empty")
    if len(text) > maximum:
        raise InvalidInput(where, f"must be at most {maximum} characters")
    return text


def _positional(where: str, text: str) -> list[str]:
    """The variables of ``text``: ``{{1}}``, ``{{2}}``, … with none skipped."""
    numbers: set[int] = set()
    for match in VARIABLE.finditer(text):
        token = match.group(1)
        if not token.isdigit() or token != str(int(token)) or int(token) < 1:
            raise InvalidInput(
                where, f"'{match.group(0)}' is not a variable; use {{{{1}}}}, {{{{2}}}}, …"
            )
        numbers.add(int(token))
    if numbers != set(range(1, len(numbers) + 1)):
        raise InvalidInput(
            where,
            "variables must be numbered consecutively from {{1}} "
            f"(found {', '.join('{{' + str(n) + '}}' for n in sorted(numbers))})",
        )
    return [str(n) for n in sorted(numbers)]


def _named(where: str, text: str) -> list[str]:
    """The named variables of ``text`` (``parameter_format: NAMED``), in order of appearance."""
    names: list[str] = []
    for match in VARIABLE.finditer(text):
        token = match.group(1)
        if not NAMED_VARIABLE.match(token):
            raise InvalidInput(
                where,
                f"'{match.group(0)}' is not a named parameter; with parameter_format NAMED use "
                "lower-case letters, digits and underscores, e.g. {{first_name}}",
            )
        if token not in names:
            names.append(token)
    return names


def _variables(where: str, text: str, ctx: _Context | None = None) -> list[str]:
    """The variables ``text`` uses: their numbers (positional) or names (NAMED)."""
    return _named(where, text) if ctx is not None and ctx.named else _positional(where, text)


def _object(where: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput(where, "must be an object")
    return value


def _examples(where: str, value: Any, count: int, *, nested: bool) -> None:
    """``example.body_text`` is ``[["a", "b"]]`` (one list of ``count`` strings);
    ``example.header_text`` is ``["a"]``."""
    outer = value
    if nested:
        if not isinstance(outer, list) or len(outer) != 1:
            raise InvalidInput(where, f"must be a list holding one list of {count} example values")
        value, where = outer[0], f"{where}[0]"
    if not isinstance(value, list) or len(value) != count:
        raise InvalidInput(where, f"must hold exactly {count} example value(s), one per variable")
    for i, item in enumerate(value):
        _text(f"{where}[{i}]", item, MAX_EXAMPLE)


def _named_examples(where: str, value: Any, names: list[str]) -> None:
    """``example.body_text_named_params``: ``[{"param_name": "first_name", "example": "Ana"}]``,
    one per named parameter of the text."""
    if not isinstance(value, list):
        raise InvalidInput(where, f"must list an example for each of: {', '.join(names)}")
    given: list[str] = []
    for i, item in enumerate(value):
        entry = _object(f"{where}[{i}]", item)
        name = _text(f"{where}[{i}].param_name", entry.get("param_name"), MAX_EXAMPLE)
        _text(f"{where}[{i}].example", entry.get("example"), MAX_EXAMPLE)
        given.append(name)
    if sorted(given) != sorted(names):
        raise InvalidInput(
            where,
            f"must give one example for each named parameter ({', '.join(names)}), "
            f"got {', '.join(given) or 'none'}",
        )


def _text_examples(
    where: str, component: dict[str, Any], names: list[str], part: str, ctx: _Context
) -> None:
    """The examples a text with variables needs (``part``: ``header`` or ``body``)."""
    if not names:
        return
    key = f"{part}_text_named_params" if ctx.named else f"{part}_text"
    example = component.get("example")
    if example is None:
        raise InvalidInput(f"{where}.example.{key}", f"is required when the {part} has variables")
    examples = _object(f"{where}.example", example).get(key)
    if ctx.named:
        _named_examples(f"{where}.example.{key}", examples, names)
    else:
        _examples(f"{where}.example.{key}", examples, len(names), nested=part == "body")


def _header(where: str, component: dict[str, Any], ctx: _Context) -> None:
    allowed = CARD_HEADER_FORMATS if ctx.card else HEADER_FORMATS
    raw = component.get("format")
    if not isinstance(raw, str) or raw.upper() not in allowed:
        raise InvalidInput(f"{where}.format", f"must be one of: {', '.join(allowed)}")
    component["format"] = raw.upper()
    if component["format"] != "TEXT":
        if "text" in component:
            raise InvalidInput(f"{where}.text", f"a {raw.upper()} header has no text")
        return
    text = _text(f"{where}.text", component.get("text"), MAX_HEADER_TEXT)
    names = _variables(f"{where}.text", text, ctx)
    if len(names) > 1:
        raise InvalidInput(f"{where}.text", "a header takes at most one variable")
    _text_examples(where, component, names, "header", ctx)


def authentication_body(add_security_recommendation: bool) -> str:
    """Meta's fixed body text of an authentication template."""
    return AUTH_BODY + (AUTH_SECURITY if add_security_recommendation else "")


def _body(where: str, component: dict[str, Any], ctx: _Context) -> None:
    if ctx.category == TemplateCategory.AUTHENTICATION:
        # Meta's fixed wording; the body only sets its option. The text Meta generates is
        # stored, and accepted back unchanged (an edit resends the stored components).
        flag = component.get("add_security_recommendation", False)
        if not isinstance(flag, bool):
            raise InvalidInput(f"{where}.add_security_recommendation", "must be true or false")
        fixed = authentication_body(flag)
        if "text" in component and component["text"] != fixed:
            raise InvalidInput(
                f"{where}.text",
                "authentication templates take Meta's fixed text, not a custom one; "
                "set add_security_recommendation instead",
            )
        component["text"] = fixed
        return
    maximum = MAX_CARD_BODY_TEXT if ctx.card else MAX_BODY_TEXT
    text = _text(f"{where}.text", component.get("text"), maximum)
    names = _variables(f"{where}.text", text, ctx)
    _text_examples(where, component, names, "body", ctx)


def _footer(where: str, component: dict[str, Any], ctx: _Context) -> None:
    if ctx.category == TemplateCategory.AUTHENTICATION:
        minutes = component.get("code_expiration_minutes")
        if (
            not isinstance(minutes, int)
            or isinstance(minutes, bool)
            or not MIN_CODE_MINUTES <= minutes <= MAX_CODE_MINUTES
        ):
            raise InvalidInput(
                f"{where}.code_expiration_minutes",
                f"must be a whole number from {MIN_CODE_MINUTES} to {MAX_CODE_MINUTES}",
            )
        fixed = AUTH_FOOTER.format(minutes=minutes)
        if "text" in component and component["text"] != fixed:
            raise InvalidInput(
                f"{where}.text", "authentication templates take Meta's fixed footer text"
            )
        component["text"] = fixed
        return
    text = _text(f"{where}.text", component.get("text"), MAX_FOOTER_TEXT)
    if VARIABLE.search(text):
        raise InvalidInput(f"{where}.text", "a footer takes no variables")


def _supported_apps(where: str, button: dict[str, Any]) -> None:
    """One-tap and zero-tap buttons name the Android apps that receive the code: ``supported_apps``
    (or, in Meta's older form, ``package_name`` and ``signature_hash`` on the button)."""
    apps = button.get("supported_apps")
    if apps is None and "package_name" in button:
        entries = [(where, button)]
    else:
        where = f"{where}.supported_apps"
        if not isinstance(apps, list) or not 1 <= len(apps) <= MAX_SUPPORTED_APPS:
            raise InvalidInput(
                where, f"must list 1 to {MAX_SUPPORTED_APPS} apps (package_name, signature_hash)"
            )
        entries = [(f"{where}[{i}]", _object(f"{where}[{i}]", app)) for i, app in enumerate(apps)]
    for at, app in entries:
        package = _text(f"{at}.package_name", app.get("package_name"), MAX_PACKAGE_NAME)
        if not PACKAGE_NAME.match(package):
            raise InvalidInput(
                f"{at}.package_name", "must be an Android package name, e.g. com.example.app"
            )
        signature = _string(f"{at}.signature_hash", app.get("signature_hash"))
        if signature is None or not SIGNATURE_HASH.match(signature):
            raise InvalidInput(
                f"{at}.signature_hash", "must be the app's 11-character signing key hash"
            )


def _otp_button(where: str, button: dict[str, Any], ctx: _Context) -> None:
    if ctx.category != TemplateCategory.AUTHENTICATION:
        raise InvalidInput(f"{where}.type", "OTP buttons are for AUTHENTICATION templates")
    otp = button.get("otp_type")
    if not isinstance(otp, str) or otp.upper() not in OTP_TYPES:
        raise InvalidInput(f"{where}.otp_type", f"must be one of: {', '.join(OTP_TYPES)}")
    kind = button["otp_type"] = otp.upper()
    if "text" in button:
        _text(f"{where}.text", button["text"], MAX_BUTTON_TEXT)
    else:
        button["text"] = OTP_BUTTON_TEXT[kind]
    if "autofill_text" in button:
        _text(f"{where}.autofill_text", button["autofill_text"], MAX_BUTTON_TEXT)
    if kind in ("ONE_TAP", "ZERO_TAP"):
        _supported_apps(where, button)
    if kind == "ZERO_TAP" and button.get("zero_tap_terms_accepted") is not True:
        raise InvalidInput(
            f"{where}.zero_tap_terms_accepted", "must be true: zero-tap needs Meta's terms accepted"
        )


def _flow_button(where: str, button: dict[str, Any]) -> None:
    given = [key for key in ("flow_id", "flow_name", "flow_json") if button.get(key) is not None]
    if len(given) != 1:
        raise InvalidInput(f"{where}.flow_id", "give exactly one of flow_id, flow_name, flow_json")
    key = given[0]
    if key == "flow_json":
        raw = _text(f"{where}.flow_json", button[key], MAX_FLOW_JSON)
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            raise InvalidInput(f"{where}.flow_json", "must be a Flow JSON object, as a string")
    else:
        value = button[key]
        if isinstance(value, int) and not isinstance(value, bool) and key == "flow_id":
            button[key] = value = str(value)
        _text(f"{where}.{key}", value, MAX_FLOW_REF)
    action = button.get("flow_action")
    if action is not None:
        if not isinstance(action, str) or action.lower() not in FLOW_ACTIONS:
            raise InvalidInput(f"{where}.flow_action", f"must be one of: {', '.join(FLOW_ACTIONS)}")
        button["flow_action"] = action.lower()
    screen = button.get("navigate_screen")
    if screen is not None:
        if button.get("flow_action", "navigate") != "navigate":
            raise InvalidInput(f"{where}.navigate_screen", "only for flow_action navigate")
        _text(f"{where}.navigate_screen", screen, MAX_FLOW_REF)


def _button(where: str, button: dict[str, Any], ctx: _Context) -> str:
    raw = button.get("type")
    if not isinstance(raw, str) or raw.upper() not in BUTTON_TYPES:
        raise InvalidInput(f"{where}.type", f"must be one of: {', '.join(BUTTON_TYPES)}")
    kind = button["type"] = raw.upper()
    if kind == "OTP":
        _otp_button(where, button, ctx)
        return kind
    if ctx.category == TemplateCategory.AUTHENTICATION:
        raise InvalidInput(f"{where}.type", "an AUTHENTICATION template takes one OTP button")
    if kind == "COPY_CODE":
        if "text" in button:
            _text(f"{where}.text", button["text"], MAX_BUTTON_TEXT)
        # Meta: the coupon code's example, at most 15 characters.
        _text(f"{where}.example", button.get("example"), MAX_COUPON_EXAMPLE)
    else:
        _text(f"{where}.text", button.get("text"), MAX_BUTTON_TEXT)
    if kind == "URL":
        url = _text(f"{where}.url", button.get("url"), MAX_URL)
        if not url.startswith(("https://", "http://")):
            raise InvalidInput(f"{where}.url", "must be an http or https URL")
        if len(_positional(f"{where}.url", url)) > 1:
            raise InvalidInput(f"{where}.url", "takes at most one variable, {{1}}")
    elif kind == "PHONE_NUMBER":
        phone = _text(f"{where}.phone_number", button.get("phone_number"), MAX_PHONE)
        if not re.fullmatch(r"\+?[0-9]{6,15}", phone):
            raise InvalidInput(f"{where}.phone_number", "must be a phone number, e.g. +4915112345")
    elif kind == "FLOW":
        _flow_button(where, button)
    return kind


def _buttons(where: str, component: dict[str, Any], ctx: _Context) -> None:
    buttons = component.get("buttons")
    maximum = MAX_CARD_BUTTONS if ctx.card else MAX_BUTTONS
    if not isinstance(buttons, list) or not buttons:
        raise InvalidInput(f"{where}.buttons", "must be a list of at least one button")
    if len(buttons) > maximum:
        raise InvalidInput(f"{where}.buttons", f"at most {maximum} buttons")
    kinds: list[str] = []
    problems = _Problems()
    for i, b in enumerate(buttons):
        with problems.check():
            kinds.append(_button(f"{where}.buttons[{i}]", _object(f"{where}.buttons[{i}]", b), ctx))
    problems.raise_any()
    if kinds.count("URL") > MAX_URL_BUTTONS:
        raise InvalidInput(f"{where}.buttons", f"at most {MAX_URL_BUTTONS} URL buttons")
    if kinds.count("PHONE_NUMBER") > MAX_PHONE_BUTTONS:
        raise InvalidInput(f"{where}.buttons", f"at most {MAX_PHONE_BUTTONS} PHONE_NUMBER button")
    for single in ("COPY_CODE", "OTP", "FLOW"):
        if kinds.count(single) > 1:
            raise InvalidInput(f"{where}.buttons", f"at most one {single} button")
    for alone in ("OTP", "CATALOG", "MPM", "SPM"):
        if alone in kinds and len(kinds) > 1 and not (ctx.card and alone == "SPM"):
            raise InvalidInput(
                f"{where}.buttons", f"a {alone} button is the template's only button"
            )


def _limited_time_offer(where: str, component: dict[str, Any], ctx: _Context) -> None:
    """``{"type": "LIMITED_TIME_OFFER", "limited_time_offer": {"text", "has_expiration"}}``."""
    if ctx.category != TemplateCategory.MARKETING:
        raise InvalidInput(f"{where}.type", "limited-time offers are for MARKETING templates")
    offer = _object(f"{where}.limited_time_offer", component.get("limited_time_offer"))
    _text(f"{where}.limited_time_offer.text", offer.get("text"), MAX_LTO_TEXT)
    if VARIABLE.search(offer["text"]):
        raise InvalidInput(f"{where}.limited_time_offer.text", "takes no variables")
    expires = offer.get("has_expiration", False)
    if not isinstance(expires, bool):
        raise InvalidInput(f"{where}.limited_time_offer.has_expiration", "must be true or false")


def _carousel(where: str, component: dict[str, Any], ctx: _Context) -> None:
    """``{"type": "CAROUSEL", "cards": [{"components": [HEADER, BODY, BUTTONS]}, …]}``: 2 to
    10 cards with the same header format and the same buttons."""
    if ctx.category == TemplateCategory.AUTHENTICATION:
        raise InvalidInput(f"{where}.type", "an AUTHENTICATION template has no carousel")
    cards = component.get("cards")
    if not isinstance(cards, list) or not MIN_CARDS <= len(cards) <= MAX_CARDS:
        raise InvalidInput(f"{where}.cards", f"must be a list of {MIN_CARDS} to {MAX_CARDS} cards")
    card_ctx = _Context(ctx.category, ctx.named, card=True)
    shapes: list[tuple[str, tuple[str, ...]]] = []
    problems = _Problems()
    for i, raw in enumerate(cards):
        at = f"{where}.cards[{i}]"
        with problems.check():
            card = _object(at, raw)
            shapes.append(_card(at, card, card_ctx))
    problems.raise_any()
    for i, shape in enumerate(shapes[1:], start=1):
        if shape[0] != shapes[0][0]:
            raise InvalidInput(
                f"{where}.cards[{i}].components",
                f"every card's header must be {shapes[0][0]}, like the first card's",
            )
        if shape[1] != shapes[0][1]:
            raise InvalidInput(
                f"{where}.cards[{i}].components",
                f"every card must have the same buttons as the first ({', '.join(shapes[0][1])})",
            )


def _card(where: str, card: dict[str, Any], ctx: _Context) -> tuple[str, tuple[str, ...]]:
    raw = card.get("components")
    if not isinstance(raw, list) or not raw:
        raise InvalidInput(f"{where}.components", "must list the card's HEADER, BODY and BUTTONS")
    seen: dict[str, int] = {}
    components = card["components"] = [
        _component(f"{where}.components[{i}]", i, item, ctx, seen, CARD_COMPONENT_TYPES)
        for i, item in enumerate(raw)
    ]
    if "HEADER" not in seen:
        raise InvalidInput(f"{where}.components", "a card needs a HEADER (IMAGE, VIDEO, PRODUCT)")
    if "BUTTONS" not in seen:
        raise InvalidInput(f"{where}.components", "a card needs its BUTTONS")
    header_format = components[seen["HEADER"]]["format"]
    kinds = tuple(b["type"] for b in components[seen["BUTTONS"]]["buttons"])
    allowed = PRODUCT_CARD_BUTTONS if header_format == "PRODUCT" else MEDIA_CARD_BUTTONS
    for i, kind in enumerate(kinds):
        if kind not in allowed:
            raise InvalidInput(
                f"{where}.components[{seen['BUTTONS']}].buttons[{i}].type",
                f"a card with a {header_format} header takes buttons of: {', '.join(allowed)}",
            )
    if header_format != "PRODUCT" and "BODY" not in seen:
        raise InvalidInput(f"{where}.components", "a media card needs a BODY")
    return header_format, kinds


_CHECKS: dict[str, Callable[[str, dict[str, Any], _Context], None]] = {
    "HEADER": _header,
    "BODY": _body,
    "FOOTER": _footer,
    "BUTTONS": _buttons,
    "LIMITED_TIME_OFFER": _limited_time_offer,
    "CAROUSEL": _carousel,
}


def _components(raw: Any, ctx: _Context) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        raise InvalidInput("components", "must be a list of components with one BODY")
    components: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    problems = _Problems()
    allowed = (
        AUTHENTICATION_COMPONENTS
        if ctx.category == TemplateCategory.AUTHENTICATION
        else COMPONENT_TYPES
    )
    for i, item in enumerate(raw):
        with problems.check():
            components.append(_component(f"components[{i}]", i, item, ctx, seen, allowed))
    if "BODY" not in seen and not problems.found:
        raise InvalidInput("components", "a BODY component is required")
    problems.raise_any()
    _whole(components, seen, ctx)
    return components


def _button_kinds(components: list[dict[str, Any]], seen: dict[str, int]) -> list[str]:
    if "BUTTONS" not in seen:
        return []
    return [str(b["type"]) for b in components[seen["BUTTONS"]]["buttons"]]


def _whole(components: list[dict[str, Any]], seen: dict[str, int], ctx: _Context) -> None:
    """The rules between components: what each template type needs besides its parts."""
    kinds = _button_kinds(components, seen)
    header = components[seen["HEADER"]] if "HEADER" in seen else None
    if ctx.category == TemplateCategory.AUTHENTICATION and "OTP" not in kinds:
        raise InvalidInput("components", "an AUTHENTICATION template needs a BUTTONS with one OTP")
    if "CAROUSEL" in seen:
        for other in ("HEADER", "FOOTER", "BUTTONS", "LIMITED_TIME_OFFER"):
            if other in seen:
                raise InvalidInput(
                    f"components[{seen[other]}].type",
                    f"a carousel template has no {other} outside its cards",
                )
    if "LIMITED_TIME_OFFER" in seen:
        if "FOOTER" in seen:
            raise InvalidInput(
                f"components[{seen['FOOTER']}].type", "a limited-time offer has no FOOTER"
            )
        body = components[seen["BODY"]]
        if len(body["text"]) > MAX_LTO_BODY_TEXT:
            raise InvalidInput(
                f"components[{seen['BODY']}].text",
                f"must be at most {MAX_LTO_BODY_TEXT} characters in a limited-time offer",
            )
        offer = components[seen["LIMITED_TIME_OFFER"]]["limited_time_offer"]
        if offer.get("has_expiration") and "COPY_CODE" not in kinds:
            raise InvalidInput(
                f"components[{seen['LIMITED_TIME_OFFER']}].limited_time_offer.has_expiration",
                "an offer that expires needs a COPY_CODE button with the offer code",
            )
    for kind in MARKETING_BUTTONS:
        if kind in kinds and ctx.category != TemplateCategory.MARKETING:
            raise InvalidInput("category", f"a template with a {kind} button is MARKETING")
    if "CATALOG" in kinds and header is not None:
        raise InvalidInput(
            f"components[{seen['HEADER']}].type",
            "a catalog template has no HEADER (Meta shows the product thumbnail)",
        )
    header_format = header["format"] if header else None
    if "MPM" in kinds and header_format != "TEXT":
        where = f"components[{seen['HEADER']}].format" if header else "components"
        raise InvalidInput(where, "a multi-product (MPM) template needs a TEXT header")
    if ("SPM" in kinds) != (header_format == "PRODUCT"):
        where = f"components[{seen['HEADER']}].format" if header else "components"
        raise InvalidInput(
            where, "a single-product (SPM) template and only it has a PRODUCT header"
        )


def _component(
    where: str,
    index: int,
    item: Any,
    ctx: _Context,
    seen: dict[str, int],
    allowed: tuple[str, ...] = COMPONENT_TYPES,
) -> dict[str, Any]:
    # A deep copy through the checks: types are stored upper-case, as Meta returns them.
    component: dict[str, Any] = _copy(where, _object(where, item))
    kind = component.get("type")
    if not isinstance(kind, str) or kind.upper() not in allowed:
        raise InvalidInput(f"{where}.type", f"must be one of: {', '.join(allowed)}")
    kind = component["type"] = kind.upper()
    if kind in seen:
        raise InvalidInput(
            f"{where}.type",
            f"at most one {kind} (also {where.rsplit('[', 1)[0]}[{seen[kind]}])",
        )
    seen[kind] = index
    _CHECKS[kind](where, component, ctx)
    return component


def _copy(where: str, value: Any, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise InvalidInput(where, f"nests more than {MAX_DEPTH} levels deep")
    if isinstance(value, dict):
        return {key: _copy(where, item, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(where, item, depth + 1) for item in value]
    return value


def _parameter_format(value: Any) -> str:
    if value is None:
        return "POSITIONAL"
    if not isinstance(value, str) or value.upper() not in PARAMETER_FORMATS:
        raise InvalidInput("parameter_format", f"must be one of: {', '.join(PARAMETER_FORMATS)}")
    return value.upper()


def parameter_format_of(components: list[dict[str, Any]]) -> str:
    """A stored template's ``parameter_format``: NAMED when its texts use named variables (the
    creation rules keep each template to one kind)."""
    for text in _texts(components):
        for match in VARIABLE.finditer(text):
            if not match.group(1).strip().isdigit():
                return "NAMED"
    return "POSITIONAL"


def _texts(components: list[Any]) -> Iterator[str]:
    for component in components:
        if not isinstance(component, dict):
            continue
        kind = str(component.get("type", "")).upper()
        if kind in ("HEADER", "BODY") and isinstance(component.get("text"), str):
            yield component["text"]
        for card in component.get("cards") or ():
            if isinstance(card, dict) and isinstance(card.get("components"), list):
                yield from _texts(card["components"])


def validate_name(value: Any) -> str:
    name = _string("name", value)
    assert name is not None
    if not NAME.match(name):
        raise InvalidInput(
            "name", "must be 1-512 characters: lower-case letters, digits and underscores"
        )
    return name


def _category(value: Any) -> TemplateCategory:
    raw_category = _string("category", value)
    assert raw_category is not None
    try:
        return TemplateCategory(raw_category.upper())
    except ValueError:
        allowed = ", ".join(c.value for c in TemplateCategory)
        raise InvalidInput("category", f"must be one of: {allowed}") from None


def _language(value: Any) -> str:
    language = _string("language", value)
    assert language is not None
    if not LANGUAGE.match(language):
        raise InvalidInput("language", "must be a WhatsApp language code, e.g. en, en_US, pt_BR")
    return language


def validate(new: NewTemplate) -> ValidTemplate:
    """The template in stored form, or every field at fault at once (:class:`InvalidInputs`
    when there are several; each component and each button is checked on its own)."""
    problems = _Problems()
    name = language = ""
    category: TemplateCategory | None = None
    components: list[dict[str, Any]] = []
    with problems.check():
        name = validate_name(new.name)
    with problems.check():
        category = _category(new.category)
    with problems.check():
        language = _language(new.language)
    parameter_format = "POSITIONAL"
    with problems.check():
        parameter_format = _parameter_format(new.parameter_format)
    if category is not None:  # the component rules depend on it (OTP buttons, footers)
        with problems.check():
            ctx = _Context(category, named=parameter_format == "NAMED")
            components = _components(new.components, ctx)
    problems.raise_any()
    assert category is not None
    return ValidTemplate(name, category, language, components, parameter_format)

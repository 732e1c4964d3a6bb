"""What Meta accepts as a message template, checked before it is stored (spec §5 Template).

Pure rules, no database: :func:`validate` takes what the caller sent and returns the template's
name, category, language and components in stored form, or raises :class:`InvalidInput` naming
the offending field by its path in the request (``components[1].text``,
``components[2].buttons[0].text``), so a partner sees exactly what to fix.

The limits are Meta's (WhatsApp Business Management API, message template components); where
Meta allows more than this simulation models (carousels, limited-time offers, named variables),
the template is refused with the list of what is supported.
"""

from __future__ import annotations

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

HEADER_FORMATS = ("TEXT", "IMAGE", "VIDEO", "DOCUMENT", "LOCATION")
BUTTON_TYPES = ("QUICK_REPLY", "URL", "PHONE_NUMBER", "COPY_CODE", "OTP")
OTP_TYPES = ("COPY_CODE", "ONE_TAP", "ZERO_TAP")
COMPONENT_TYPES = ("HEADER", "BODY", "FOOTER", "BUTTONS")

MAX_HEADER_TEXT = 60
MAX_BODY_TEXT = 1024
MAX_FOOTER_TEXT = 60
MAX_BUTTON_TEXT = 25
MAX_BUTTONS = 10
MAX_URL_BUTTONS = 2
MAX_PHONE_BUTTONS = 1
MAX_URL = 2000
MAX_PHONE = 20
MAX_EXAMPLE = 1024
MAX_DEPTH = 16  # Meta's components nest four levels deep; nothing legitimate comes near this


@dataclass(frozen=True)
class NewTemplate:
    """A template as the caller sent it (``POST …/waba_templates`` or ``/v1/configs/templates``)."""

    name: Any
    category: Any
    language: Any
    components: Any


@dataclass(frozen=True)
class TemplateEdit:
    """An edit as the caller sent it (``PATCH …/waba_templates/{template_id}``): ``None`` keeps
    the template's current value."""

    components: Any = None
    category: Any = None


@dataclass(frozen=True)
class ValidTemplate:
    name: str
    category: TemplateCategory
    language: str
    components: list[dict[str, Any]]


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


def _variables(where: str, text: str) -> int:
    """How many variables ``text`` uses; they must be ``{{1}}``, ``{{2}}``, … with none skipped."""
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
    return len(numbers)


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


def _header(where: str, component: dict[str, Any], _category: TemplateCategory) -> None:
    raw = component.get("format")
    if not isinstance(raw, str) or raw.upper() not in HEADER_FORMATS:
        raise InvalidInput(f"{where}.format", f"must be one of: {', '.join(HEADER_FORMATS)}")
    component["format"] = raw.upper()
    if component["format"] != "TEXT":
        if "text" in component:
            raise InvalidInput(f"{where}.text", f"a {raw.upper()} header has no text")
        return
    text = _text(f"{where}.text", component.get("text"), MAX_HEADER_TEXT)
    count = _variables(f"{where}.text", text)
    if count > 1:
        raise InvalidInput(f"{where}.text", "a header takes at most one variable")
    example = component.get("example")
    if count:
        if example is None:
            raise InvalidInput(
                f"{where}.example.header_text", "is required when the header has a variable"
            )
        examples = _object(f"{where}.example", example).get("header_text")
        _examples(f"{where}.example.header_text", examples, count, nested=False)


def _body(where: str, component: dict[str, Any], category: TemplateCategory) -> None:
    # Authentication templates carry Meta's fixed wording; the body only sets its options.
    if category == TemplateCategory.AUTHENTICATION and "text" not in component:
        flag = component.get("add_security_recommendation", False)
        if not isinstance(flag, bool):
            raise InvalidInput(f"{where}.add_security_recommendation", "must be true or false")
        return
    text = _text(f"{where}.text", component.get("text"), MAX_BODY_TEXT)
    count = _variables(f"{where}.text", text)
    example = component.get("example")
    if count:
        if example is None:
            raise InvalidInput(
                f"{where}.example.body_text", "is required when the body has variables"
            )
        examples = _object(f"{where}.example", example).get("body_text")
        _examples(f"{where}.example.body_text", examples, count, nested=True)


def _footer(where: str, component: dict[str, Any], category: TemplateCategory) -> None:
    if category == TemplateCategory.AUTHENTICATION and "text" not in component:
        minutes = component.get("code_expiration_minutes")
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 90:
            raise InvalidInput(
                f"{where}.code_expiration_minutes", "must be a whole number from 1 to 90"
            )
        return
    text = _text(f"{where}.text", component.get("text"), MAX_FOOTER_TEXT)
    if VARIABLE.search(text):
        raise InvalidInput(f"{where}.text", "a footer takes no variables")


def _button(where: str, button: dict[str, Any], category: TemplateCategory) -> str:
    raw = button.get("type")
    if not isinstance(raw, str) or raw.upper() not in BUTTON_TYPES:
        raise InvalidInput(f"{where}.type", f"must be one of: {', '.join(BUTTON_TYPES)}")
    kind = button["type"] = raw.upper()
    if kind in ("COPY_CODE", "OTP"):
        if "text" in button:
            _text(f"{where}.text", button["text"], MAX_BUTTON_TEXT)
    else:
        _text(f"{where}.text", button.get("text"), MAX_BUTTON_TEXT)
    if kind == "URL":
        url = _text(f"{where}.url", button.get("url"), MAX_URL)
        if not url.startswith(("https://", "http://")):
            raise InvalidInput(f"{where}.url", "must be an http or https URL")
        if _variables(f"{where}.url", url) > 1:
            raise InvalidInput(f"{where}.url", "takes at most one variable, {{1}}")
    elif kind == "PHONE_NUMBER":
        phone = _text(f"{where}.phone_number", button.get("phone_number"), MAX_PHONE)
        if not re.fullmatch(r"\+?[0-9]{6,15}", phone):
            raise InvalidInput(f"{where}.phone_number", "must be a phone number, e.g. +4915112345")
    elif kind == "OTP":
        if category != TemplateCategory.AUTHENTICATION:
            raise InvalidInput(f"{where}.type", "OTP buttons are for AUTHENTICATION templates")
        otp = button.get("otp_type")
        if not isinstance(otp, str) or otp.upper() not in OTP_TYPES:
            raise InvalidInput(f"{where}.otp_type", f"must be one of: {', '.join(OTP_TYPES)}")
        button["otp_type"] = otp.upper()
    return kind


def _buttons(where: str, component: dict[str, Any], category: TemplateCategory) -> None:
    buttons = component.get("buttons")
    if not isinstance(buttons, list) or not buttons:
        raise InvalidInput(f"{where}.buttons", "must be a list of at least one button")
    if len(buttons) > MAX_BUTTONS:
        raise InvalidInput(f"{where}.buttons", f"at most {MAX_BUTTONS} buttons")
    kinds: list[str] = []
    problems = _Problems()
    for i, b in enumerate(buttons):
        with problems.check():
            kinds.append(
                _button(f"{where}.buttons[{i}]", _object(f"{where}.buttons[{i}]", b), category)
            )
    problems.raise_any()
    if kinds.count("URL") > MAX_URL_BUTTONS:
        raise InvalidInput(f"{where}.buttons", f"at most {MAX_URL_BUTTONS} URL buttons")
    if kinds.count("PHONE_NUMBER") > MAX_PHONE_BUTTONS:
        raise InvalidInput(f"{where}.buttons", f"at most {MAX_PHONE_BUTTONS} PHONE_NUMBER button")


_CHECKS: dict[str, Callable[[str, dict[str, Any], TemplateCategory], None]] = {
    "HEADER": _header,
    "BODY": _body,
    "FOOTER": _footer,
    "BUTTONS": _buttons,
}


def _components(raw: Any, category: TemplateCategory) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        raise InvalidInput("components", "must be a list of components with one BODY")
    components: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    problems = _Problems()
    for i, item in enumerate(raw):
        with problems.check():
            components.append(_component(f"components[{i}]", i, item, category, seen))
    if "BODY" not in seen and not problems.found:
        raise InvalidInput("components", "a BODY component is required")
    problems.raise_any()
    return components


def _component(
    where: str, index: int, item: Any, category: TemplateCategory, seen: dict[str, int]
) -> dict[str, Any]:
    # A deep copy through the checks: types are stored upper-case, as Meta returns them.
    component: dict[str, Any] = _copy(where, _object(where, item))
    kind = component.get("type")
    if not isinstance(kind, str) or kind.upper() not in COMPONENT_TYPES:
        raise InvalidInput(f"{where}.type", f"must be one of: {', '.join(COMPONENT_TYPES)}")
    kind = component["type"] = kind.upper()
    if kind in seen:
        raise InvalidInput(
            f"{where}.type",
            f"a template has at most one {kind} (also components[{seen[kind]}])",
        )
    seen[kind] = index
    _CHECKS[kind](where, component, category)
    return component


def _copy(where: str, value: Any, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise InvalidInput(where, f"nests more than {MAX_DEPTH} levels deep")
    if isinstance(value, dict):
        return {key: _copy(where, item, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(where, item, depth + 1) for item in value]
    return value


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
    if category is not None:  # the component rules depend on it (OTP buttons, footers)
        with problems.check():
            components = _components(new.components, category)
    problems.raise_any()
    assert category is not None
    return ValidTemplate(name, category, language, components)

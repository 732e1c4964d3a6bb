"""Every way a send body is refused, with its Graph code, in one table; and the translation of
msgspec's decoding errors into those refusals.

The shapes and their constraints live in :mod:`partnerhub.wire.cloud_api`; msgspec checks them
while decoding and says what failed and where (``Expected `str` of length <= 4096 - at
`$.text.body```). :func:`decode` turns that into the :class:`GraphError` Meta would send:
the code from :data:`REFUSALS`, ``details`` naming the field by its JSON path
(``text.body: must be at most 4096 characters, got 4097``). The cross-field rules in
:mod:`partnerhub.domain.messaging.validation` refuse through the same table with :func:`refuse`.

In short: a wrong JSON type, an unknown key or a value outside a fixed set is a malformed
request (100, as Graph answers an enum mismatch); a missing field is 131008; a refused value
(length, count, range, duplicate, ...) is 131009; an interactive type Meta has but the emulator
does not simulate is 131051. Enum names are compared case-insensitively (Graph lists them in
capitals and accepts either) and stored in lower case.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec
import msgspec.inspect as mi

from partnerhub.domain.messaging.errors import (
    INVALID_PARAMETER,
    PARAMETER_VALUE_INVALID,
    REQUIRED_PARAMETER_MISSING,
    UNSUPPORTED_MESSAGE_TYPE,
    GraphError,
)
from partnerhub.wire.cloud_api import KNOWN_UNSUPPORTED_INTERACTIVE, SendRequest

T = TypeVar("T")

# rule -> (Graph code, the reason shown after the field's path)
REFUSALS: dict[str, tuple[int, str]] = {
    # the structure: 100
    "not_a_body": (INVALID_PARAMETER, "the body must be a JSON object, got {got}"),
    "too_deep": (INVALID_PARAMETER, "the request is nested too deeply"),
    "wrong_type": (INVALID_PARAMETER, "must be {expected}, got {got}"),
    "unknown_key": (INVALID_PARAMETER, "is not a valid parameter"),
    "not_one_of": (INVALID_PARAMETER, "must be one of {{{options}}}, got {value!r}"),
    "not_numeric": (INVALID_PARAMETER, "must be a number"),
    "flow_data": (INVALID_PARAMETER, "must be an object of strings, numbers and booleans"),
    "button_only": (INVALID_PARAMETER, "is only valid on button components"),
    "wrong_parameter_key": (INVALID_PARAMETER, "is not valid for a parameter of type {kind!r}"),
    # Meta answers 100 here, naming the field.
    "parameter_value_missing": (
        INVALID_PARAMETER,
        "Parameter '{kind}' is mandatory for component parameter type '{kind}'",
    ),
    # missing: 131008
    "missing": (REQUIRED_PARAMETER_MISSING, "is required"),
    "no_link_or_id": (REQUIRED_PARAMETER_MISSING, "must have a link or an id"),
    "section_title_missing": (
        REQUIRED_PARAMETER_MISSING,
        "is required when there are 2+ sections",
    ),
    # refused values: 131009
    "too_long": (PARAMETER_VALUE_INVALID, "must be at most {limit} characters, got {length}"),
    "too_few": (PARAMETER_VALUE_INVALID, "must have at least {limit} item(s)"),
    "too_many": (PARAMETER_VALUE_INVALID, "must have at most {limit} items, got {length}"),
    "empty": (PARAMETER_VALUE_INVALID, "must not be empty"),
    "not_unicode": (PARAMETER_VALUE_INVALID, "is not valid Unicode text"),
    "nul": (PARAMETER_VALUE_INVALID, "must not contain NUL characters"),
    "out_of_range": (PARAMETER_VALUE_INVALID, "is out of range"),
    "not_between": (PARAMETER_VALUE_INVALID, "must be between {low:g} and {high:g}"),
    "phone": (PARAMETER_VALUE_INVALID, "{reason}"),
    "bad_url": (PARAMETER_VALUE_INVALID, "is not a valid URL"),
    "not_http": (PARAMETER_VALUE_INVALID, "must be an absolute http or https URL"),
    "url_whitespace": (PARAMETER_VALUE_INVALID, "must not contain whitespace"),
    "link_and_id": (PARAMETER_VALUE_INVALID, "must have either link or id, not both"),
    "not_an_emoji": (PARAMETER_VALUE_INVALID, 'must be a single emoji, or "" to remove one'),
    "not_unique": (PARAMETER_VALUE_INVALID, "{what} must be unique; {other} has the same"),
    "too_many_rows": (PARAMETER_VALUE_INVALID, "must hold at most {limit} rows in total"),
    "not_for_header": (PARAMETER_VALUE_INVALID, "is not valid for a {kind} header"),
    "not_for_location_request": (PARAMETER_VALUE_INVALID, "is not valid for a location request"),
    "not_currency": (PARAMETER_VALUE_INVALID, "must be an ISO 4217 currency code"),
    # interactive types of issue 17 (docs/fidelity.md, "Interactive messages")
    "not_for_interactive": (PARAMETER_VALUE_INVALID, "is not allowed for {kind} messages"),
    "too_many_products": (PARAMETER_VALUE_INVALID, "must hold at most {limit} products in total"),
    "emoji": (PARAMETER_VALUE_INVALID, "must not contain emoji"),
    "line_breaks": (PARAMETER_VALUE_INVALID, "must have at most {limit} line breaks"),
    "one_of_two": (PARAMETER_VALUE_INVALID, "give either {first} or {second}, not both"),
    "missing_one_of": (REQUIRED_PARAMETER_MISSING, "one of {first} or {second} is required"),
    "navigate_payload": (
        REQUIRED_PARAMETER_MISSING,
        "is required when flow_action is navigate",
    ),
    "data_exchange_payload": (
        PARAMETER_VALUE_INVALID,
        "must be omitted when flow_action is data_exchange",
    ),
    "card_kind": (PARAMETER_VALUE_INVALID, "every card must be of the first card's type {kind!r}"),
    "card_buttons": (PARAMETER_VALUE_INVALID, "every card must have {n} button(s), as the first"),
    "card_catalog": (PARAMETER_VALUE_INVALID, "every card must name the first card's catalog"),
    "unknown_catalog": (PARAMETER_VALUE_INVALID, "{reason}"),
    "unknown_product": (PARAMETER_VALUE_INVALID, "{reason}"),
    "repeated_component": (PARAMETER_VALUE_INVALID, "repeats the {which} component of {earlier}"),
    # 131051
    "unsupported": (UNSUPPORTED_MESSAGE_TYPE, "message type {value!r} is not currently supported"),
}


def refuse(rule: str, path: str, **values: Any) -> GraphError:
    """The :class:`GraphError` for ``rule`` at ``path`` (a JSON path, "" for the body)."""
    code, reason = REFUSALS[rule]
    text = reason.format(**values)
    return GraphError(code, f"{path}: {text}" if path else text, field=path)


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


_MAX_KEY_SHOWN = 40


def shown(key: object) -> str:
    """A key as it may appear in an error: hostile keys can be huge or not strings at all."""
    text = key if isinstance(key, str) else repr(key)
    return text if len(text) <= _MAX_KEY_SHOWN else text[:_MAX_KEY_SHOWN] + "..."


def json_type(value: object) -> str:
    """The JSON name of a value's type, for "must be a string, got an array" messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "not a JSON value"


# --- msgspec's errors -----------------------------------------------------------------------

_MAX_RETRIES = 8  # case-insensitive enums: the first retry lowers them all

_AT = r"(?: - at `(?P<at>.*)`)?\Z"
_FAILURES = [
    ("missing", re.compile(r"Object missing required field `(?P<key>.*?)`" + _AT, re.S)),
    ("unknown", re.compile(r"Object contains unknown field `(?P<key>.*?)`" + _AT, re.S)),
    ("key", re.compile(r".* - at `key` in `(?P<at>.*)`\Z", re.S)),
    ("length", re.compile(r"Expected `(?P<what>\w+)` of length (?P<op>[<>])= (?P<n>\d+)" + _AT)),
    ("type", re.compile(r"Expected `(?P<expected>[^`]*)`, got `(?P<got>[^`]*)`" + _AT)),
    ("choice", re.compile(r"Invalid (?:enum )?value .*? - at `(?P<at>[^`]*)`\Z", re.S)),
    (
        "range",
        re.compile(
            r"(?:Expected `\w+` [<>]=? -?\d+|Number out of range|Integer value out of range)" + _AT
        ),
    ),
]
_EXPECTED = {
    "str": "a string",
    "object": "an object",
    "array": "an array",
    "bool": "a boolean",
    "int": "an integer",
    "int | float | str": "a number",
    "int | str": "a string or a number",
}
_GOT = {
    "null": "null",
    "int": "a number",
    "float": "a number",
    "str": "a string",
    "bool": "a boolean",
    "array": "an array",
    "object": "an object",
}
_INFO_NAMES: dict[type[mi.Type], str] = {
    mi.BoolType: "a boolean",
    mi.IntType: "an integer",
    mi.ListType: "an array",
    mi.FloatType: "a number",
}
_SEGMENT = re.compile(r"\.([^.\[]+)|\[(\d+)\]|\[(\.\.\.)\]")

Segment = str | int | None  # a key, an index, or None for "some value of a dict"


class _Retry(Exception):
    """An enum value matched once lowered: decode again with it lowered."""

    def __init__(self, segments: list[Segment], value: str) -> None:
        self.segments = segments
        self.value = value


def decode(body: object, shape: type[T], at: str = "") -> T:
    """``body`` as ``shape``, or the :class:`GraphError` for the first thing msgspec refused;
    ``at`` is the JSON path of ``body`` in the request, to name fields by.

    The common case (a valid request) costs one ``convert``, one ``encode`` and two searches of
    the encoded bytes; everything else is :func:`_decode_slowly`."""
    try:
        decoded = _convert(body, shape)
        encoded = _encode(decoded)
    except (msgspec.ValidationError, UnicodeEncodeError):
        return _decode_slowly(body, shape, at)
    # NUL, or a string that may be blank (it starts with a space or an escape after its quote).
    if b"\\u0000" in encoded or (_BLANK_START.search(encoded) and _MAYBE_BLANK.search(encoded)):
        return _decode_slowly(body, shape, at)
    return decoded


def _decode_slowly(body: object, shape: type[T], at: str) -> T:
    """:func:`decode`, naming what is wrong; enum names in capitals are lowered and retried."""
    for _ in range(_MAX_RETRIES):
        try:
            decoded = _convert(body, shape)
            problem = _text_check(decoded, body, shape)
            if problem is None:
                return decoded
            error = problem
        except msgspec.ValidationError as exc:
            try:
                error = _refusal(str(exc), body, shape)
            except _Retry as retry:
                lowered = _lower_enums(body, _info(shape))
                if lowered == body:  # cannot happen; but never loop on the same input
                    lowered = _replaced(body, retry.segments, retry.value)
                body = lowered
                continue
        except UnicodeEncodeError:  # a lone surrogate where msgspec matches names (enum, key)
            error = _surrogate_refusal(body, shape)
        raise (_under(at, error) if at else error) from None
    raise refuse("too_deep", at)


def _under(at: str, error: GraphError) -> GraphError:
    """``error`` with its field named from the request's root."""
    field = error.field or ""
    reason = error.details.removeprefix(f"{field}: ") if field else error.details
    path = at if not field else f"{at}{field}" if field.startswith("[") else join(at, field)
    return GraphError(error.code, f"{path}: {reason}", field=path)


# A string in msgspec's JSON that may be blank: spaces and escapes only. Keys (followed by ":")
# are left out. It may match more than blank strings; never fewer.
_MAYBE_BLANK = re.compile(
    rb'"(?:[ ]|\\[tnrfb]|\\u[0-9a-fA-F]{4}|\xc2[\x85\xa0]|\xe1\x9a\x80'
    rb'|\xe2\x80[\x80-\x8a\xa8\xa9\xaf]|\xe2\x81\x9f|\xe3\x80\x80)*"(?!:)'
)
_BLANK_START = re.compile(rb'"[ \\\xc2\xe1\xe2\xe3]')  # a quote first: a fast scan
_encode = msgspec.json.encode
_convert = msgspec.convert


def _text_check(decoded: object, body: object, shape: type[Any]) -> GraphError | None:
    """Every string holds text the database can store, and the ones that must hold something
    hold more than spaces: one pass over the decoded request's JSON, and a walk to name the
    field only when that pass finds a candidate."""
    try:
        encoded = _encode(decoded)
    except UnicodeEncodeError:  # a lone surrogate
        return _first_text_problem(body, shape)
    if b"\\u0000" in encoded or _MAYBE_BLANK.search(encoded):
        return _first_text_problem(body, shape)
    return None


def _first_text_problem(body: object, shape: type[Any]) -> GraphError | None:
    """The first string (or key) in ``body`` that is not storable, or blank where it must hold
    something; found without recursing."""
    stack: list[tuple[list[Segment], object]] = [([], body)]
    while stack:
        segments, value = stack.pop()
        if isinstance(value, str):
            problem = _text_problem(value, True)
            if problem is None and not value.strip():
                declared = _type_at(shape, body, segments)
                strings = (
                    [v for v in _variants(declared) if isinstance(v, mi.StrType)]
                    if declared
                    else []
                )
                if strings and strings[0].min_length:
                    problem = "empty"
            if problem is not None:
                return refuse(problem, _path(segments))
        elif isinstance(value, dict):
            for key in value:
                if isinstance(key, str) and _text_problem(key, True) is not None:
                    return refuse(_text_problem(key, True) or "", _path(segments))
            stack += [([*segments, k], v) for k, v in reversed(value.items())]
        elif isinstance(value, list):
            stack += [([*segments, i], v) for i, v in reversed(list(enumerate(value)))]
    return None


def _surrogate_refusal(body: object, shape: type[Any]) -> GraphError:
    """The first key or string holding a lone surrogate, found without recursing."""
    stack: list[tuple[list[Segment], object]] = [([], body)]
    while stack:
        segments, value = stack.pop()
        if isinstance(value, str) and _text_problem(value, True) == "not_unicode":
            declared = _type_at(shape, body, segments)
            variants = _variants(declared) if declared else []
            if any(isinstance(v, mi.LiteralType) for v in variants):
                return _choice_refusal(segments, {}, body, shape)
            if variants and not any(isinstance(v, mi.StrType) for v in variants):
                expected = _INFO_NAMES.get(type(variants[0]), "an object")
                return refuse("wrong_type", _path(segments), expected=expected, got="a string")
            return refuse("not_unicode", _path(segments))
        if isinstance(value, dict):
            for key in value:
                if isinstance(key, str) and _text_problem(key, True) == "not_unicode":
                    return refuse("unknown_key", join(_path(segments), shown(key)))
            stack += [([*segments, k], v) for k, v in reversed(value.items())]
        elif isinstance(value, list):
            stack += [([*segments, i], v) for i, v in reversed(list(enumerate(value)))]
    return refuse("not_unicode", "")


def _segments(at: str | None) -> list[Segment]:
    if not at or at == "$":
        return []
    found: list[Segment] = []
    for key, index, _any_value in _SEGMENT.findall(at[1:]):
        found.append(key if key else int(index) if index else None)
    return found


def _path(segments: list[Segment]) -> str:
    path = ""
    for seg in segments:
        if isinstance(seg, int):
            path = f"{path}[{seg}]"
        elif seg is not None:
            path = join(path, seg)
    return path


def _value_at(body: object, segments: list[Segment]) -> object:
    value = body
    for seg in segments:
        if isinstance(seg, int) and isinstance(value, list) and seg < len(value):
            value = value[seg]
        elif isinstance(seg, str) and isinstance(value, dict):
            value = value.get(seg)
        else:
            return None
    return value


def _replaced(body: Any, segments: list[Segment], new: object) -> Any:
    """``body`` with the value at ``segments`` replaced, copying only the containers on the way."""
    if not segments:
        return new
    head, rest = segments[0], segments[1:]
    copy = dict(body) if isinstance(body, dict) else list(body)
    copy[head] = _replaced(copy[head], rest, new)  # type: ignore[index]
    return copy


_INFO: dict[type[Any], mi.Type] = {}


def _info(shape: type[Any]) -> mi.Type:
    if shape not in _INFO:
        _INFO[shape] = mi.type_info(shape)
    return _INFO[shape]


def _type_at(shape: type[Any], body: object, segments: list[Segment]) -> mi.Type | None:
    """The declared type at ``segments``, following tagged unions by the tags in ``body``."""
    t: mi.Type | None = _info(shape)
    value = body
    for seg in segments:
        if t is None:
            return None
        t = _step(t, value, seg)
        value = _value_at(value, [seg])
    return t


def _struct_at(shape: type[Any], body: object, segments: list[Segment]) -> mi.StructType | None:
    """The Struct declared at ``segments``; of a tagged union, the one the input's tag names."""
    declared = _type_at(shape, body, segments)
    structs = [v for v in _variants(declared) if isinstance(v, mi.StructType)] if declared else []
    if len(structs) == 1:
        return structs[0]
    value = _value_at(body, segments)
    tag = value.get(structs[0].tag_field) if structs and isinstance(value, dict) else None
    return next((s for s in structs if s.tag == tag), None)


def _lower_enums(value: object, declared: mi.Type | None) -> object:
    """``value`` with every enum value (and union tag) in capitals lowered, in one pass led by
    the declared types (so its depth is theirs, not the input's); containers are copied."""
    if declared is None:
        return value
    if isinstance(value, str):
        options = [
            v for t in _variants(declared) if isinstance(t, mi.LiteralType) for v in t.values
        ]
        lowered = value.lower()
        return lowered if lowered != value and lowered in options else value
    if isinstance(value, dict):
        return {k: _lower_enums(v, _step(declared, value, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower_enums(v, _step(declared, value, i)) for i, v in enumerate(value)]
    return value


def _variants(t: mi.Type) -> list[mi.Type]:
    if isinstance(t, mi.UnionType):
        return [x for x in t.types if not isinstance(x, mi.NoneType)]
    return [t]


class _Plan:
    """How to step into one declared type: its Structs by tag, their fields by name, its list
    item and dict value types. Built once per type: the walks above run on every refusal."""

    def __init__(self, t: mi.Type) -> None:
        variants = _variants(t)
        structs = [v for v in variants if isinstance(v, mi.StructType)]
        self.tag_field = structs[0].tag_field if structs else None
        self.single = structs[0] if len(structs) == 1 else None
        self.tags: mi.Type = mi.LiteralType(tuple(s.tag for s in structs))
        self.fields = {id(s): {f.encode_name: f.type for f in s.fields} for s in structs}
        self.by_tag = {s.tag: s for s in structs}
        self.item = next((v.item_type for v in variants if isinstance(v, mi.ListType)), None)
        self.value = next((v.value_type for v in variants if isinstance(v, mi.DictType)), None)


_PLANS: dict[int, tuple[mi.Type, _Plan]] = {}


def _plan(t: mi.Type) -> _Plan:
    found = _PLANS.get(id(t))
    if found is None or found[0] is not t:
        found = _PLANS[id(t)] = (t, _Plan(t))
    return found[1]


def _step(t: mi.Type, value: object, seg: Segment) -> mi.Type | None:
    plan = _plan(t)
    if isinstance(seg, str):
        if plan.tag_field is not None and seg == plan.tag_field:
            return plan.tags
        chosen = plan.single
        if chosen is None and plan.by_tag:
            tag = value.get(plan.tag_field) if isinstance(value, dict) and plan.tag_field else None
            chosen = plan.by_tag.get(tag.lower()) if isinstance(tag, str) else None
        return plan.fields[id(chosen)].get(seg) if chosen is not None else None
    return plan.item if isinstance(seg, int) else plan.value


def _refusal(message: str, body: object, shape: type[Any]) -> GraphError:
    for kind, pattern in _FAILURES:
        match = pattern.match(message)
        if match is None:
            continue
        groups = match.groupdict()
        segments = _segments(groups.get("at"))
        if kind in ("missing", "unknown"):
            return _key_refusal(kind, segments, groups["key"], body, shape)
        return _VALUE_REFUSALS[kind](segments, groups, body, shape)
    return refuse("wrong_type", "", expected="a valid Cloud API message", got=message)


def _key_refusal(
    kind: str, segments: list[Segment], key: str, body: object, shape: type[Any]
) -> GraphError:
    path = join(_path(segments), shown(key))
    if kind == "missing":
        return refuse("missing", path)
    parent = _struct_at(shape, body, segments)
    tag = parent.tag if parent is not None else None
    in_parameters = segments[-2:-1] == ["parameters"] and _struct_at(shape, body, segments[:-2])
    if in_parameters and isinstance(tag, str) and key in _PARAMETER_KEYS:
        return refuse("wrong_parameter_key", path, kind=tag)
    if tag in ("header", "body") and key in ("sub_type", "index"):
        return refuse("button_only", path)
    return refuse("unknown_key", path)


_PARAMETER_KEYS = frozenset(
    {
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
    }
)


def _type_refusal(
    segments: list[Segment], groups: dict[str, str], body: object, shape: type[Any]
) -> GraphError:
    path = _path(segments)
    expected = groups["expected"].removesuffix(" | null")
    got = groups["got"]
    if got == "null" and segments and isinstance(segments[-1], str):
        return refuse("missing", path)  # null counts as absent
    if expected == "bool | int | float | str" or expected.startswith("dict"):
        return refuse("flow_data", _path([s for s in segments if s is not None]))
    fallback = "an object" if "object" in expected else f"`{expected}`"
    expected = _EXPECTED.get(expected, fallback)
    value = _value_at(body, segments)
    shown_got = json_type(value) if value is not None else _GOT.get(got, "not a JSON value")
    return refuse("wrong_type", path, expected=expected, got=shown_got)


def _length_refusal(
    segments: list[Segment], groups: dict[str, str], body: object, shape: type[Any]
) -> GraphError:
    path = _path(segments)
    value = _value_at(body, segments)
    limit = int(groups["n"])
    if groups["what"] == "str" and isinstance(value, str):
        # msgspec checks the length before the pattern; Meta's order is the other way round.
        declared = _type_at(shape, body, segments)
        strings = [v for v in _variants(declared) if isinstance(v, mi.StrType)] if declared else []
        allow_empty = not strings or not strings[0].min_length
        problem = _text_problem(value, allow_empty)
        if problem is not None:
            return refuse(problem, path)
        return refuse("too_long", path, limit=limit, length=len(value))
    if groups["what"] == "str" and groups["op"] == ">":
        return refuse("empty", path)
    length = len(value) if isinstance(value, list | dict | str) else 0
    if groups["op"] == ">":
        return refuse("too_few", path, limit=limit)
    return refuse("too_many", path, limit=limit, length=length)


def _text_problem(value: str, allow_empty: bool) -> str | None:
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "not_unicode"
    if "\x00" in value:
        return "nul"
    if not allow_empty and not value.strip():
        return "empty"
    return None


def _choice_refusal(
    segments: list[Segment], groups: dict[str, str], body: object, shape: type[Any]
) -> GraphError:
    path = _path(segments)
    value = _value_at(body, segments)
    declared = _type_at(shape, body, segments)
    options: list[str] = []
    for variant in _variants(declared) if declared else []:
        if isinstance(variant, mi.LiteralType):
            options += [str(v) for v in variant.values]
    if isinstance(value, str):
        lowered = value.lower()
        if lowered != value and lowered in options:
            raise _Retry(segments, lowered)
        # 131051 is for sends only: a simulated user's reply is refused as any other value.
        unsupported = lowered in KNOWN_UNSUPPORTED_INTERACTIVE and shape is SendRequest
        if path.endswith("interactive.type") and unsupported:
            return refuse("unsupported", path, value=lowered)
    listed = ", ".join(sorted(options))
    return refuse("not_one_of", path, options=listed, value=shown(value))


def _key_type_refusal(
    segments: list[Segment], groups: dict[str, str], body: object, shape: type[Any]
) -> GraphError:
    """A key that is not a string, or (in ``flow_action_data``) not storable text."""
    path = _path(segments)
    declared = _type_at(shape, body, segments)
    if declared is not None and any(isinstance(v, mi.DictType) for v in _variants(declared)):
        parent = _value_at(body, segments)
        if isinstance(parent, dict):
            for key in parent:
                problem = _text_problem(key, True) if isinstance(key, str) else "flow_data"
                if problem is not None:
                    return refuse(problem, path)
        return refuse("flow_data", path)
    parent = _value_at(body, segments)
    odd = (
        next((k for k in parent if not isinstance(k, str)), None)
        if isinstance(parent, dict)
        else None
    )
    return refuse("unknown_key", join(path, shown(odd)))


def _range_refusal(
    segments: list[Segment], groups: dict[str, str], body: object, shape: type[Any]
) -> GraphError:
    return refuse("out_of_range", _path(segments))


_VALUE_REFUSALS = {
    "type": _type_refusal,
    "length": _length_refusal,
    "choice": _choice_refusal,
    "key": _key_type_refusal,
    "range": _range_refusal,
}

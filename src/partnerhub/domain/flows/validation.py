"""Flow JSON validation against Meta's rules (Flow JSON reference, components reference and
routing model guide, as summarised in docs/fidelity.md "WhatsApp Flows").

:func:`validate` takes the uploaded file's text and answers Meta's ``validation_errors``: each
error names Meta's ``error`` code and ``error_type``, a message, and where in the file it is
(1-based lines and columns of the offending value, and a ``pointers`` entry with its path).
An empty list means the Flow JSON may be published.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from partnerhub.wire.flows import ErrorPointer, ValidationError

# Versions a Flow may be published with (Meta's versioning guide: active versions); older
# ones are frozen or expired, a Flow targeting them cannot be published.
SUPPORTED_VERSIONS = ("6.0", "6.1", "6.2", "6.3", "7.0", "7.1", "7.2")
FROZEN_VERSIONS = ("1.0", "1.1", "1.2", "2.0", "2.1", "3.0", "3.1", "4.0", "5.0", "5.1")
DATA_API_VERSIONS = ("3.0",)
RESERVED_SCREEN_IDS = ("SUCCESS",)
MAX_SCREEN_COMPONENTS = 50
MAX_ROUTES_PER_SCREEN = 10

SCHEMA = "JSON_SCHEMA_ERROR"  # the file does not have Flow JSON's shape
FLOW = "FLOW_JSON_ERROR"  # well-shaped, but breaks a rule across the document

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Span:
    line_start: int
    column_start: int
    line_end: int
    column_end: int


# -- where each value is in the text -------------------------------------------------------


class _Locator:
    """Maps each JSON path to the span of its value (and ``path + ("<key>",)`` to its key) in
    a text json.loads accepted."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.spans: dict[Path, Span] = {}
        self.lines = [0]
        for n, ch in enumerate(text):
            if ch == "\n":
                self.lines.append(n + 1)

    def _pos(self, offset: int) -> tuple[int, int]:
        lo, hi = 0, len(self.lines) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.lines[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, offset - self.lines[lo] + 1

    def _skip(self) -> None:
        while self.i < len(self.text) and self.text[self.i] in " \t\r\n":
            self.i += 1

    def _string_end(self) -> int:
        j = self.i + 1
        while self.text[j] != '"':
            j += 2 if self.text[j] == "\\" else 1
        return j + 1

    def _mark(self, path: Path, start: int, end: int) -> None:
        ls, cs = self._pos(start)
        le, ce = self._pos(max(start, end - 1))
        self.spans[path] = Span(ls, cs, le, ce + 1)

    def value(self, path: Path) -> None:
        self._skip()
        start = self.i
        ch = self.text[self.i]
        if ch == "{":
            self.i += 1
            self._skip()
            while self.text[self.i] != "}":
                key_start = self.i
                key_end = self._string_end()
                key = json.loads(self.text[key_start:key_end])
                self.i = key_end
                self._mark((*path, key, "<key>"), key_start, key_end)
                self._skip()
                self.i += 1  # the colon
                self.value((*path, key))
                self._skip()
                if self.text[self.i] == ",":
                    self.i += 1
                    self._skip()
            self.i += 1
        elif ch == "[":
            self.i += 1
            self._skip()
            n = 0
            while self.text[self.i] != "]":
                self.value((*path, n))
                n += 1
                self._skip()
                if self.text[self.i] == ",":
                    self.i += 1
                    self._skip()
            self.i += 1
        elif ch == '"':
            self.i = self._string_end()
        else:
            while self.i < len(self.text) and self.text[self.i] not in ",]} \t\r\n":
                self.i += 1
        self._mark(path, start, self.i)


def dotted(path: Path) -> str:
    """``screens[0].layout.children[2]``: the pointer path Meta shows."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def rooted(path: Path) -> str:
    """``$root/screens/0/layout``: the path Meta's messages name."""
    return "/".join(["$root", *(str(p) for p in path)])


# -- the checks ------------------------------------------------------------------------------


@dataclass
class _Problem:
    error: str
    error_type: str
    message: str
    path: Path
    key: bool = False  # point at the property's name rather than its value


STR = "string"
BOOL = "boolean"
INT = "integer"
ARR = "array"
OBJ = "object"
ACTION = "action"
ANY = "any"

_TYPES: dict[str, type | tuple[type, ...]] = {
    STR: str,
    BOOL: bool,
    INT: int,
    ARR: list,
    OBJ: dict,
    ACTION: dict,
}

# Properties every component may carry.
_COMMON = {"type": STR, "visible": BOOL}


@dataclass(frozen=True)
class Component:
    """One component type: its properties (name -> type), the required ones, the Flow JSON
    version that introduced it, string limits, and whether it is an input with a ``name``."""

    props: dict[str, str]
    required: tuple[str, ...] = ()
    since: str = "1.0"
    max_length: dict[str, int] = field(default_factory=dict)
    items: tuple[int, int] | None = None  # bounds on the number of data-source / list-items
    per_screen: int | None = None


_INPUT = {"name": STR, "label": STR, "required": BOOL, "enabled": BOOL, "init-value": ANY}
_TEXT = {"text": STR, "visible": BOOL}
_SOURCE = {"data-source": ARR, "on-select-action": ACTION, "on-unselect-action": ACTION}

COMPONENTS: dict[str, Component] = {
    "TextHeading": Component({**_TEXT}, ("text",), max_length={"text": 80}),
    "TextSubheading": Component({**_TEXT}, ("text",), max_length={"text": 80}),
    "TextBody": Component(
        {**_TEXT, "font-weight": STR, "strikethrough": BOOL, "markdown": BOOL},
        ("text",),
        max_length={"text": 4096},
    ),
    "TextCaption": Component(
        {**_TEXT, "font-weight": STR, "strikethrough": BOOL, "markdown": BOOL},
        ("text",),
        max_length={"text": 409},
    ),
    "RichText": Component({"text": ANY}, ("text",), since="5.1"),
    "TextInput": Component(
        {
            **_INPUT,
            "input-type": STR,
            "pattern": STR,
            "min-chars": ANY,
            "max-chars": ANY,
            "helper-text": STR,
            "error-message": STR,
            "label-variant": STR,
        },
        ("name", "label"),
        max_length={"label": 20, "helper-text": 80},
    ),
    "TextArea": Component(
        {
            **_INPUT,
            "max-length": ANY,
            "helper-text": STR,
            "error-message": STR,
            "label-variant": STR,
        },
        ("name", "label"),
        max_length={"label": 20, "helper-text": 80},
    ),
    "CheckboxGroup": Component(
        {
            **_INPUT,
            **_SOURCE,
            "description": STR,
            "min-selected-items": INT,
            "max-selected-items": INT,
            "media-size": STR,
        },
        ("name", "data-source"),
        max_length={"label": 30},
        items=(1, 20),
    ),
    "RadioButtonsGroup": Component(
        {**_INPUT, **_SOURCE, "description": STR, "media-size": STR},
        ("name", "data-source"),
        max_length={"label": 30},
        items=(1, 20),
    ),
    "Dropdown": Component(
        {**_INPUT, **_SOURCE},
        ("name", "label", "data-source"),
        max_length={"label": 20},
        items=(1, 200),
    ),
    "ChipsSelector": Component(
        {
            **_INPUT,
            **_SOURCE,
            "description": STR,
            "min-selected-items": INT,
            "max-selected-items": INT,
        },
        ("name", "label", "data-source"),
        since="6.3",
        max_length={"label": 80},
        items=(2, 20),
    ),
    "DatePicker": Component(
        {
            **_INPUT,
            "min-date": STR,
            "max-date": STR,
            "unavailable-dates": ANY,
            "helper-text": STR,
            "error-message": STR,
            "on-select-action": ACTION,
        },
        ("name", "label"),
        max_length={"label": 40, "helper-text": 80},
    ),
    "CalendarPicker": Component(
        {
            **_INPUT,
            "title": STR,
            "description": STR,
            "mode": STR,
            "min-date": STR,
            "max-date": STR,
            "unavailable-dates": ANY,
            "include-days": ANY,
            "min-days": INT,
            "max-days": INT,
            "helper-text": ANY,
            "error-message": ANY,
            "on-select-action": ACTION,
        },
        ("name", "label"),
        since="6.1",
    ),
    "OptIn": Component(
        {
            "name": STR,
            "label": STR,
            "required": BOOL,
            "visible": BOOL,
            "init-value": ANY,
            "on-click-action": ACTION,
            "on-select-action": ACTION,
            "on-unselect-action": ACTION,
        },
        ("name", "label"),
        max_length={"label": 120},
        per_screen=5,
    ),
    "EmbeddedLink": Component(
        {"text": STR, "on-click-action": ACTION, "visible": BOOL},
        ("text", "on-click-action"),
        max_length={"text": 25},
        per_screen=2,
    ),
    "Footer": Component(
        {
            "label": STR,
            "left-caption": STR,
            "center-caption": STR,
            "right-caption": STR,
            "enabled": BOOL,
            "on-click-action": ACTION,
        },
        ("label", "on-click-action"),
        max_length={"label": 35, "left-caption": 15, "center-caption": 15, "right-caption": 15},
        per_screen=1,
    ),
    "Image": Component(
        {
            "src": STR,
            "width": INT,
            "height": INT,
            "scale-type": STR,
            "aspect-ratio": ANY,
            "alt-text": STR,
            "visible": BOOL,
        },
        ("src",),
        per_screen=3,
    ),
    "If": Component({"condition": STR, "then": ARR, "else": ARR}, ("condition", "then"), "4.0"),
    "Switch": Component({"value": STR, "cases": OBJ}, ("value", "cases"), "4.0"),
    "NavigationList": Component(
        {
            "name": STR,
            "label": STR,
            "description": STR,
            "list-items": ARR,
            "on-click-action": ACTION,
            "media-size": STR,
            "visible": BOOL,
        },
        ("name", "list-items"),
        since="6.2",
        max_length={"label": 80},
        items=(1, 20),
        per_screen=2,
    ),
    "PhotoPicker": Component(
        {
            "name": STR,
            "label": STR,
            "description": STR,
            "photo-source": STR,
            "max-file-size-kb": INT,
            "min-uploaded-photos": INT,
            "max-uploaded-photos": INT,
            "enabled": BOOL,
            "visible": BOOL,
            "error-message": ANY,
        },
        ("name", "label"),
        since="4.0",
        max_length={"label": 30},
        per_screen=1,
    ),
    "DocumentPicker": Component(
        {
            "name": STR,
            "label": STR,
            "description": STR,
            "max-file-size-kb": INT,
            "min-uploaded-documents": INT,
            "max-uploaded-documents": INT,
            "allowed-mime-types": ARR,
            "enabled": BOOL,
            "visible": BOOL,
            "error-message": ANY,
        },
        ("name", "label"),
        since="4.0",
        max_length={"label": 30},
        per_screen=1,
    ),
    # The pre-4.0 container of inputs; still accepted, its children checked like the screen's.
    "Form": Component(
        {"name": STR, "children": ARR, "init-values": OBJ, "error-messages": OBJ},
        ("name", "children"),
    ),
}
INPUT_TYPES = ("text", "number", "email", "password", "passcode", "phone")
ACTIONS = ("navigate", "complete", "data_exchange", "update_data", "open_url")
# Only these components may open a URL (Meta: open_url on EmbeddedLink and OptIn, 6.0+).
OPEN_URL_ON = ("EmbeddedLink", "OptIn")
_TOP_LEVEL = ("version", "screens", "data_api_version", "routing_model", "data_channel_uri")
_SCREEN = ("id", "title", "layout", "terminal", "success", "data", "refresh_on_back", "sensitive")
_SCREEN_ID = re.compile(r"^[A-Z][A-Z_]*$")
_DYNAMIC = re.compile(r"\$\{([^}]*)\}")


def _version(value: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in value.split("."))
    except ValueError:
        return (0,)


def _is_dynamic(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("${") and value.endswith("}")


class _Checker:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.problems: list[_Problem] = []
        self.version: tuple[int, ...] = (99,)
        self.screen_ids: list[str] = []
        self.first_index: dict[str, int] = {}  # screen id -> index of its first screen
        self.navigations: dict[str, set[str]] = {}

    def add(self, error: str, kind: str, message: str, path: Path, *, key: bool = False) -> None:
        self.problems.append(_Problem(error, kind, message, path, key))

    def missing(self, name: str, path: Path) -> None:
        self.add(
            "MISSING_REQUIRED_PROPERTY",
            SCHEMA,
            f'The required property "{name}" is missing at "{rooted(path)}".',
            path,
        )

    def typed(self, value: Any, kind: str, path: Path) -> bool:
        if kind == ANY:
            return True
        expected = _TYPES[kind]
        if _is_dynamic(value):  # a ${…} binding is checked for what it refers to, not here
            return isinstance(value, expected)
        ok = isinstance(value, expected) and not (kind == INT and isinstance(value, bool))
        if not ok:
            self.add(
                "INVALID_PROPERTY_TYPE",
                SCHEMA,
                f'Expected property "{path[-1]}" at "{rooted(path[:-1])}" to be of type '
                f'"{kind if kind != ACTION else OBJ}".',
                path,
            )
        return ok

    # -- document --------------------------------------------------------------------------

    def run(self) -> None:
        doc = self.doc
        for key in doc:
            if key not in _TOP_LEVEL:
                self.add(
                    "INVALID_PROPERTY",
                    SCHEMA,
                    f'The property "{key}" cannot be specified at "$root".',
                    (key,),
                    key=True,
                )
        self.check_version()
        if "data_api_version" in doc and doc["data_api_version"] not in DATA_API_VERSIONS:
            self.add(
                "INVALID_PROPERTY_VALUE",
                SCHEMA,
                f'Invalid value "{doc["data_api_version"]}" for "data_api_version": supported '
                f"values are {', '.join(DATA_API_VERSIONS)}.",
                ("data_api_version",),
            )
        if "data_channel_uri" in doc and self.version >= (3, 0):
            self.add(
                "INVALID_PROPERTY",
                SCHEMA,
                'The property "data_channel_uri" is not supported from Flow JSON version 3.0: '
                "set the Flow's endpoint_uri instead.",
                ("data_channel_uri",),
                key=True,
            )
        screens = doc.get("screens")
        if screens is None:
            self.missing("screens", ())
            return
        if not self.typed(screens, ARR, ("screens",)):
            return
        if not screens:
            self.add(
                "INVALID_PROPERTY_VALUE",
                SCHEMA,
                'The property "screens" must contain at least 1 screen.',
                ("screens",),
            )
            return
        for n, screen in enumerate(screens):
            if isinstance(screen, dict) and isinstance(screen.get("id"), str):
                self.screen_ids.append(screen["id"])
                self.first_index.setdefault(screen["id"], n)
        for n, screen in enumerate(screens):
            self.check_screen(screen, ("screens", n))
        if not any(isinstance(s, dict) and s.get("terminal") is True for s in screens):
            self.add(
                "MISSING_TERMINAL_SCREEN",
                FLOW,
                'A Flow must have at least one terminal screen ("terminal": true).',
                ("screens",),
            )
        self.check_endpoint()
        self.check_routing(screens)

    def check_version(self) -> None:
        version = self.doc.get("version")
        if version is None:
            self.missing("version", ())
            return
        if not self.typed(version, STR, ("version",)):
            return
        self.version = _version(version)
        if version in SUPPORTED_VERSIONS:
            return
        if version in FROZEN_VERSIONS:
            message = (
                f'Flow JSON version "{version}" is frozen or expired and can no longer be '
                f"published; use one of {', '.join(SUPPORTED_VERSIONS)}."
            )
        else:
            message = (
                f'Flow JSON version "{version}" is not supported; use one of '
                f"{', '.join(SUPPORTED_VERSIONS)}."
            )
        self.add("INVALID_VERSION", SCHEMA, message, ("version",))

    def check_endpoint(self) -> None:
        """``data_api_version`` and ``routing_model`` go together: a Flow that talks to its
        endpoint (data_exchange, a routing model) declares both."""
        uses_exchange = any(
            a.get("name") == "data_exchange" for a in self.actions_in(self.doc.get("screens"))
        )
        has_api = "data_api_version" in self.doc
        has_routing = "routing_model" in self.doc
        if (uses_exchange or has_routing) and not has_api:
            self.add(
                "MISSING_REQUIRED_PROPERTY",
                SCHEMA,
                'The property "data_api_version" is required when the Flow uses an endpoint '
                '("routing_model" or a "data_exchange" action).',
                (),
            )
        if has_api and not has_routing:
            self.add(
                "MISSING_REQUIRED_PROPERTY",
                SCHEMA,
                'The property "routing_model" is required when "data_api_version" is set.',
                (),
            )

    def actions_in(self, node: Any) -> Iterator[dict[str, Any]]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key.startswith("on-") and key.endswith("-action") and isinstance(value, dict):
                    yield value
                else:
                    yield from self.actions_in(value)
        elif isinstance(node, list):
            for item in node:
                yield from self.actions_in(item)

    # -- screens ---------------------------------------------------------------------------

    def check_screen(self, screen: Any, path: Path) -> None:
        if not self.typed(screen, OBJ, path):
            return
        for key in screen:
            if key not in _SCREEN:
                self.add(
                    "INVALID_PROPERTY",
                    SCHEMA,
                    f'The property "{key}" cannot be specified at "{rooted(path)}".',
                    (*path, key),
                    key=True,
                )
        screen_id = screen.get("id")
        if screen_id is None:
            self.missing("id", path)
            screen_id = ""
        elif self.typed(screen_id, STR, (*path, "id")) and isinstance(screen_id, str):
            self.check_screen_id(screen_id, path)
        if not isinstance(screen_id, str):  # reported above; "" keeps the other checks going
            screen_id = ""
        for flag in ("terminal", "success", "refresh_on_back"):
            if flag in screen:
                self.typed(screen[flag], BOOL, (*path, flag))
        if screen.get("success") is not None and screen.get("terminal") is not True:
            self.add(
                "INVALID_PROPERTY",
                SCHEMA,
                'The property "success" may only be set on a terminal screen.',
                (*path, "success"),
                key=True,
            )
        data = screen.get("data", {})
        if "data" in screen and not self.typed(data, OBJ, (*path, "data")):
            data = {}
        layout = screen.get("layout")
        if layout is None:
            self.missing("layout", path)
            return
        if not self.typed(layout, OBJ, (*path, "layout")):
            return
        if layout.get("type") != "SingleColumnLayout":
            self.add(
                "INVALID_PROPERTY_VALUE",
                SCHEMA,
                f'Invalid value "{layout.get("type")}" for "type" at "{rooted((*path, "layout"))}":'
                ' the only layout is "SingleColumnLayout".',
                (*path, "layout", "type") if "type" in layout else (*path, "layout"),
            )
        children = layout.get("children")
        if children is None:
            self.missing("children", (*path, "layout"))
            return
        if not self.typed(children, ARR, (*path, "layout", "children")):
            return
        ctx = _Screen(screen_id, data, path, bool(screen.get("terminal")))
        ctx.fields = set(self.field_names(children))
        self.navigations[screen_id] = set()
        self.check_children(children, (*path, "layout", "children"), ctx)
        if ctx.count > MAX_SCREEN_COMPONENTS:
            self.add(
                "TOO_MANY_COMPONENTS",
                FLOW,
                f"A screen may have at most {MAX_SCREEN_COMPONENTS} components; "
                f'"{screen_id}" has {ctx.count}.',
                (*path, "layout", "children"),
            )
        for kind, count in ctx.per_type.items():
            limit = COMPONENTS[kind].per_screen
            if limit is not None and count > limit:
                self.add(
                    "TOO_MANY_COMPONENTS",
                    FLOW,
                    f'A screen may have at most {limit} {kind}; "{screen_id}" has {count}.',
                    (*path, "layout", "children"),
                )
        if ctx.terminal and ctx.per_type.get("Footer", 0) == 0:
            self.add(
                "MISSING_FOOTER",
                FLOW,
                f'The terminal screen "{screen_id}" must have a Footer.',
                (*path, "layout", "children"),
            )
        if not ctx.terminal and not ctx.moves_on:
            self.add(
                "NO_WAY_FORWARD",
                FLOW,
                f'The screen "{screen_id}" is not terminal and has no action that leaves it '
                "(a Footer, EmbeddedLink, OptIn or NavigationList with navigate, data_exchange "
                "or complete).",
                (*path, "layout", "children"),
            )

    def check_screen_id(self, screen_id: str, path: Path) -> None:
        where = (*path, "id")
        if screen_id in RESERVED_SCREEN_IDS:
            self.add(
                "INVALID_SCREEN_ID",
                FLOW,
                f'The screen id "{screen_id}" is reserved.',
                where,
            )
        elif not _SCREEN_ID.match(screen_id):
            self.add(
                "INVALID_SCREEN_ID",
                FLOW,
                f'The screen id "{screen_id}" must contain only uppercase letters and underscores.',
                where,
            )
        if self.first_index.get(screen_id, path[1]) != path[1]:
            self.add(
                "DUPLICATE_SCREEN_ID",
                FLOW,
                f'The screen id "{screen_id}" is used by more than one screen.',
                where,
            )

    def field_names(self, children: Any) -> Iterator[str]:
        if not isinstance(children, list):
            return
        for child in children:
            if not isinstance(child, dict):
                continue
            if child.get("type") == "Form":
                yield from self.field_names(child.get("children"))
            elif child.get("type") in ("If",):
                yield from self.field_names(child.get("then"))
                yield from self.field_names(child.get("else"))
            elif child.get("type") == "Switch" and isinstance(child.get("cases"), dict):
                for case in child["cases"].values():
                    yield from self.field_names(case)
            elif isinstance(child.get("name"), str):
                yield child["name"]

    # -- components ------------------------------------------------------------------------

    def check_children(self, children: list[Any], path: Path, ctx: _Screen) -> None:
        for n, child in enumerate(children):
            self.check_component(child, (*path, n), ctx)

    def check_component(self, node: Any, path: Path, ctx: _Screen) -> None:
        if not self.typed(node, OBJ, path):
            return
        kind = node.get("type")
        if kind is None:
            self.missing("type", path)
            return
        spec = COMPONENTS.get(kind) if isinstance(kind, str) else None
        if spec is None:
            self.add(
                "INVALID_COMPONENT_TYPE",
                SCHEMA,
                f'Unknown component type "{kind}" at "{rooted(path)}".',
                (*path, "type"),
            )
            return
        if self.version < _version(spec.since):
            self.add(
                "UNSUPPORTED_COMPONENT",
                SCHEMA,
                f'The component "{kind}" needs Flow JSON version {spec.since} or later.',
                (*path, "type"),
            )
        ctx.count += 1
        ctx.per_type[kind] = ctx.per_type.get(kind, 0) + 1
        props = {**_COMMON, **spec.props}
        for key, value in node.items():
            if key not in props:
                self.add(
                    "INVALID_PROPERTY",
                    SCHEMA,
                    f'The property "{key}" cannot be specified at "{rooted(path)}".',
                    (*path, key),
                    key=True,
                )
                continue
            self.check_references(value, (*path, key), ctx)
            if not self.typed(value, props[key], (*path, key)):
                continue
            limit = spec.max_length.get(key)
            if (
                limit is not None
                and isinstance(value, str)
                and not _is_dynamic(value)
                and len(value) > limit
            ):
                self.add(
                    "INVALID_PROPERTY_VALUE",
                    SCHEMA,
                    f'The property "{key}" of {kind} may be at most {limit} characters '
                    f"long ({len(value)} given).",
                    (*path, key),
                )
        for name in spec.required:
            if name not in node:
                self.missing(name, path)
        if kind == "TextInput" and "input-type" in node:
            value = node["input-type"]
            if not _is_dynamic(value) and value not in INPUT_TYPES:
                self.add(
                    "INVALID_PROPERTY_VALUE",
                    SCHEMA,
                    f'Invalid value "{value}" for "input-type": one of {", ".join(INPUT_TYPES)}.',
                    (*path, "input-type"),
                )
        items_key = "list-items" if kind == "NavigationList" else "data-source"
        if spec.items is not None and isinstance(node.get(items_key), list):
            self.check_items(node[items_key], spec.items, (*path, items_key), kind)
        for key, value in node.items():
            if key.startswith("on-") and key.endswith("-action") and isinstance(value, dict):
                self.check_action(value, (*path, key), kind, ctx)
        if kind == "NavigationList" and isinstance(node.get("list-items"), list):
            for n, item in enumerate(node["list-items"]):
                if isinstance(item, dict) and isinstance(item.get("on-click-action"), dict):
                    where = (*path, "list-items", n, "on-click-action")
                    self.check_action(item["on-click-action"], where, kind, ctx)
        if kind == "Form" and isinstance(node.get("children"), list):
            self.check_children(node["children"], (*path, "children"), ctx)
        if kind == "If":
            for branch in ("then", "else"):
                if isinstance(node.get(branch), list):
                    self.check_children(node[branch], (*path, branch), ctx)
        if kind == "Switch" and isinstance(node.get("cases"), dict):
            for case, branch in node["cases"].items():
                if isinstance(branch, list):
                    self.check_children(branch, (*path, "cases", case), ctx)

    def check_items(self, items: list[Any], bounds: tuple[int, int], path: Path, kind: str) -> None:
        low, high = bounds
        if not low <= len(items) <= high:
            self.add(
                "INVALID_PROPERTY_VALUE",
                SCHEMA,
                f'{kind}\'s "{path[-1]}" must have between {low} and {high} items '
                f"({len(items)} given).",
                path,
            )
        seen: set[str] = set()
        for n, item in enumerate(items):
            if not self.typed(item, OBJ, (*path, n)):
                continue
            for name in ("id",) if kind == "NavigationList" else ("id", "title"):
                if name not in item:
                    self.missing(name, (*path, n))
            item_id = item.get("id")
            if isinstance(item_id, str):
                if item_id in seen:
                    self.add(
                        "DUPLICATE_ITEM_ID",
                        SCHEMA,
                        f'The id "{item_id}" is used twice in "{rooted(path)}".',
                        (*path, n, "id"),
                    )
                seen.add(item_id)

    # -- actions ---------------------------------------------------------------------------

    def check_action(self, action: dict[str, Any], path: Path, kind: str, ctx: _Screen) -> None:
        name = action.get("name")
        if name is None:
            self.missing("name", path)
            return
        if name not in ACTIONS:
            self.add(
                "INVALID_ACTION",
                SCHEMA,
                f'Unknown action "{name}" at "{rooted(path)}": one of {", ".join(ACTIONS)}.',
                (*path, "name"),
            )
            return
        if "payload" in action:
            self.typed(action["payload"], OBJ, (*path, "payload"))
        if (
            path[-1] == "on-click-action"
            and kind
            in (
                "Footer",
                "EmbeddedLink",
                "OptIn",
                "NavigationList",
            )
            and name in ("navigate", "complete", "data_exchange")
        ):
            ctx.moves_on = True
        if name == "navigate":
            target = action.get("next")
            if target is None:
                self.missing("next", path)
                return
            if not isinstance(target, dict) or not isinstance(target.get("name"), str):
                self.add(
                    "INVALID_PROPERTY_VALUE",
                    SCHEMA,
                    'A navigate action\'s "next" must be {"type": "screen", "name": SCREEN_ID}.',
                    (*path, "next"),
                )
                return
            screen = target["name"]
            if screen not in self.screen_ids:
                self.add(
                    "INVALID_NAVIGATION",
                    FLOW,
                    f'The navigate action targets the screen "{screen}", which does not exist.',
                    (*path, "next", "name"),
                )
            elif screen == ctx.screen_id:
                self.add(
                    "INVALID_NAVIGATION",
                    FLOW,
                    f'The screen "{screen}" cannot navigate to itself.',
                    (*path, "next", "name"),
                )
            else:
                self.navigations.setdefault(ctx.screen_id, set()).add(screen)
        elif name == "complete" and not ctx.terminal:
            self.add(
                "INVALID_ACTION",
                FLOW,
                f'The "complete" action is only allowed on a terminal screen; "{ctx.screen_id}" '
                "is not terminal.",
                (*path, "name"),
            )
        elif name == "open_url":
            if kind not in OPEN_URL_ON:
                self.add(
                    "INVALID_ACTION",
                    FLOW,
                    f'The "open_url" action is only allowed on {" and ".join(OPEN_URL_ON)}.',
                    (*path, "name"),
                )
            if "url" not in action:
                self.missing("url", path)
        elif name == "update_data" and path[-1] == "on-click-action":
            self.add(
                "INVALID_ACTION",
                FLOW,
                'The "update_data" action is only allowed in on-select-action and '
                "on-unselect-action.",
                (*path, "name"),
            )
        allowed = {"name", "payload", "next", "url"}
        for key in action:
            if key not in allowed:
                self.add(
                    "INVALID_PROPERTY",
                    SCHEMA,
                    f'The property "{key}" cannot be specified at "{rooted(path)}".',
                    (*path, key),
                    key=True,
                )
        if "payload" in action:
            self.check_references(action["payload"], (*path, "payload"), ctx)

    # -- ${data.x} / ${form.x} -------------------------------------------------------------

    def check_references(self, value: Any, path: Path, ctx: _Screen) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                self.check_references(item, (*path, key), ctx)
            return
        if isinstance(value, list):
            for n, item in enumerate(value):
                self.check_references(item, (*path, n), ctx)
            return
        if not isinstance(value, str):
            return
        for match in _DYNAMIC.finditer(value):
            parts = match.group(1).strip().split(".")
            if parts[0] == "data" and len(parts) > 1 and parts[1] not in ctx.data:
                self.add(
                    "INVALID_DATA_REFERENCE",
                    FLOW,
                    f'"${{data.{parts[1]}}}" refers to data the screen "{ctx.screen_id}" does '
                    'not declare in its "data".',
                    path,
                )
            elif parts[0] == "form" and len(parts) > 1 and parts[1] not in ctx.fields:
                self.add(
                    "INVALID_FORM_REFERENCE",
                    FLOW,
                    f'"${{form.{parts[1]}}}" refers to a field the screen "{ctx.screen_id}" does '
                    "not have.",
                    path,
                )
            elif parts[0] == "screen" and len(parts) > 1 and parts[1] not in self.screen_ids:
                self.add(
                    "INVALID_SCREEN_REFERENCE",
                    FLOW,
                    f'"${{{match.group(1)}}}" refers to the screen "{parts[1]}", which does '
                    "not exist.",
                    path,
                )

    # -- routing ---------------------------------------------------------------------------

    def check_routing(self, screens: list[Any]) -> None:
        ids = [s["id"] for s in screens if isinstance(s, dict) and isinstance(s.get("id"), str)]
        if not ids:
            return
        terminal = {
            s["id"]
            for s in screens
            if isinstance(s, dict) and s.get("terminal") is True and isinstance(s.get("id"), str)
        }
        model = self.doc.get("routing_model")
        edges: dict[str, set[str]]
        if model is None:
            edges = self.navigations
        else:
            if not self.typed(model, OBJ, ("routing_model",)):
                return
            edges = {}
            for source, targets in model.items():
                where: Path = ("routing_model", source)
                if source not in ids:
                    self.add(
                        "INVALID_ROUTING_MODEL",
                        FLOW,
                        f'The routing model names the screen "{source}", which does not exist.',
                        where,
                        key=True,
                    )
                    continue
                if not self.typed(targets, ARR, where):
                    continue
                if len(targets) > MAX_ROUTES_PER_SCREEN:
                    self.add(
                        "INVALID_ROUTING_MODEL",
                        FLOW,
                        f'The screen "{source}" may route to at most {MAX_ROUTES_PER_SCREEN} '
                        "screens.",
                        where,
                    )
                edges[source] = set()
                for n, target in enumerate(targets):
                    if target not in ids:
                        self.add(
                            "INVALID_ROUTING_MODEL",
                            FLOW,
                            f'The route from "{source}" targets the screen "{target}", which '
                            "does not exist.",
                            (*where, n),
                        )
                    elif target == source:
                        self.add(
                            "INVALID_ROUTING_MODEL",
                            FLOW,
                            f'The screen "{source}" cannot route to itself.',
                            (*where, n),
                        )
                    elif target == ids[0]:
                        self.add(
                            "INVALID_ROUTING_MODEL",
                            FLOW,
                            f'The route from "{source}" goes back to the entry screen '
                            f'"{ids[0]}"; routes may not return to the first screen.',
                            (*where, n),
                        )
                    else:
                        edges[source].add(target)
            for source, targets in self.navigations.items():
                for target in sorted(targets - edges.get(source, set())):
                    if source in model:
                        self.add(
                            "INVALID_NAVIGATION",
                            FLOW,
                            f'The screen "{source}" navigates to "{target}", a route the '
                            "routing model does not have.",
                            ("routing_model", source),
                        )
        # Every screen reachable from the entry screen, and a terminal screen among them.
        reached = {ids[0]}
        todo = [ids[0]]
        while todo:
            for target in edges.get(todo.pop(), set()):
                if target not in reached:
                    reached.add(target)
                    todo.append(target)
        if model is not None or self.navigations:
            for n, screen_id in enumerate(ids):
                if screen_id not in reached:
                    self.add(
                        "UNREACHABLE_SCREEN",
                        FLOW,
                        f'The screen "{screen_id}" cannot be reached from the entry screen '
                        f'"{ids[0]}".',
                        ("screens", n, "id") if model is None else ("routing_model",),
                    )
        if terminal and not reached & terminal:
            self.add(
                "UNREACHABLE_TERMINAL_SCREEN",
                FLOW,
                "No terminal screen can be reached from the entry screen.",
                ("screens",),
            )


@dataclass
class _Screen:
    screen_id: str
    data: dict[str, Any]
    path: Path
    terminal: bool
    fields: set[str] = field(default_factory=set)
    count: int = 0
    per_type: dict[str, int] = field(default_factory=dict)
    moves_on: bool = False


# -- entry point -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """A validated upload: its errors, and what the Flow reads from it."""

    errors: list[ValidationError]
    json_version: str | None
    data_api_version: str | None


def validate(text: str) -> Checked:
    """Validate a Flow JSON file's text; see the module docstring."""
    try:
        doc = json.loads(text)
    except RecursionError:
        doc = None  # answered below as not a Flow JSON object
    except json.JSONDecodeError as exc:
        line, column = exc.lineno, exc.colno
        error = ValidationError(
            error="INVALID_JSON",
            error_type=SCHEMA,
            message=f"The file is not valid JSON: {exc.msg}.",
            line_start=line,
            line_end=line,
            column_start=column,
            column_end=column + 1,
            pointers=[ErrorPointer(line, line, column, column + 1, "")],
        )
        return Checked([error], None, None)
    if not isinstance(doc, dict):
        error = ValidationError(
            "INVALID_JSON",
            SCHEMA,
            "The Flow JSON must be an object.",
            1,
            1,
            1,
            2,
            [ErrorPointer(1, 1, 1, 2, "")],
        )
        return Checked([error], None, None)
    try:
        checker = _Checker(doc)
        checker.run()
        locator = _Locator(text)
        locator.value(())
    except RecursionError:
        message = "The Flow JSON is nested too deeply."
        error = ValidationError(
            "INVALID_JSON", SCHEMA, message, 1, 1, 1, 2, [ErrorPointer(1, 1, 1, 2, "")]
        )
        return Checked([error], None, None)
    errors = [_render(problem, locator.spans) for problem in checker.problems]
    version = doc.get("version")
    api = doc.get("data_api_version")
    return Checked(
        errors,
        version if isinstance(version, str) else None,
        api if isinstance(api, str) else None,
    )


def _render(problem: _Problem, spans: dict[Path, Span]) -> ValidationError:
    path = problem.path
    span = spans.get((*path, "<key>")) if problem.key else None
    while span is None:
        span = spans.get(path)
        if span is None:
            path = path[:-1]
    pointer = ErrorPointer(
        span.line_start, span.line_end, span.column_start, span.column_end, dotted(problem.path)
    )
    return ValidationError(
        error=problem.error,
        error_type=problem.error_type,
        message=problem.message,
        line_start=span.line_start,
        line_end=span.line_end,
        column_start=span.column_start,
        column_end=span.column_end,
        pointers=[pointer],
    )

"""Flow JSON validation (domain/flows/validation.py): our equivalents of Meta's example Flows
pass; each document of the broken corpus fails with the one error it was broken for, placed
at the offending line and column."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from partnerhub.domain.flows.validation import validate
from tests.helpers import flow_json as fj
from tests.helpers.flow_json import Doc


@pytest.mark.parametrize("name", sorted(fj.EXAMPLES))
def test_the_example_flows_are_valid(name: str) -> None:
    checked = validate(fj.text(fj.EXAMPLES[name]))
    assert checked.errors == []
    assert checked.json_version == fj.EXAMPLES[name]["version"]


def _children(doc: Doc, screen: int = 0) -> list[Any]:
    children: list[Any] = doc["screens"][screen]["layout"]["children"]
    return children


def _set(path: list[Any], value: Any) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        node: Any = doc
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return change


def _delete(path: list[Any]) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        node: Any = doc
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]

    return change


S0 = ["screens", 0]
C0 = [*S0, "layout", "children"]

# (id, base, change, expected error, expected pointer path)
CORPUS: list[tuple[str, Doc, Callable[[Doc], object], str, str]] = [
    ("no version", fj.SURVEY, _delete(["version"]), "MISSING_REQUIRED_PROPERTY", ""),
    ("unknown version", fj.SURVEY, _set(["version"], "9.9"), "INVALID_VERSION", "version"),
    ("frozen version", fj.SURVEY, _set(["version"], "2.1"), "INVALID_VERSION", "version"),
    ("no screens", fj.SURVEY, _set(["screens"], []), "INVALID_PROPERTY_VALUE", "screens"),
    ("unknown top-level", fj.SURVEY, _set(["theme"], "dark"), "INVALID_PROPERTY", "theme"),
    (
        "data_channel_uri",
        fj.SURVEY,
        _set(["data_channel_uri"], "https://x"),
        "INVALID_PROPERTY",
        "data_channel_uri",
    ),
    (
        "lowercase id",
        fj.LEAD_GENERATION,
        _set([*S0, "id"], "contact"),
        "INVALID_SCREEN_ID",
        "screens[0].id",
    ),
    (
        "reserved id",
        fj.LEAD_GENERATION,
        _set([*S0, "id"], "SUCCESS"),
        "INVALID_SCREEN_ID",
        "screens[0].id",
    ),
    (
        "duplicate id",
        fj.SURVEY,
        _set(["screens", 1, "id"], "QUESTION_ONE"),
        "DUPLICATE_SCREEN_ID",
        "screens[1].id",
    ),
    (
        "no terminal",
        fj.LEAD_GENERATION,
        _set([*S0, "terminal"], False),
        "MISSING_TERMINAL_SCREEN",
        "screens",
    ),
    (
        "wrong layout",
        fj.LEAD_GENERATION,
        _set([*S0, "layout", "type"], "TwoColumnLayout"),
        "INVALID_PROPERTY_VALUE",
        "screens[0].layout.type",
    ),
    (
        "no layout",
        fj.LEAD_GENERATION,
        _delete([*S0, "layout"]),
        "MISSING_REQUIRED_PROPERTY",
        "screens[0]",
    ),
    (
        "unknown component",
        fj.LEAD_GENERATION,
        lambda d: _children(d).insert(0, {"type": "Carousel"}),
        "INVALID_COMPONENT_TYPE",
        "screens[0].layout.children[0].type",
    ),
    (
        "component too new",
        fj.SURVEY,
        lambda d: _children(d).insert(
            0,
            {
                "type": "ChipsSelector",
                "name": "c",
                "label": "C",
                "data-source": [{"id": "a", "title": "A"}, {"id": "b", "title": "B"}],
            },
        ),
        "UNSUPPORTED_COMPONENT",
        "screens[0].layout.children[0].type",
    ),
    (
        "missing label",
        fj.SIGN_UP,
        _delete([*C0, 1, "label"]),
        "MISSING_REQUIRED_PROPERTY",
        "screens[0].layout.children[1]",
    ),
    (
        "label too long",
        fj.SIGN_UP,
        _set([*C0, 1, "label"], "A first name label, too long"),
        "INVALID_PROPERTY_VALUE",
        "screens[0].layout.children[1].label",
    ),
    (
        "unknown property",
        fj.SIGN_UP,
        _set([*C0, 1, "initial-text"], "x"),
        "INVALID_PROPERTY",
        "screens[0].layout.children[1].initial-text",
    ),
    (
        "wrong type",
        fj.SIGN_UP,
        _set([*C0, 1, "required"], "yes"),
        "INVALID_PROPERTY_TYPE",
        "screens[0].layout.children[1].required",
    ),
    (
        "bad input-type",
        fj.SIGN_UP,
        _set([*C0, 1, "input-type"], "url"),
        "INVALID_PROPERTY_VALUE",
        "screens[0].layout.children[1].input-type",
    ),
    (
        "empty data-source",
        fj.SURVEY,
        _set([*C0, 0, "data-source"], []),
        "INVALID_PROPERTY_VALUE",
        "screens[0].layout.children[0].data-source",
    ),
    (
        "duplicate option",
        fj.SURVEY,
        _set([*C0, 0, "data-source"], [{"id": "a", "title": "A"}, {"id": "a", "title": "B"}]),
        "DUPLICATE_ITEM_ID",
        "screens[0].layout.children[0].data-source[1].id",
    ),
    (
        "two footers",
        fj.LEAD_GENERATION,
        lambda d: _children(d).append(_children(d)[-1]),
        "TOO_MANY_COMPONENTS",
        "screens[0].layout.children",
    ),
    (
        "terminal without footer",
        fj.LEAD_GENERATION,
        lambda d: _children(d).pop(),
        "MISSING_FOOTER",
        "screens[0].layout.children",
    ),
    (
        "dead end",
        fj.SURVEY,
        _set([*C0, 1, "on-click-action"], {"name": "update_data"}),
        "NO_WAY_FORWARD",
        "screens[0].layout.children",
    ),
    (
        "unknown action",
        fj.SURVEY,
        _set([*C0, 1, "on-click-action", "name"], "jump"),
        "INVALID_ACTION",
        "screens[0].layout.children[1].on-click-action.name",
    ),
    (
        "navigate nowhere",
        fj.SURVEY,
        _set([*C0, 1, "on-click-action", "next", "name"], "QUESTION_NINE"),
        "INVALID_NAVIGATION",
        "screens[0].layout.children[1].on-click-action.next.name",
    ),
    (
        "navigate without next",
        fj.SURVEY,
        _delete([*C0, 1, "on-click-action", "next"]),
        "MISSING_REQUIRED_PROPERTY",
        "screens[0].layout.children[1].on-click-action",
    ),
    (
        "complete on a non-terminal screen",
        fj.SURVEY,
        _set([*C0, 1, "on-click-action"], {"name": "complete", "payload": {}}),
        "INVALID_ACTION",
        "screens[0].layout.children[1].on-click-action.name",
    ),
    (
        "open_url on a footer",
        fj.LEAD_GENERATION,
        _set([*C0, 6, "on-click-action"], {"name": "open_url", "url": "https://example.com"}),
        "INVALID_ACTION",
        "screens[0].layout.children[6].on-click-action.name",
    ),
    (
        "open_url without url",
        fj.LEAD_GENERATION,
        _delete([*C0, 5, "on-click-action", "url"]),
        "MISSING_REQUIRED_PROPERTY",
        "screens[0].layout.children[5].on-click-action",
    ),
    (
        "payload not an object",
        fj.SURVEY,
        _set([*C0, 1, "on-click-action", "payload"], [1]),
        "INVALID_PROPERTY_TYPE",
        "screens[0].layout.children[1].on-click-action.payload",
    ),
    (
        "undeclared data",
        fj.SURVEY,
        _set(
            ["screens", 1, "layout", "children", 2, "on-click-action", "payload", "rating"],
            "${data.score}",
        ),
        "INVALID_DATA_REFERENCE",
        "screens[1].layout.children[2].on-click-action.payload.rating",
    ),
    (
        "unknown form field",
        fj.SIGN_UP,
        _set([*C0, 5, "on-click-action", "payload", "email"], "${form.mail}"),
        "INVALID_FORM_REFERENCE",
        "screens[0].layout.children[5].on-click-action.payload.email",
    ),
    (
        "data_exchange without data_api_version",
        fj.APPOINTMENT_BOOKING,
        _delete(["data_api_version"]),
        "MISSING_REQUIRED_PROPERTY",
        "",
    ),
    (
        "data_api_version without routing_model",
        fj.APPOINTMENT_BOOKING,
        _delete(["routing_model"]),
        "MISSING_REQUIRED_PROPERTY",
        "",
    ),
    (
        "bad data_api_version",
        fj.APPOINTMENT_BOOKING,
        _set(["data_api_version"], "2.0"),
        "INVALID_PROPERTY_VALUE",
        "data_api_version",
    ),
    (
        "route to a missing screen",
        fj.APPOINTMENT_BOOKING,
        _set(["routing_model", "DETAILS"], ["SUMMARY", "PAYMENT"]),
        "INVALID_ROUTING_MODEL",
        "routing_model.DETAILS[1]",
    ),
    (
        "route back to the entry screen",
        fj.APPOINTMENT_BOOKING,
        _set(["routing_model", "SUMMARY"], ["APPOINTMENT"]),
        "INVALID_ROUTING_MODEL",
        "routing_model.SUMMARY[0]",
    ),
    (
        "route from a missing screen",
        fj.APPOINTMENT_BOOKING,
        _set(["routing_model", "PAYMENT"], []),
        "INVALID_ROUTING_MODEL",
        "routing_model.PAYMENT",
    ),
    (
        "unreachable screens",
        fj.APPOINTMENT_BOOKING,
        _set(["routing_model", "APPOINTMENT"], []),
        "UNREACHABLE_SCREEN",
        "routing_model",
    ),
]


@pytest.mark.parametrize(
    ("base", "change", "error", "pointer"),
    [case[1:] for case in CORPUS],
    ids=[case[0] for case in CORPUS],
)
def test_each_broken_flow_fails_with_its_error(
    base: Doc, change: Callable[[Doc], object], error: str, pointer: str
) -> None:
    text = fj.text(fj.broken(base, change))
    checked = validate(text)
    assert checked.errors, "the broken document passed"
    found = [e for e in checked.errors if e.error == error]
    assert found, [e.error for e in checked.errors]
    assert pointer in [p.path for e in found for p in e.pointers]
    for e in checked.errors:
        assert e.error_type in ("JSON_SCHEMA_ERROR", "FLOW_JSON_ERROR")
        assert 1 <= e.line_start <= e.line_end
        assert e.message


def test_an_error_points_at_the_offending_text() -> None:
    doc = fj.broken(fj.SIGN_UP, _set([*C0, 1, "initial-text"], "x"))
    text = fj.text(doc)
    (error,) = validate(text).errors
    line = text.splitlines()[error.line_start - 1]
    assert line[error.column_start - 1 : error.column_end - 1] == '"initial-text"'
    wire = msgspec.to_builtins(error)
    assert set(wire) == {
        "error",
        "error_type",
        "message",
        "line_start",
        "line_end",
        "column_start",
        "column_end",
        "pointers",
    }
    assert wire["message"] == (
        'The property "initial-text" cannot be specified at "$root/screens/0/layout/children/1".'
    )
    assert wire["pointers"][0]["path"] == "screens[0].layout.children[1].initial-text"


def test_a_file_that_is_not_json_is_one_error_at_its_position() -> None:
    (error,) = validate('{\n  "version": "7.1",\n  "screens": [\n}').errors
    assert error.error == "INVALID_JSON"
    assert error.line_start == 4
    assert validate("[]").errors[0].error == "INVALID_JSON"


def test_every_error_of_a_document_is_reported_at_once() -> None:
    doc = fj.broken(fj.SURVEY, lambda d: (d.pop("version"), d["screens"][1].pop("terminal")))
    errors = {e.error for e in validate(json.dumps(doc)).errors}
    assert {"MISSING_REQUIRED_PROPERTY", "MISSING_TERMINAL_SCREEN"} <= errors


def _mutate(rng: random.Random, node: Any, depth: int = 0) -> Any:
    """``node`` with one random change somewhere below it."""
    junk = [None, 0, -1, 3.5, True, "", "${data.x}", "${form.y}", [], {}, "X" * 5000, [1, [2]]]
    if isinstance(node, dict) and node and rng.random() < 0.8:
        key = rng.choice(sorted(node))
        changed = dict(node)
        roll = rng.random()
        if roll < 0.2:
            del changed[key]
        elif roll < 0.4:
            changed[key] = rng.choice(junk)
        else:
            changed[key] = _mutate(rng, node[key], depth + 1)
        return changed
    if isinstance(node, list) and node and rng.random() < 0.8:
        i = rng.randrange(len(node))
        changed_list = list(node)
        roll = rng.random()
        if roll < 0.2:
            del changed_list[i]
        elif roll < 0.3:
            changed_list.append(changed_list[i])
        else:
            changed_list[i] = _mutate(rng, node[i], depth + 1)
        return changed_list
    return rng.choice(junk)


def test_no_document_makes_the_validator_fail() -> None:
    """Random damage to every example (fixed seed): always a list of errors, never a crash,
    each error placed inside the file."""
    rng = random.Random(18)
    for _ in range(600):
        doc = _mutate(rng, fj.EXAMPLES[rng.choice(sorted(fj.EXAMPLES))])
        text = json.dumps(doc, indent=rng.choice([None, 2]))
        lines = text.count("\n") + 1
        for e in validate(text).errors:
            assert 1 <= e.line_start <= e.line_end <= lines, e
    deep = '{"version": "7.1", "screens": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert validate(deep).errors[0].error == "INVALID_JSON"
    assert validate('{"a": ' * 3000 + "1" + "}" * 3000).errors[0].error == "INVALID_JSON"

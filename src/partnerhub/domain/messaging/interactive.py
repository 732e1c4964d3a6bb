"""Interactive messages: reply buttons, lists, call-to-action URL buttons, location requests.

Limits from Meta's interactive message documentation: reply buttons take a body of up to 1024
characters and 1-3 buttons (ids up to 256, titles up to 20, both unique); lists take a body of up
to 4096, a button label of up to 20, 1-10 sections and at most 10 rows in all (ids up to 200 and
unique, titles 24, descriptions 72), with section titles (24) required once there is more than
one section. Headers hold up to 60 characters of text, footers 60.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from partnerhub.domain.messaging import _json as j
from partnerhub.domain.messaging.errors import invalid_value, missing_parameter, unsupported_type
from partnerhub.domain.messaging.media import http_url, media_object

MAX_BUTTON_BODY = 1024
MAX_LIST_BODY = 4096
MAX_HEADER_TEXT = 60
MAX_FOOTER = 60
MAX_REPLY_BUTTONS = 3
MAX_REPLY_ID = 256
MAX_REPLY_TITLE = 20
MAX_LIST_BUTTON = 20
MAX_SECTIONS = 10
MAX_ROWS = 10
MAX_ROW_ID = 200
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_SECTION_TITLE = 24
MAX_CTA_DISPLAY_TEXT = 20

# Interactive types Meta sends that this emulator does not: answered 131051, not 100, because
# the request is well-formed Cloud API, just not something we simulate.
KNOWN_UNSUPPORTED = frozenset(
    {
        "product",
        "product_list",
        "catalog_message",
        "flow",
        "address_message",
        "call_permission_request",
        "carousel",
        "voice_call",
    }
)
_HEADER_TYPES = frozenset({"text", "image", "video", "document"})


def parse_interactive(value: object, path: str) -> dict[str, Any]:
    interactive = j.obj(value, path, {"type", "header", "body", "footer", "action"})
    kind = _kind(j.required(interactive, "type", path), j.join(path, "type"))
    return _PARSERS[kind](interactive, path)


def _kind(value: object, path: str) -> str:
    if isinstance(value, str) and value.lower() in KNOWN_UNSUPPORTED:
        raise unsupported_type(path, value.lower())
    return j.choice(value, path, _PARSERS)


def _text_part(parent: dict[str, Any], key: str, path: str, max_len: int, *, need: bool) -> Any:
    """``body`` / ``footer``: an object holding only ``text``."""
    value = parent.get(key)
    at = j.join(path, key)
    if value is None:
        if need:
            raise missing_parameter(at)
        return None
    part = j.obj(value, at, {"text"})
    return {"text": j.req_str(part, "text", at, max_len=max_len)}


def _header(parent: dict[str, Any], path: str, types: frozenset[str]) -> Any:
    value = parent.get("header")
    if value is None:
        return None
    at = j.join(path, "header")
    header = j.obj(value, at, {"type", *_HEADER_TYPES})
    kind = j.choice(j.required(header, "type", at), j.join(at, "type"), types)
    for other in _HEADER_TYPES - {kind}:
        if header.get(other) is not None:
            raise invalid_value(j.join(at, other), f"is not valid for a {kind} header")
    if kind == "text":
        return {"type": "text", "text": j.req_str(header, "text", at, max_len=MAX_HEADER_TEXT)}
    media = media_object(j.required(header, kind, at), j.join(at, kind), kind, in_template=True)
    return {"type": kind, kind: media}


def _envelope(
    interactive: dict[str, Any],
    path: str,
    kind: str,
    *,
    body_max: int,
    body_needed: bool = True,
    header_types: frozenset[str] = _HEADER_TYPES,
) -> dict[str, Any]:
    """The parts every interactive type shares: type, header, body, footer."""
    result: dict[str, Any] = {"type": kind}
    parts = {
        "header": _header(interactive, path, header_types),
        "body": _text_part(interactive, "body", path, body_max, need=body_needed),
        "footer": _text_part(interactive, "footer", path, MAX_FOOTER, need=False),
    }
    result.update({key: part for key, part in parts.items() if part is not None})
    return result


def _unique(seen: dict[str, str], value: str, path: str, what: str) -> None:
    if value in seen:
        raise invalid_value(path, f"{what} must be unique; {seen[value]} has the same")
    seen[value] = path


# --- button -------------------------------------------------------------------------------


def _button(interactive: dict[str, Any], path: str) -> dict[str, Any]:
    result = _envelope(interactive, path, "button", body_max=MAX_BUTTON_BODY)
    at = j.join(path, "action")
    action = j.obj(j.required(interactive, "action", path), at, {"buttons"})
    buttons_at = j.join(at, "buttons")
    raw = j.array(
        j.required(action, "buttons", at), buttons_at, min_items=1, max_items=MAX_REPLY_BUTTONS
    )
    ids: dict[str, str] = {}
    titles: dict[str, str] = {}
    buttons = []
    for i, entry in enumerate(raw):
        button = _reply_button(entry, j.item(buttons_at, i))
        reply_at = j.join(j.item(buttons_at, i), "reply")
        _unique(ids, button["reply"]["id"], j.join(reply_at, "id"), "button ids")
        _unique(titles, button["reply"]["title"], j.join(reply_at, "title"), "button titles")
        buttons.append(button)
    result["action"] = {"buttons": buttons}
    return result


def _reply_button(value: object, path: str) -> dict[str, Any]:
    button = j.obj(value, path, {"type", "reply"})
    j.choice(j.required(button, "type", path), j.join(path, "type"), {"reply"})
    at = j.join(path, "reply")
    reply = j.obj(j.required(button, "reply", path), at, {"id", "title"})
    return {
        "type": "reply",
        "reply": {
            "id": j.req_str(reply, "id", at, max_len=MAX_REPLY_ID),
            "title": j.req_str(reply, "title", at, max_len=MAX_REPLY_TITLE),
        },
    }


# --- list ---------------------------------------------------------------------------------


def _list(interactive: dict[str, Any], path: str) -> dict[str, Any]:
    result = _envelope(
        interactive, path, "list", body_max=MAX_LIST_BODY, header_types=frozenset({"text"})
    )
    at = j.join(path, "action")
    action = j.obj(j.required(interactive, "action", path), at, {"button", "sections"})
    label = j.req_str(action, "button", at, max_len=MAX_LIST_BUTTON)
    sections_at = j.join(at, "sections")
    raw = j.array(
        j.required(action, "sections", at), sections_at, min_items=1, max_items=MAX_SECTIONS
    )
    row_ids: dict[str, str] = {}
    sections = [
        _section(entry, j.item(sections_at, i), titled=len(raw) > 1, row_ids=row_ids)
        for i, entry in enumerate(raw)
    ]
    if len(row_ids) > MAX_ROWS:
        raise invalid_value(sections_at, f"must hold at most {MAX_ROWS} rows in total")
    result["action"] = {"button": label, "sections": sections}
    return result


def _section(value: object, path: str, *, titled: bool, row_ids: dict[str, str]) -> dict[str, Any]:
    section = j.obj(value, path, {"title", "rows"})
    title = j.opt_str(section, "title", path, max_len=MAX_SECTION_TITLE)
    if title is None and titled:
        raise missing_parameter(j.join(path, "title"), "is required when there are 2+ sections")
    rows_at = j.join(path, "rows")
    # Bounded per section so a hostile list costs little before the total is checked.
    raw = j.array(j.required(section, "rows", path), rows_at, min_items=1, max_items=MAX_ROWS)
    rows = []
    for i, entry in enumerate(raw):
        row = _row(entry, j.item(rows_at, i))
        _unique(row_ids, row["id"], j.join(j.item(rows_at, i), "id"), "row ids")
        rows.append(row)
    result: dict[str, Any] = {"rows": rows}
    if title is not None:
        result["title"] = title
    return result


def _row(value: object, path: str) -> dict[str, Any]:
    row = j.obj(value, path, {"id", "title", "description"})
    result: dict[str, Any] = {
        "id": j.req_str(row, "id", path, max_len=MAX_ROW_ID),
        "title": j.req_str(row, "title", path, max_len=MAX_ROW_TITLE),
    }
    description = j.opt_str(row, "description", path, max_len=MAX_ROW_DESCRIPTION)
    if description is not None:
        result["description"] = description
    return result


# --- cta_url and location_request_message -------------------------------------------------


def _cta_url(interactive: dict[str, Any], path: str) -> dict[str, Any]:
    result = _envelope(interactive, path, "cta_url", body_max=MAX_BUTTON_BODY, body_needed=False)
    at = j.join(path, "action")
    action = j.obj(j.required(interactive, "action", path), at, {"name", "parameters"})
    j.choice(j.required(action, "name", at), j.join(at, "name"), {"cta_url"})
    params_at = j.join(at, "parameters")
    params = j.obj(j.required(action, "parameters", at), params_at, {"display_text", "url"})
    result["action"] = {
        "name": "cta_url",
        "parameters": {
            "display_text": j.req_str(
                params, "display_text", params_at, max_len=MAX_CTA_DISPLAY_TEXT
            ),
            "url": http_url(j.required(params, "url", params_at), j.join(params_at, "url")),
        },
    }
    return result


def _location_request(interactive: dict[str, Any], path: str) -> dict[str, Any]:
    for part in ("header", "footer"):
        if interactive.get(part) is not None:
            raise invalid_value(j.join(path, part), "is not valid for a location request")
    result = _envelope(interactive, path, "location_request_message", body_max=MAX_BUTTON_BODY)
    at = j.join(path, "action")
    action = j.obj(j.required(interactive, "action", path), at, {"name"})
    j.choice(j.required(action, "name", at), j.join(at, "name"), {"send_location"})
    result["action"] = {"name": "send_location"}
    return result


_PARSERS: dict[str, Callable[[dict[str, Any], str], dict[str, Any]]] = {
    "button": _button,
    "list": _list,
    "cta_url": _cta_url,
    "location_request_message": _location_request,
}

"""Strict request-body decoding into wire Structs, with errors that name the field.

360dialog's API "accepts form-encoded request bodies", and ``curl -d`` sends that content type
by default, so a form body is accepted too (its values are strings, converted leniently); a JSON
body is decoded strictly: a string is never taken for a boolean or a number.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import msgspec
from litestar import Request

from partnerhub.domain.errors import InvalidInput

T = TypeVar("T")

_AT_PATH = re.compile(r" - at `\$\.?([^`]*)`$")
# A \uD800-\uDBFF escape not followed by a \uDC00-\uDFFF one, or a low one with no high one
# before it: text that is not Unicode, which msgspec reports as "Input data was truncated".
_LONE_SURROGATE = re.compile(
    rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)
_FIELD = re.compile(r"field `([^`]+)`")


def _field_of(message: str) -> tuple[str, str]:
    """Pull the offending field out of a msgspec error message."""
    field = ""
    text = message
    match = _AT_PATH.search(message)
    if match:
        field = match.group(1)
        text = message[: match.start()]
    named = _FIELD.search(text)
    if named:
        field = f"{field}.{named.group(1)}" if field else named.group(1)
    text = text.replace("Object missing required field", "missing required field")
    text = text.replace("Object contains unknown field", "unknown field")
    return field or "body", text


def json_problem(raw: bytes, exc: Exception) -> str:
    """What is wrong with a body JSON could not decode, in words that name the problem."""
    match = _LONE_SURROGATE.search(raw)
    if match is not None:
        escape = match.group().decode("ascii")
        return (
            f"contains a lone UTF-16 surrogate ({escape}), which is not a Unicode character: "
            "write the character itself (UTF-8), or a character outside the Basic Multilingual "
            "Plane as a pair of escapes, e.g. \\ud83d\\ude00"
        )
    return f"malformed JSON: {exc}"


def decode(raw: bytes, content_type: str, target: type[T]) -> T:
    stripped = raw.strip()
    if not stripped:
        raise InvalidInput("body", "a JSON object is required")
    if b"\x00" in raw or b"\\u0000" in raw.lower():
        # PostgreSQL cannot store NUL in text, and no field of ours needs one.
        raise InvalidInput("body", "must not contain NUL characters")
    try:
        if "application/x-www-form-urlencoded" in content_type and not stripped.startswith(b"{"):
            form = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=True))
            return msgspec.convert(form, target, strict=False)
        return msgspec.json.decode(raw, type=target)
    except msgspec.ValidationError as exc:
        field, text = _field_of(str(exc))
        raise InvalidInput(field, text) from None
    except msgspec.DecodeError as exc:
        raise InvalidInput("body", json_problem(raw, exc)) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("body", f"malformed request body: {exc}") from None
    except RecursionError:  # msgspec's answer to arrays nested thousands deep
        raise InvalidInput("body", "nests too deeply") from None


async def read_body(request: Request[Any, Any, Any], target: type[T]) -> T:
    content_type = request.headers.get("content-type", "application/json").lower()
    return decode(await request.body(), content_type, target)

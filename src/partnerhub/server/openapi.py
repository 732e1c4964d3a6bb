"""``/openapi.json`` and ``/docs``.

Bodies are decoded by :mod:`partnerhub.server.body` (strictly, JSON or form), not by Litestar, so
Litestar cannot see them: :func:`documents_body` marks a handler with its body Struct and
:func:`build_schema` adds the request bodies to Litestar's generated document. Errors are answered
by :mod:`partnerhub.server.errors` (and the Messaging API's and /token's own shapes), not by
Litestar either: :func:`build_schema` documents them from what each operation is (its family,
credentials, path parameters, method), replacing Litestar's own 400. ``/docs`` is a
self-contained page rendered from that document (no CDN: it works offline).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

import msgspec
from litestar import Litestar, MediaType, Request, get
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.routes import HTTPRoute

from partnerhub import __version__
from partnerhub.wire.errors import ErrorBody, GraphErrorBody, OAuthError

F = TypeVar("F", bound=Callable[..., Any])
_BODY_ATTR = "__partnerhub_body__"
_OPTIONAL_BODY_ATTR = "__partnerhub_body_optional__"
_MEDIA_TYPE_ATTR = "__partnerhub_body_media_type__"
_PARAM = re.compile(r"\{([a-zA-Z_]+):[a-z]+\}")
_PARTNER_PATH = "/api/v2/partners/{partner_id}"
_METHODS = ("get", "post", "put", "patch", "delete")
_ERROR_DESCRIPTIONS = {
    400: "Malformed or refused parameters or body",
    401: "Missing or invalid credentials",
    403: "These credentials do not grant access to this resource",
    404: "No such resource (or it is not yours)",
    409: "Conflicts with the current state, or an Idempotency-Key reused for another request",
    429: "Rate limited: retry after Retry-After seconds",
    503: "The database cannot be reached right now: retry after Retry-After seconds",
}
_IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Run this POST once: the same key with the same request within 24 hours "
    "answers the first answer again (Idempotent-Replayed: true); with another request, 409.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
}


def documents_body(
    struct: type[msgspec.Struct], *, required: bool = True, media_type: str = "application/json"
) -> Callable[[F], F]:
    """``required=False``: the operation also takes no body at all (every field defaults).
    ``media_type``: how the body is encoded (``multipart/form-data`` for ``POST /media``)."""

    def mark(fn: F) -> F:
        setattr(fn, _BODY_ATTR, struct)
        setattr(fn, _MEDIA_TYPE_ATTR, media_type)
        if not required:
            setattr(fn, _OPTIONAL_BODY_ATTR, True)
        return fn

    return mark


_EXAMPLES_ATTR = "__partnerhub_body_examples__"


def documents_examples(examples: dict[str, Any]) -> Callable[[F], F]:
    """Named request body examples (OpenAPI ``examples``: name -> body) for an operation whose
    body :func:`documents_body` documents."""

    def mark(fn: F) -> F:
        setattr(fn, _EXAMPLES_ATTR, examples)
        return fn

    return mark


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="partnerhub — 360dialog Partner API v2",
        version=__version__,
        description=(
            "Wire-compatible implementation of the 360dialog Partner API v2. Authenticate with "
            "a partner API key (`X-API-Key`) or a bearer token from `POST /api/v2/token`."
        ),
        path="/schema",
        render_plugins=[],
        components=Components(
            security_schemes={
                "ApiKeyAuth": SecurityScheme(
                    type="apiKey",
                    name="X-API-Key",
                    security_scheme_in="header",
                    description="Partner API key (preferred).",
                ),
                "BearerAuth": SecurityScheme(
                    type="http",
                    scheme="bearer",
                    bearer_format="JWT",
                    description="Access token from POST /api/v2/token (deprecated upstream).",
                ),
                "D360ApiKey": SecurityScheme(
                    type="apiKey",
                    name="D360-API-KEY",
                    security_scheme_in="header",
                    description="Channel API key, for the Messaging API only.",
                ),
                "EmulatorToken": SecurityScheme(
                    type="http",
                    scheme="bearer",
                    description="The server's PARTNERHUB_EMULATOR_TOKEN, for the /_emulator "
                    "controls (emulator mode only; without the setting they answer 404).",
                ),
            }
        ),
    )


def build_schema(app: Litestar) -> dict[str, Any]:
    assert app.openapi_schema is not None
    schema = app.openapi_schema.to_schema()
    bodies: dict[tuple[str, str], type[msgspec.Struct]] = {}
    optional: set[tuple[str, str]] = set()
    examples: dict[tuple[str, str], dict[str, Any]] = {}
    encodings: dict[tuple[str, str], str] = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if not isinstance(handler, HTTPRouteHandler):
                continue
            struct = getattr(handler.fn, _BODY_ATTR, None)
            if struct is None:
                continue
            path = _PARAM.sub(r"{\1}", route.path)
            for http_method in handler.http_methods:
                bodies[(path, http_method.lower())] = struct
                encodings[(path, http_method.lower())] = getattr(
                    handler.fn, _MEDIA_TYPE_ATTR, "application/json"
                )
                if getattr(handler.fn, _OPTIONAL_BODY_ATTR, False):
                    optional.add((path, http_method.lower()))
                if getattr(handler.fn, _EXAMPLES_ATTR, None) is not None:
                    examples[(path, http_method.lower())] = getattr(handler.fn, _EXAMPLES_ATTR)
    _, components = msgspec.json.schema_components(
        [*set(bodies.values()), ErrorBody, GraphErrorBody, OAuthError],
        ref_template="#/components/schemas/{name}",
    )
    schema.setdefault("components", {}).setdefault("schemas", {})
    for name, component in components.items():
        schema["components"]["schemas"].setdefault(name, component)
    for (path, method), struct in bodies.items():
        operation = schema.get("paths", {}).get(path, {}).get(method)
        if operation is None:
            continue
        ref = {"$ref": f"#/components/schemas/{struct.__name__}"}
        media: dict[str, Any] = {"schema": ref}
        if (path, method) in examples:
            media["examples"] = {
                name: {"value": value} for name, value in examples[(path, method)].items()
            }
        operation["requestBody"] = {
            "required": (path, method) not in optional,
            "content": {encodings[(path, method)]: media},
        }
    for path, operations in schema.get("paths", {}).items():
        for method in _METHODS:
            if method in operations:
                _document_errors(path, method, operations[method])
    return schema


def _document_errors(path: str, method: str, operation: dict[str, Any]) -> None:
    """The error answers an operation can give, in the body shape its family answers with."""
    schemes = {name for requirement in operation.get("security", []) for name in requirement}
    takes_input = bool(operation.get("parameters") or operation.get("requestBody"))
    writes = method != "get"
    body: type[msgspec.Struct] = ErrorBody
    if path == "/api/v2/token":
        body, statuses = OAuthError, {400, 401, 403, 429}
    elif path.startswith("/_emulator"):  # 404 outside emulator mode, 401 without the token
        statuses = {401, 404} | ({400} if takes_input else set()) | ({409} if writes else set())
    elif "D360ApiKey" in schemes:
        body, statuses = GraphErrorBody, {400, 401, 403, 404, 429}
    elif schemes:  # the Partner API: 404 for the ids below the partner's, 409 for writes
        statuses = {400, 401, 403, 429}
        if "{" in path.removeprefix(_PARTNER_PATH):
            statuses.add(404)
        if writes:
            statuses.add(409)
    else:
        statuses = {400} if takes_input else set()
    if schemes or path.startswith("/_emulator"):
        statuses.add(503)  # every such operation reads the database
    if method == "post" and path.startswith(_PARTNER_PATH + "/"):
        operation.setdefault("parameters", []).append(_IDEMPOTENCY_KEY)
    responses = operation.setdefault("responses", {})
    ref = {"$ref": f"#/components/schemas/{body.__name__}"}
    for status in sorted(statuses):
        responses[str(status)] = {
            "description": _ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"schema": ref}},
        }


@get("/openapi.json", include_in_schema=False, media_type=MediaType.JSON)
async def openapi_json(request: Request[Any, Any, Any]) -> dict[str, Any]:
    state = request.app.state
    if getattr(state, "openapi_document", None) is None:
        state.openapi_document = build_schema(request.app)
    document: dict[str, Any] = state.openapi_document
    return document


_CODE_SPAN = re.compile(r"`([^`]+)`")


def _inline(text: str) -> str:
    """Escaped text with Markdown's `code` spans as <code> (descriptions are Markdown, as
    OpenAPI says; /docs showed their backticks as they are)."""
    return _CODE_SPAN.sub(r"<code>\1</code>", html.escape(text))


def _render_docs(schema: dict[str, Any]) -> str:
    esc = html.escape
    rows: list[str] = []
    for path, operations in sorted(schema.get("paths", {}).items()):
        for method, op in operations.items():
            if not isinstance(op, dict) or method.startswith("x-"):
                continue
            params = ", ".join(
                f"{esc(p['name'])} ({esc(p.get('in', ''))})" for p in op.get("parameters", [])
            )
            auth = " or ".join(next(iter(s)) for s in op.get("security", []) if s) or "none"
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            body_ref = body.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
            statuses = ", ".join(sorted(op.get("responses", {})))
            rows.append(
                f"<tr><td><code class='m {esc(method)}'>{esc(method.upper())}</code></td>"
                f"<td><code>{esc(path)}</code></td><td>{_inline(op.get('summary', ''))}</td>"
                f"<td>{esc(auth)}</td><td>{params}</td>"
                f"<td>{f'<a href=#{esc(body_ref)}>{esc(body_ref)}</a>' if body_ref else ''}</td>"
                f"<td>{esc(statuses)}</td></tr>"
            )
    components = schema.get("components", {}).get("schemas", {})
    defs = "".join(
        f"<h3 id='{esc(name)}'>{esc(name)}</h3><pre>{esc(json.dumps(body, indent=2))}</pre>"
        for name, body in sorted(components.items())
    )
    info = schema.get("info", {})
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(info.get("title", "API"))}</title>
<style>body{{font:15px/1.5 system-ui,sans-serif;margin:2rem;color:#1a1a1a}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:.4rem;
text-align:left;vertical-align:top}}.m{{font-weight:700}}.get{{color:#05603a}}.post{{color:#1d4ed8}}
.patch{{color:#92400e}}.delete{{color:#b91c1c}}pre{{background:#f5f5f5;padding:.75rem;
overflow:auto}}</style></head><body>
<h1>{esc(info.get("title", "API"))} <small>{esc(info.get("version", ""))}</small></h1>
<p>{_inline(info.get("description", ""))}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a></p>
<table><thead><tr><th>Method</th><th>Path</th><th>Summary</th><th>Auth</th><th>Parameters</th>
<th>Body</th><th>Responses</th></tr></thead><tbody>{"".join(rows)}</tbody></table>
<h2>Schemas</h2>{defs}</body></html>"""


@get("/docs", include_in_schema=False, media_type=MediaType.HTML)
async def docs_page(request: Request[Any, Any, Any]) -> str:
    state = request.app.state
    if getattr(state, "openapi_document", None) is None:
        state.openapi_document = build_schema(request.app)
    return _render_docs(state.openapi_document)


HANDLERS = [openapi_json, docs_page]

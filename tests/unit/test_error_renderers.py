"""Each surface's error renderer maps a domain error kind to its status, headers and body,
without a server: the domain errors carry no HTTP status, the renderers' tables decide it."""

from __future__ import annotations

import msgspec
import pytest

from partnerhub.domain.auth.services import TokenGrantError
from partnerhub.domain.clients.signup import Refused
from partnerhub.domain.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from partnerhub.domain.messaging import errors
from partnerhub.server.errors import graph, html, meta, oauth


@pytest.mark.parametrize(
    ("raised", "status", "code"),
    [
        (errors.invalid_value("to", "bad"), 400, 131009),
        (errors.auth_failed(), 401, 0),
        (errors.token_expired(), 401, 190),
        (errors.permission_revoked("CH1"), 403, 10),
        (errors.business_account_locked("CH1", "pending"), 403, 131031),
        (errors.rate_limit(), 429, 130429),
        (errors.unknown_error(), 500, 1),
        (errors.temporarily_unavailable(), 503, 2),
        (AuthenticationFailed("who?"), 401, 0),
        (PermissionDenied("not yours"), 403, 10),
        (NotFound("no such template"), 404, 100),
        (RateLimited("slow down", 7), 429, 130429),
        (InvalidInput("name", "too long"), 400, 100),
        (Conflict("exists"), 400, 100),
    ],
)
def test_the_messaging_api_answers_each_kind_with_its_graph_code_and_status(
    raised: DomainError, status: int, code: int
) -> None:
    answer = graph.answer(raised)
    assert (answer.status, answer.error.code) == (status, code)
    assert answer.body("trace")["error"]["fbtrace_id"] == "trace"


def test_graph_401s_name_the_key_header_and_rate_limits_say_when_to_retry() -> None:
    assert graph.answer(errors.auth_failed()).raw_headers() == [
        (b"www-authenticate", b'ApiKey header="D360-API-KEY"')
    ]
    assert graph.answer(RateLimited("slow down", 7)).raw_headers() == [(b"retry-after", b"7")]
    assert graph.answer(errors.invalid_value("to", "bad")).headers == []


def test_a_transport_refusal_keeps_the_status_the_transport_chose() -> None:
    too_large = graph.transport(413, errors.GraphError(100, "Request Entity Too Large"))
    assert (too_large.status, too_large.headers) == (413, [])
    assert too_large.body("t")["error"]["error_data"]["details"] == "Request Entity Too Large"


def test_an_unexpected_error_is_a_500_with_graphs_unknown_error() -> None:
    answer = graph.unexpected(RuntimeError("bug"), "/messages")
    assert (answer.status, answer.error.code, answer.headers) == (500, 1, [])


@pytest.mark.parametrize(
    ("raised", "status"),
    [
        (TokenGrantError("invalid_request", "x"), 400),
        (TokenGrantError("unsupported_grant_type", "x"), 400),
        (TokenGrantError("invalid_grant", "x"), 401),
        (TokenGrantError("access_denied", "x"), 403),
        (TokenGrantError("invalid_grant", "x", retry_after=30), 429),
    ],
)
def test_the_token_endpoint_answers_each_oauth_code_with_its_status(
    raised: TokenGrantError, status: int
) -> None:
    response = oauth.oauth_response(raised)
    assert response.status_code == status
    assert response.headers["Cache-Control"] == "no-store"
    assert ("WWW-Authenticate" in response.headers) is (status == 401)
    assert ("Retry-After" in response.headers) is (status == 429)


def test_the_meta_envelope_echoes_status_message_details_and_trace_id() -> None:
    body = msgspec.json.decode(msgspec.json.encode(meta.error_body(409, "m", ["d"], "rid")))
    assert body == {
        "meta": {
            "success": False,
            "http_code": 409,
            "developer_message": "m",
            "details": ["d"],
            "360dialog_trace_id": "rid",
        }
    }


@pytest.mark.parametrize(
    ("raised", "status"),
    [
        (NotFound("There is no partner behind this link."), 404),
        (Refused("This onboarding link is not signed."), 403),
        (RateLimited("Too many attempts.", 60), 429),
        (DomainError("This form cannot be sent here."), 400),
    ],
)
def test_the_onboarding_page_refuses_with_a_page_and_the_kinds_status(
    raised: DomainError, status: int
) -> None:
    page = html.refused_page(raised)
    assert page.status_code == status
    assert raised.message in str(page.content)
    assert ("Retry-After" in page.headers) is (status == 429)

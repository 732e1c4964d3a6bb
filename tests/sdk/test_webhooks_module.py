"""partnerhub.webhooks against what the server's signer really produces."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from partnerhub import webhooks
from partnerhub.domain.webhooks.signing import SigningSecrets, derive_platform_secret, sign_headers

SECRET = derive_platform_secret("master-key", "sdkPA", "nonce")
BODY = json.dumps({"id": "e1EV", "event": "channel_running", "data": {"id": "sdkCH"}}).encode()
SENT_AT = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
NOW = SENT_AT.timestamp()


def signed() -> dict[str, str]:
    return sign_headers(SECRET, "msg_1", SENT_AT, BODY)


def test_both_signatures_verify_and_the_event_parses() -> None:
    headers = signed()
    event = webhooks.construct_event(BODY, headers, SECRET, now=NOW)
    assert (event.id, event.event, event.data) == ("e1EV", "channel_running", {"id": "sdkCH"})
    webhooks.verify(BODY, headers, SECRET, scheme="standard", now=NOW)
    webhooks.verify(BODY, headers, SECRET, scheme="360dialog")
    assert headers["x-360dialog-signature"] == webhooks.sign_360dialog(SECRET, BODY)
    # Header names are case-insensitive; str bodies are accepted as UTF-8.
    upper = {k.upper(): v for k, v in headers.items()}
    webhooks.verify(BODY.decode(), upper, SECRET, now=NOW)


@pytest.mark.parametrize("scheme", ["auto", "standard", "360dialog"])
def test_a_tampered_body_fails(scheme: webhooks.Scheme) -> None:
    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify(BODY + b" ", signed(), SECRET, scheme=scheme, now=NOW)


def test_a_wrong_secret_fails() -> None:
    other = derive_platform_secret("master-key", "sdkPA", "other-nonce")
    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify(BODY, signed(), other, now=NOW)


def test_timestamp_tolerance() -> None:
    headers = signed()
    webhooks.verify(BODY, headers, SECRET, now=NOW + 299)
    for now in (NOW + 301, NOW - 301):
        with pytest.raises(webhooks.WebhookVerificationError, match="tolerance"):
            webhooks.verify(BODY, headers, SECRET, now=now)
    webhooks.verify(BODY, headers, SECRET, now=NOW + 3000, tolerance=3600)


def test_downgrade_is_refused_with_scheme_standard() -> None:
    legacy_only = {"x-360dialog-signature": signed()["x-360dialog-signature"]}
    webhooks.verify(BODY, legacy_only, SECRET)  # auto: what hub.360dialog.io sends is fine
    with pytest.raises(webhooks.WebhookVerificationError, match="missing"):
        webhooks.verify(BODY, legacy_only, SECRET, scheme="standard")
    with pytest.raises(webhooks.WebhookVerificationError, match="no signature"):
        webhooks.verify(BODY, {}, SECRET)


def test_a_bad_360dialog_signature_fails_even_when_the_standard_one_passes() -> None:
    headers = {**signed(), "x-360dialog-signature": "0" * 64}
    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify(BODY, headers, SECRET, now=NOW)


def test_messaging_webhook_parsing() -> None:
    body = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "1234",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "4915112345678",
                                "phone_number_id": "555",
                            },
                            "contacts": [{"profile": {"name": "Ann"}, "wa_id": "4917000000"}],
                            "messages": [
                                {
                                    "from": "4917000000",
                                    "id": "wamid.in1",
                                    "timestamp": "1793491200",
                                    "type": "text",
                                    "text": {"body": "hello"},
                                }
                            ],
                            "statuses": [
                                {
                                    "id": "wamid.out1",
                                    "status": "failed",
                                    "timestamp": "1793491201",
                                    "recipient_id": "4917000000",
                                    "errors": [{"code": 131047, "title": "Re-engagement"}],
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    parsed = webhooks.parse_messaging_webhook(json.dumps(body))
    [message] = parsed.messages
    assert (message.from_, message.type, message.text and message.text.body) == (
        "4917000000",
        "text",
        "hello",
    )
    [status] = parsed.statuses
    assert (status.status, status.errors[0].code) == ("failed", 131047)
    assert parsed.entry[0].changes[0].value.contacts[0].profile.name == "Ann"
    with pytest.raises(ValueError, match="Cloud API"):
        webhooks.parse_messaging_webhook(b'{"object": 1}')
    with pytest.raises(ValueError, match="partner webhook"):
        webhooks.parse_event(b"[]")


def test_during_a_rotation_either_secret_verifies() -> None:
    """The server signs webhook-signature with both secrets in the grace period and
    x-360dialog-signature with the new one: a receiver on either secret accepts the delivery."""
    new = derive_platform_secret("master-key", "sdkPA", "new-nonce")
    headers = sign_headers(SigningSecrets(new, SECRET), "msg_2", SENT_AT, BODY)
    assert len(headers["webhook-signature"].split()) == 2
    for secret in (new, SECRET):
        webhooks.verify(BODY, headers, secret, now=NOW)
        webhooks.verify(BODY, headers, secret, scheme="standard", now=NOW)
    webhooks.verify(BODY, headers, new, scheme="360dialog")
    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify(BODY, headers, SECRET, scheme="360dialog")
    other = derive_platform_secret("master-key", "sdkPA", "other-nonce")
    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify(BODY, headers, other, now=NOW)

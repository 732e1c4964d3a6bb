"""Helpers over the emulator's control plane (``/_emulator``): what Meta, WhatsApp users and
time do to a partner's integration, driven from a test."""

from __future__ import annotations

import itertools
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from partnerhub.testing._server import PartnerhubServer

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# Numbers made up per process, from a random start: tests that never name a phone number get
# distinct ones, also on a database that outlives the session (PostgreSQL).
_numbers = itertools.count(secrets.randbelow(10**8))


_MEDIA_KIND = {"image": "image", "audio": "audio", "video": "video"}


def seconds_of(duration: float | str | timedelta) -> float:
    """``90``, ``"90s"``, ``"15m"``, ``"1h30m"``, ``"2d"`` or a timedelta, in seconds."""
    if isinstance(duration, timedelta):
        return duration.total_seconds()
    if isinstance(duration, int | float):
        return float(duration)
    text = duration.strip().lower().replace(" ", "")
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"not a duration: {duration!r} (try 90, '90s', '15m', '1h30m', '2d')")
    return sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)


def new_phone_number() -> str:
    """A German mobile number no other test in this run uses (Meta numbers are unique)."""
    return f"+49151{next(_numbers) % 10**8:08d}"


@dataclass(frozen=True)
class Onboarded:
    """What a signup created: the client, its WABA account and its numbers (``channel_id``
    is the first one's, for the common single-number case)."""

    client_id: str
    waba_account_id: str
    channel_ids: list[str]

    @property
    def channel_id(self) -> str:
        return self.channel_ids[0]


class Emulator:
    """The emulator's controls, synchronous. Every failure raises an AssertionError carrying the
    server's answer, so a test fails with a message that says what the emulator refused."""

    def __init__(self, server: PartnerhubServer) -> None:
        self.server = server
        self._unreachable: set[str] = set()

    @property
    def step_seconds(self) -> float:
        """Seconds between steps of Meta's simulated review (created, submitted, ready,
        running, live): ``advance(3 * emulator.step_seconds)`` takes a new number to running."""
        return self.server.step_seconds

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """Any ``/_emulator`` control not wrapped here (``path`` without the prefix)."""
        return self.server.call(method, path, body)

    def onboard(
        self,
        partner_id: str,
        phone: str | None = None,
        *,
        phones: list[str] | None = None,
        name: str = "Test Client",
        email: str | None = None,
        password: str | None = None,
        grant_permission: bool = True,
        partner_payload: str | None = None,
        coexistence: bool | dict[str, Any] = False,
    ) -> Onboarded:
        """A client signs up through the partner's onboarding (no browser): client, WABA and
        numbers, each ``created`` and moving through review as the clock advances. Without
        ``phone``/``phones`` one fresh number is made up. Webhooks: ``client_created``,
        ``channel_created``.

        ``coexistence``: the numbers stay on the WhatsApp Business app (WhatsApp Coexistence);
        ``True``, or what the app holds for the one-time syncs: ``{"contacts": [{"phone_number",
        "full_name"}], "threads": [{"wa_id", "messages": [{"text", "from_business",
        "days_ago", "status"}]}], "share_history": True}``."""
        numbers = phones if phones is not None else [phone or new_phone_number()]
        client: dict[str, Any] = {
            "name": name,
            "email": email or f"client-{secrets.token_hex(6)}@example.com",
        }
        if partner_payload is not None:
            client["partner_payload"] = partner_payload
        body: dict[str, Any] = {
            "partner_id": partner_id,
            "client": client,
            "phone_numbers": numbers,
            "grant_permission": grant_permission,
        }
        if password is not None:
            body["password"] = password
        if coexistence is not False:
            body["coexistence"] = coexistence
        done = self.call("POST", "/onboard", body)
        return Onboarded(done["client_id"], done["waba_account_id"], list(done["channel_ids"]))

    def embedded_signup(
        self, *, business_id: str | None = None, waba_id: str | None = None
    ) -> dict[str, Any]:
        """A client finishes your own hosted Embedded Signup: Meta's session-info message
        (``data``: ``phone_number_id``, ``waba_id``, ``business_id``) and the new number
        (``phone_number``). File it with ``clients.onboard_shared_number``."""
        body = {
            key: value
            for key, value in (("business_id", business_id), ("waba_id", waba_id))
            if value is not None
        }
        result: dict[str, Any] = self.call("POST", "/embedded_signup", body)
        return result

    def advance(self, duration: float | str | timedelta) -> dict[str, Any]:
        """Move the virtual clock forward and run what became due (review steps, message
        statuses, template decisions, webhook retries); returns when their webhooks have been
        attempted, so a following ``wait_for`` finds them."""
        moved: dict[str, Any] = self.call(
            "POST", "/clock/advance", {"seconds": seconds_of(duration)}
        )
        return moved

    def deliver(self) -> dict[str, Any]:
        """Attempt every webhook that is due now and return once each was answered (a clock
        move of zero). Events are delivered on their own within milliseconds anyway; this makes
        the order of a test explicit, e.g. "the delivery failed, now move past its retry"."""
        return self.advance(0)

    def steps(self, count: int = 1) -> dict[str, Any]:
        """Advance by ``count`` steps of the simulated review."""
        return self.advance(count * self.step_seconds)

    def now(self) -> str:
        """The virtual clock's current time (ISO 8601)."""
        return str(self.call("GET", "/clock")["now"])

    def set_status(
        self, channel_id: str, status: str, *, violation_type: str | None = None
    ) -> dict[str, Any]:
        """Meta's hand on a number: any possible transition (``running``, ``live``,
        ``account_violation``…), with its ``channel_<status>`` webhook."""
        body: dict[str, Any] = {"status": status}
        if violation_type is not None:
            body["violation_type"] = violation_type
        result: dict[str, Any] = self.call("POST", f"/channels/{channel_id}/status", body)
        return result

    def fail_webhooks(self, n: int, status: int = 500, *, delay_ms: int = 0) -> dict[str, Any]:
        """The next ``n`` webhook deliveries (any partner's) answer ``status`` without reaching
        the receiver, as a broken endpoint would; they are retried on the usual schedule."""
        result: dict[str, Any] = self.call(
            "POST", "/webhooks/faults", {"fail_next": n, "status": status, "delay_ms": delay_ms}
        )
        return result

    def inbound_message(
        self,
        channel_id: str,
        from_: str,
        text: str | None = None,
        *,
        profile_name: str | None = None,
        message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A WhatsApp user writes to the number: opens the 24-hour window and sends a Cloud API
        webhook to the number's messaging webhook. ``message`` gives a non-text body
        (``{"type": "image", "image": {...}}``)."""
        body: dict[str, Any] = {"channel_id": channel_id, "from": from_}
        body.update(message or {"type": "text", "text": {"body": text or ""}})
        if profile_name is not None:
            body["profile_name"] = profile_name
        result: dict[str, Any] = self.call("POST", "/messages/inbound", body)
        return result

    def app_message(self, channel_id: str, to: str, text: str) -> dict[str, Any]:
        """WhatsApp Coexistence: the business sends ``text`` to ``to`` from the WhatsApp
        Business app; the number's messaging webhook gets it as ``smb_message_echoes``."""
        echo: dict[str, Any] = self.call(
            "POST",
            f"/channels/{channel_id}/app_message",
            {"to": to, "type": "text", "text": {"body": text}},
        )
        return echo

    def create_catalog(
        self,
        channel_id: str,
        products: list[dict[str, Any]] | None = None,
        *,
        name: str = "Catalog",
    ) -> dict[str, Any]:
        """Create a product catalog connected to the number's WABA (one per WABA), with
        products (``{"retailer_id", "name", "price", "currency", "availability"}``; all but the
        first two have defaults). Product messages are checked against it. Answers the
        catalog: its ``id`` is the ``catalog_id`` to send."""
        body: dict[str, Any] = {"channel_id": channel_id, "name": name, "products": products or []}
        result: dict[str, Any] = self.call("POST", "/catalogs", body)
        return result

    def add_products(self, catalog_id: str, products: list[dict[str, Any]]) -> dict[str, Any]:
        """Add products to a catalog, replacing those with the same retailer id (e.g. to mark
        one ``"out of stock"``)."""
        result: dict[str, Any] = self.call(
            "POST", f"/catalogs/{catalog_id}/products", {"products": products}
        )
        return result

    # --- media (issue 17) ---------------------------------------------------------------------

    def flow_status(self, flow_id: str, status: str) -> dict[str, Any]:
        """Meta's monitoring of a published WhatsApp Flow: ``"THROTTLED"`` or ``"BLOCKED"``,
        or ``"PUBLISHED"`` to let it recover; the WABA's numbers get ``FLOW_STATUS_CHANGE``."""
        result: dict[str, Any] = self.call("POST", f"/flows/{flow_id}/status", {"status": status})
        return result

    def upload_media(self, channel_id: str, data: bytes, mime_type: str) -> dict[str, Any]:
        """Store ``data`` as a media file of the number (Meta's types and limits apply), as a
        user's media arrives: ``{"id", "sha256", "mime_type", "file_size", "channel_id"}``.
        ``GET /{id}`` with the number's key resolves it and downloads these bytes. (A partner's
        own upload is ``POST /media``, ``MessagingClient.media.upload``.)"""
        response = self.server.http.post(
            "/_emulator/media",
            params={"channel_id": channel_id},
            content=data,
            headers={"content-type": mime_type},
        )
        if response.status_code >= 400:
            raise AssertionError(
                f"POST /_emulator/media answered {response.status_code}: {response.text}"
            )
        result: dict[str, Any] = response.json()
        return result

    def inbound_media(
        self,
        channel_id: str,
        from_: str,
        data: bytes,
        mime_type: str,
        *,
        kind: str | None = None,
        caption: str | None = None,
        filename: str | None = None,
        profile_name: str | None = None,
    ) -> dict[str, Any]:
        """A WhatsApp user sends a media message carrying ``data``: the bytes are stored (see
        :meth:`upload_media`) and the message's webhook names their media id, type and SHA-256.
        ``kind`` is the message type (image, audio, video, document, sticker; by default
        the one ``mime_type`` belongs to). Returns the inbound message, with ``media_id``."""
        stored = self.upload_media(channel_id, data, mime_type)
        kind = kind or _MEDIA_KIND.get(mime_type.split("/")[0], "document")
        if mime_type == "image/webp":
            kind = kind if kind != "image" else "sticker"
        media: dict[str, Any] = {
            "id": stored["id"],
            "mime_type": stored["mime_type"],
            "sha256": stored["sha256"],
        }
        if caption is not None:
            media["caption"] = caption
        if filename is not None:
            media["filename"] = filename
        message = self.inbound_message(
            channel_id, from_, profile_name=profile_name, message={"type": kind, kind: media}
        )
        return {**message, "media_id": stored["id"]}

    def review_template(
        self, template_id: str, status: str, *, rejected_reason: str | None = None
    ) -> dict[str, Any]:
        """Meta decides a template now (``approved``, ``rejected``, ``paused``…), with its
        ``waba_template_status_changed`` webhook."""
        body: dict[str, Any] = {"status": status}
        if rejected_reason is not None:
            body["rejected_reason"] = rejected_reason
        result: dict[str, Any] = self.call("POST", f"/templates/{template_id}/review", body)
        return result

    def approve_template(self, template_id: str) -> dict[str, Any]:
        return self.review_template(template_id, "approved")

    def reject_template(self, template_id: str, reason: str = "INVALID_FORMAT") -> dict[str, Any]:
        return self.review_template(template_id, "rejected", rejected_reason=reason)

    def unreachable(self, wa_id: str, unreachable: bool = True) -> dict[str, Any]:
        """Messages to this WhatsApp number fail (status ``failed``, Meta error 131026), or
        reach it again. Numbers are global, so the fixture makes them reachable again after
        the test."""
        result: dict[str, Any] = self.call(
            "POST", f"/numbers/{wa_id}/unreachable", {"unreachable": unreachable}
        )
        if unreachable:
            self._unreachable.add(wa_id)
        else:
            self._unreachable.discard(wa_id)
        return result

    # --- MM Lite and delivery faults (issue 17) ------------------------------------------

    def accept_mm_lite_terms(self, waba_account_id: str, accepted: bool = True) -> dict[str, Any]:
        """The WABA's business accepts the Marketing Messages Lite API terms, so its numbers
        may send on ``POST /marketing_messages`` (``accepted=False`` withdraws them)."""
        result: dict[str, Any] = self.call(
            "POST", f"/waba_accounts/{waba_account_id}/mm_lite_terms", {"accepted": accepted}
        )
        return result

    # --- number migration (issue 18 item 4) ----------------------------------------------------

    def set_two_step(self, phone_number: str, enabled: bool) -> dict[str, Any]:
        """Turn two-step verification of the number on or off where it is registered now (the
        other BSP, or Meta). A migration of the number is refused while it is on."""
        wa_id = phone_number.lstrip("+")
        result: dict[str, Any] = self.call(
            "POST", f"/numbers/{wa_id}/two_step", {"enabled": enabled}
        )
        return result

    def migration_otp(self, channel_id: str) -> str:
        """The six-digit code the migrating number received by SMS or voice after
        ``request_code`` (``ValueError`` when none is pending)."""
        result: dict[str, Any] = self.call("GET", f"/number_migrations/{channel_id}/code")
        if not result.get("code"):
            raise ValueError(f"no verification code pending for {channel_id}")
        return str(result["code"])

    def inject_fault(self, number: str, fault: str | None) -> dict[str, Any]:
        """Messages to this recipient number, or sent by this business number, are accepted
        and then fail asynchronously with a ``failed`` status carrying Meta's error:
        ``undeliverable`` / ``not_on_whatsapp`` (131026), ``not_in_allowed_list`` (131030),
        ``rate_limited`` (130429), ``pair_rate_limited`` (131056), ``spam_limit`` (131048),
        ``ecosystem`` (131049), ``media_download_failed`` (131053, media messages only).
        ``None`` clears the number's fault; the fixture clears every fault after the test."""
        wa_id = number.lstrip("+")
        if fault is None:
            return self.unreachable(wa_id, False)
        result: dict[str, Any] = self.call(
            "POST", f"/numbers/{wa_id}/unreachable", {"unreachable": True, "fault": fault}
        )
        self._unreachable.add(wa_id)
        return result

    # Messaging limits and quality (issue 17): each change sends the partner a
    # ``phone_number_quality_update`` event; the answer is the number's quality state and the
    # events' ``data.event`` values (FLAGGED, UNFLAGGED, UPGRADE, DOWNGRADE).

    def set_quality(self, channel_id: str, quality_rating: str) -> dict[str, Any]:
        """Meta rates the number ``GREEN``, ``YELLOW`` or ``RED`` (and forgets spam reports)."""
        result: dict[str, Any] = self.call(
            "POST", f"/channels/{channel_id}/quality", {"quality_rating": quality_rating}
        )
        return result

    def set_limit(self, channel_id: str, limit: str) -> dict[str, Any]:
        """Meta moves the number's messaging limit (``TIER_50`` … ``TIER_UNLIMITED``): the
        unique users its templates may reach in a rolling 24 hours (over it: error 131048)."""
        result: dict[str, Any] = self.call(
            "POST", f"/channels/{channel_id}/limit", {"limit": limit}
        )
        return result

    def report_spam(self, channel_id: str, count: int = 1) -> dict[str, Any]:
        """``count`` users report the number's messages as spam: quality drops to YELLOW at 10
        reports, RED at 25; a number RED for 7 (virtual) days loses a tier at the next report."""
        result: dict[str, Any] = self.call(
            "POST", f"/channels/{channel_id}/spam_reports", {"count": count}
        )
        return result

    # --- partner change (issue 18 item 5) -------------------------------------------------------

    def request_partner_change(
        self, client_id: str, target_partner_id: str | None = None, *, approve: bool = True
    ) -> dict[str, Any]:
        """The client asks, as from its 360dialog Client Hub, to move with all its numbers to
        another partner, which decides (360dialog's partner change). Answers the partner change
        request: ``completed`` at once when the target auto-approves
        (``settings/partner_change_request``), else ``pending`` until it approves or rejects.

        With no ``target_partner_id``, a new emulated partner is the target: it approves at
        once (``approve=True``) or leaves the request pending; its ``target_api_key`` is in the
        answer, to act as that partner."""
        extra: dict[str, Any] = {}
        if target_partner_id is None:
            made = self.server.create_partner(brand_name="Emulated partner", platform_secret=False)
            target_partner_id = str(made["partner_id"])
            extra["target_api_key"] = made["api_key"]
            if approve:
                self.server.sdk_http.patch(
                    f"{self.server.base_url}/api/v2/partners/{target_partner_id}"
                    "/settings/partner_change_request",
                    headers={"X-API-Key": made["api_key"]},
                    json={"auto_approve": True},
                ).raise_for_status()
        body = {"client_id": client_id, "target_partner_id": target_partner_id}
        result: dict[str, Any] = self.call("POST", "/partner_change_requests", body)
        return {**result, **extra}

    # --- display names and policy enforcement (issue 18 item 6) ---

    def decide_display_name(
        self, channel_id: str, decision: str = "APPROVED", reason: str | None = None
    ) -> dict[str, Any]:
        """Meta decides the number's display-name review now (``APPROVED`` or ``REJECTED``
        with ``reason``), with its ``phone_number_name_update`` event."""
        body: dict[str, Any] = {"decision": decision}
        if reason is not None:
            body["reason"] = reason
        result: dict[str, Any] = self.call(
            "POST", f"/channels/{channel_id}/display_name/decision", body
        )
        return result

    def violate(self, waba_account_id: str, violation_type: str = "SPAM") -> dict[str, Any]:
        """Meta warns the WABA: ``account_violation`` for each of its numbers."""
        result: dict[str, Any] = self.call(
            "POST",
            f"/waba_accounts/{waba_account_id}/violation",
            {"violation_type": violation_type},
        )
        return result

    def restrict(
        self,
        waba_account_id: str,
        *restriction_types: str,
        duration: float | str | timedelta = 86_400,
        violation_type: str = "SPAM",
    ) -> dict[str, Any]:
        """Meta restricts the WABA for ``duration`` (default: one day; default types:
        ``RESTRICTED_BIZ_INITIATED_MESSAGING`` and ``RESTRICTED_ADD_PHONE_NUMBER_ACTION``):
        ``account_restriction`` (and ``template_messaging_disabled``) for each number, sends
        refused with 131031 until it ends (``template_messaging_enabled``)."""
        types = list(restriction_types) or [
            "RESTRICTED_BIZ_INITIATED_MESSAGING",
            "RESTRICTED_ADD_PHONE_NUMBER_ACTION",
        ]
        result: dict[str, Any] = self.call(
            "POST",
            f"/waba_accounts/{waba_account_id}/restriction",
            {
                "restriction_types": types,
                "duration_seconds": seconds_of(duration),
                "violation_type": violation_type,
            },
        )
        return result

    def sent_webhooks(self, partner_id: str | None = None, limit: int = 100) -> list[Any]:
        """What the delivery engine sent, newest first (URL, headers, body, answer)."""
        query = f"/webhooks/sent?limit={limit}" + (
            f"&partner_id={partner_id}" if partner_id else ""
        )
        return list(self.call("GET", query)["sent"])

    # --- WhatsApp Flows at run time (issue 18) ---

    def flow_data_exchange(
        self,
        channel_id: str,
        endpoint_uri: str,
        action: str = "data_exchange",
        *,
        flow_token: str | None = None,
        screen: str | None = None,
        data: dict[str, Any] | None = None,
        app_secret: str | None = None,
        from_: str | None = None,
        flow_id: str | None = None,
    ) -> dict[str, Any]:
        """WhatsApp calls the Flow endpoint as Meta does (``INIT``, ``data_exchange``,
        ``BACK`` or ``ping``), encrypted with the number's business public key. The report:
        ``ok``, ``response`` (the endpoint's answer, decrypted), ``error`` (``{code, message}``:
        ``public_key_refresh_failed`` after two 421s, ``flow_token_invalid`` for 427,
        ``signature_invalid`` for 432, ...), ``http_statuses`` and the ``request`` sent. With
        ``from_`` (the user), an answer that ends the Flow (``SUCCESS`` with
        ``extension_message_response.params``) delivers their ``nfm_reply`` (``completed``).
        The Flow (``flow_id``, or the WABA's only one with this endpoint) counts the request in
        its metrics; ``alerts`` lists the endpoint health alerts it set off."""
        body: dict[str, Any] = {
            "channel_id": channel_id,
            "endpoint_uri": endpoint_uri,
            "action": action,
        }
        optional = {"flow_token": flow_token, "screen": screen, "data": data, "flow_id": flow_id}
        body.update({name: value for name, value in optional.items() if value is not None})
        if app_secret is not None:
            body["app_secret"] = app_secret
        if from_ is not None:
            body["from"] = from_
        result: dict[str, Any] = self.call("POST", "/flows/data_exchange", body)
        return result

    def complete_flow(
        self,
        channel_id: str,
        from_: str,
        response: dict[str, Any] | None = None,
        *,
        flow_token: str | None = None,
        context_message_id: str | None = None,
        profile_name: str | None = None,
    ) -> dict[str, Any]:
        """A WhatsApp user completes a Flow: the ``interactive`` ``nfm_reply`` message
        (``response_json``: ``response`` with the ``flow_token``, as a string) goes to the
        number's messaging webhook. ``context_message_id``: the Flow message it answers."""
        body: dict[str, Any] = {"channel_id": channel_id, "from": from_, "response": response or {}}
        optional = {
            "flow_token": flow_token,
            "context_message_id": context_message_id,
            "profile_name": profile_name,
        }
        body.update({name: value for name, value in optional.items() if value is not None})
        result: dict[str, Any] = self.call("POST", "/flows/complete", body)
        return result

    def restore(self) -> None:
        """Undo what outlives a reset: numbers made unreachable by this test."""
        for wa_id in sorted(self._unreachable):
            self.unreachable(wa_id, False)

"""Typed builders for the components of every template type (issue 17 item 8): what to pass as
``components`` to ``templates.create`` (both template APIs) and to ``messages.send_template``.

Creation components are Meta's upper-case shapes (``{"type": "BUTTONS", …}``); send components
are built from the Cloud API Structs the server decodes them with
(:mod:`partnerhub.wire.cloud_api`), so a wrong field fails here, before the request::

    from partnerhub.client import template_components as tc

    await api.templates.create(
        name="login_code", language="en_US", category="AUTHENTICATION",
        components=tc.authentication("COPY_CODE", code_expiration_minutes=10),
    )
    await api.messages.send_template("4917612345678", "login_code", "en_US", tc.otp("482913"))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import msgspec

from partnerhub.wire import cloud_api as w

Component = dict[str, Any]
OtpType = Literal["COPY_CODE", "ONE_TAP", "ZERO_TAP"]

# --- creation (POST …/waba_templates, POST /v1/configs/templates) -------------------------


def body(text: str, *examples: str, **named_examples: str) -> Component:
    """A BODY: positional examples (``{{1}}``, …) or, for ``parameter_format="NAMED"``, one
    keyword per named parameter (``first_name="Ana"``)."""
    component: Component = {"type": "BODY", "text": text}
    if named_examples:
        component["example"] = {
            "body_text_named_params": [
                {"param_name": name, "example": value} for name, value in named_examples.items()
            ]
        }
    elif examples:
        component["example"] = {"body_text": [list(examples)]}
    return component


def header(format: str, text: str | None = None, example: str | None = None) -> Component:
    """A HEADER: ``TEXT`` (with ``text``), ``IMAGE``, ``VIDEO``, ``DOCUMENT``, ``LOCATION`` or
    ``PRODUCT`` (single-product templates and product cards)."""
    component: Component = {"type": "HEADER", "format": format.upper()}
    if text is not None:
        component["text"] = text
    if example is not None:
        component["example"] = {"header_text": [example]}
    return component


def buttons(*items: Mapping[str, Any]) -> Component:
    return {"type": "BUTTONS", "buttons": [dict(item) for item in items]}


def authentication(
    otp_type: OtpType = "COPY_CODE",
    *,
    add_security_recommendation: bool = True,
    code_expiration_minutes: int | None = None,
    supported_apps: Sequence[tuple[str, str]] = (),
    zero_tap_terms_accepted: bool | None = None,
    text: str | None = None,
) -> list[Component]:
    """An authentication template's components: Meta's fixed body (its option only), the
    optional expiry footer (1-90 minutes) and one OTP button; one-tap and zero-tap name their
    Android apps as ``(package_name, signature_hash)``."""
    button: Component = {"type": "OTP", "otp_type": otp_type}
    if text is not None:
        button["text"] = text
    if supported_apps:
        button["supported_apps"] = [
            {"package_name": package, "signature_hash": signature}
            for package, signature in supported_apps
        ]
    if zero_tap_terms_accepted is not None:
        button["zero_tap_terms_accepted"] = zero_tap_terms_accepted
    components: list[Component] = [
        {"type": "BODY", "add_security_recommendation": add_security_recommendation}
    ]
    if code_expiration_minutes is not None:
        components.append({"type": "FOOTER", "code_expiration_minutes": code_expiration_minutes})
    components.append(buttons(button))
    return components


def copy_code_button(example: str) -> Component:
    """A coupon code button (``COPY_CODE``): the code's example, at most 15 characters."""
    return {"type": "COPY_CODE", "example": example}


def limited_time_offer(text: str, has_expiration: bool = True) -> Component:
    """The offer of a limited-time offer template (MARKETING, no footer): ``text`` at most 16
    characters; an offer that expires needs a :func:`copy_code_button`."""
    return {
        "type": "LIMITED_TIME_OFFER",
        "limited_time_offer": {"text": text, "has_expiration": has_expiration},
    }


def carousel(*cards: Sequence[Mapping[str, Any]]) -> Component:
    """A CAROUSEL of 2 to 10 cards, each its components (:func:`header` IMAGE / VIDEO /
    PRODUCT, :func:`body`, :func:`buttons`), the same header format and buttons on every card."""
    return {
        "type": "CAROUSEL",
        "cards": [{"components": [dict(c) for c in card]} for card in cards],
    }


def catalog_button(text: str = "View catalog") -> Component:
    return {"type": "CATALOG", "text": text}


def mpm_button(text: str = "View items") -> Component:
    """A multi-product template's button (the template needs a TEXT header)."""
    return {"type": "MPM", "text": text}


def spm_button(text: str = "View") -> Component:
    """A single-product template's (or product card's) button: the header is ``PRODUCT``."""
    return {"type": "SPM", "text": text}


def flow_button(
    text: str,
    *,
    flow_id: str | None = None,
    flow_name: str | None = None,
    flow_json: str | None = None,
    flow_action: Literal["navigate", "data_exchange"] | None = None,
    navigate_screen: str | None = None,
) -> Component:
    """A FLOW button: exactly one of ``flow_id``, ``flow_name`` and ``flow_json``."""
    button: Component = {"type": "FLOW", "text": text}
    for key, value in (
        ("flow_id", flow_id),
        ("flow_name", flow_name),
        ("flow_json", flow_json),
        ("flow_action", flow_action),
        ("navigate_screen", navigate_screen),
    ):
        if value is not None:
            button[key] = value
    return button


# --- sending (POST /messages, type template) ----------------------------------------------


def _built(struct: msgspec.Struct) -> Component:
    built: Component = msgspec.to_builtins(struct)
    return built


def _texts(values: Sequence[str], named: Mapping[str, str]) -> list[w.TextParameter]:
    if values and named:
        raise ValueError("pass positional values or named ones, not both")
    if named:
        return [w.TextParameter(text=v, parameter_name=k) for k, v in named.items()]
    return [w.TextParameter(text=v) for v in values]


def body_parameters(*values: str, **named: str) -> Component:
    """The body's parameters: in order (``{{1}}``, …) or by name (``first_name="Ana"``)."""
    return _built(w.BodyComponent(parameters=list(_texts(values, named))))


def header_text(value: str, name: str | None = None) -> Component:
    return _built(w.HeaderComponent(parameters=[w.TextParameter(text=value, parameter_name=name)]))


def header_media(kind: Literal["image", "video", "document"], link: str) -> Component:
    media = w.Media(link=link)
    parameter: Any = {
        "image": w.ImageParameter(image=media),
        "video": w.VideoParameter(video=media),
        "document": w.DocumentParameter(document=w.TemplateDocument(link=link)),
    }[kind]
    return _built(w.HeaderComponent(parameters=[parameter]))


def header_product(product_retailer_id: str, catalog_id: str) -> Component:
    """A single-product template's or product card's header: the product shown."""
    product = w.TemplateProduct(product_retailer_id=product_retailer_id, catalog_id=catalog_id)
    return _built(w.HeaderComponent(parameters=[w.ProductParameter(product=product)]))


def _button(sub_type: Any, index: int, parameters: list[Any] | None = None) -> Component:
    return _built(w.ButtonComponent(sub_type=sub_type, index=str(index), parameters=parameters))


def url_button(index: int, value: str) -> Component:
    """The ``{{1}}`` of a URL button."""
    return _button("url", index, [w.TextParameter(text=value)])


def quick_reply_button(index: int, payload: str) -> Component:
    return _button("quick_reply", index, [w.PayloadParameter(payload=payload)])


def copy_code(index: int, code: str) -> Component:
    """The coupon code of a ``COPY_CODE`` button (at most 15 characters)."""
    return _button("copy_code", index, [w.CouponCodeParameter(coupon_code=code)])


def otp(code: str) -> list[Component]:
    """An authentication template's parameters: the code in the body and in the OTP button."""
    return [body_parameters(code), url_button(0, code)]


def offer_expiration(expiration_time_ms: int) -> Component:
    """A limited-time offer's end, Unix milliseconds."""
    offer = w.LimitedTimeOffer(expiration_time_ms=expiration_time_ms)
    parameter = w.LimitedTimeOfferParameter(limited_time_offer=offer)
    return _built(w.LimitedTimeOfferComponent(parameters=[parameter]))


def catalog(index: int = 0, thumbnail_product_retailer_id: str | None = None) -> Component:
    action = w.FlowAction(thumbnail_product_retailer_id=thumbnail_product_retailer_id)
    return _button("catalog", index, [w.ActionParameter(action=action)])


def multi_product(
    thumbnail_product_retailer_id: str,
    sections: Mapping[str, Sequence[str]],
    index: int = 0,
) -> Component:
    """A multi-product template's button: ``sections`` maps each title to its retailer ids."""
    action = w.FlowAction(
        thumbnail_product_retailer_id=thumbnail_product_retailer_id,
        sections=[
            w.TemplateProductSection(
                title=title,
                product_items=[w.TemplateProductItem(product_retailer_id=i) for i in items],
            )
            for title, items in sections.items()
        ],
    )
    return _button("mpm", index, [w.ActionParameter(action=action)])


def flow(
    index: int = 0,
    flow_token: str | None = None,
    flow_action_data: Mapping[str, Any] | None = None,
) -> Component:
    action = w.FlowAction(
        flow_token=flow_token,
        flow_action_data=dict(flow_action_data) if flow_action_data is not None else None,
    )
    return _button("flow", index, [w.ActionParameter(action=action)])


def card(card_index: int, *components: Mapping[str, Any]) -> dict[str, Any]:
    """One card of a carousel send: its index in the template and its components."""
    return {"card_index": card_index, "components": [dict(c) for c in components]}


def carousel_cards(*cards: Mapping[str, Any]) -> Component:
    """The ``carousel`` component of a send: every card of the template (see :func:`card`)."""
    return {"type": "carousel", "cards": [dict(c) for c in cards]}

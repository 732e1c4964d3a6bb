"""Typed builders for every interactive message type (issue 17): each returns the
:mod:`partnerhub.wire.cloud_api` Struct the server decodes the ``interactive`` object into, for
``messages.send_interactive(to, ...)``.

>>> from partnerhub.client import interactive
>>> api.messages.send_interactive("4917612345678", interactive.buttons("Pizza?", [("y", "Yes")]))
>>> api.messages.send_interactive(to, interactive.product(catalog_id, "sku-1", body="Tonight"))

The Structs are not checked when built (msgspec checks while decoding): the server refuses what
breaks Meta's limits with Graph's error naming the field, as for any other body.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from partnerhub.wire import cloud_api as w

Reply = tuple[str, str]  # (id, title)
Row = tuple[str, str] | tuple[str, str, str]  # (id, title[, description])


def _body(text: str | None) -> w.ButtonBody | None:
    return None if text is None else w.ButtonBody(text=text)


def _footer(text: str | None) -> w.Footer | None:
    return None if text is None else w.Footer(text=text)


def _header(text: str | None) -> w.Header | None:
    return None if text is None else w.Header(type="text", text=text)


def buttons(
    body: str, replies: Sequence[Reply], *, header: str | None = None, footer: str | None = None
) -> w.ButtonMessage:
    """1-3 reply buttons (titles up to 20 characters, ids unique, up to 256)."""
    return w.ButtonMessage(
        header=_header(header),
        body=w.ButtonBody(text=body),
        footer=_footer(footer),
        action=w.ButtonAction(
            buttons=[w.ReplyButton(type="reply", reply=w.Reply(id=i, title=t)) for i, t in replies]
        ),
    )


def list_message(
    body: str,
    button: str,
    sections: Mapping[str, Sequence[Row]],
    *,
    header: str | None = None,
    footer: str | None = None,
) -> w.ListMessage:
    """A list: ``sections`` maps each section's title to its rows (10 rows in all)."""
    return w.ListMessage(
        header=None if header is None else w.TextHeader(type="text", text=header),
        body=w.ListBody(text=body),
        footer=_footer(footer),
        action=w.ListAction(
            button=button,
            sections=[
                w.Section(
                    title=title,
                    rows=[
                        w.Row(id=row[0], title=row[1], description=(row[2:] or (None,))[0])
                        for row in rows
                    ],
                )
                for title, rows in sections.items()
            ],
        ),
    )


def cta_url(
    body: str,
    display_text: str,
    url: str,
    *,
    header: str | None = None,
    footer: str | None = None,
) -> w.CtaUrlMessage:
    """A call-to-action button that opens ``url`` (button text up to 20 characters)."""
    return w.CtaUrlMessage(
        header=_header(header),
        body=w.ButtonBody(text=body),
        footer=_footer(footer),
        action=w.CtaAction(
            name="cta_url", parameters=w.CtaParameters(display_text=display_text, url=url)
        ),
    )


def location_request(body: str) -> w.LocationRequestMessage:
    """Ask the user to share their location (a body only)."""
    return w.LocationRequestMessage(
        body=w.ButtonBody(text=body), action=w.LocationRequestAction(name="send_location")
    )


def address_request(
    body: str,
    country: Literal["IN", "SG"] = "IN",
    *,
    values: Mapping[str, str] | None = None,
    header: str | None = None,
    footer: str | None = None,
) -> w.AddressMessage:
    """Ask for a delivery address (India; ``values`` pre-fill the form)."""
    return w.AddressMessage(
        header=_header(header),
        body=w.ButtonBody(text=body),
        footer=_footer(footer),
        action=w.AddressAction(
            name="address_message",
            parameters=w.AddressParameters(
                country=country, values=None if values is None else dict(values)
            ),
        ),
    )


def product(
    catalog_id: str, retailer_id: str, *, body: str | None = None, footer: str | None = None
) -> w.ProductMessage:
    """One product of the WABA's catalog (no header)."""
    return w.ProductMessage(
        body=_body(body),
        footer=_footer(footer),
        action=w.ProductAction(catalog_id=catalog_id, product_retailer_id=retailer_id),
    )


def product_list(
    catalog_id: str,
    header: str,
    body: str,
    sections: Mapping[str, Sequence[str]],
    *,
    footer: str | None = None,
) -> w.ProductListMessage:
    """Up to 30 products: ``sections`` maps each section's title to retailer ids."""
    return w.ProductListMessage(
        header=w.TextHeader(type="text", text=header),
        body=w.ButtonBody(text=body),
        footer=_footer(footer),
        action=w.ProductListAction(
            catalog_id=catalog_id,
            sections=[
                w.ProductSection(
                    title=title,
                    product_items=[w.ProductItem(product_retailer_id=r) for r in retailer_ids],
                )
                for title, retailer_ids in sections.items()
            ],
        ),
    )


def catalog(
    body: str, *, thumbnail_retailer_id: str | None = None, footer: str | None = None
) -> w.CatalogMessage:
    """The WABA's whole catalog behind a "View catalog" button."""
    parameters = (
        None
        if thumbnail_retailer_id is None
        else w.CatalogParameters(thumbnail_product_retailer_id=thumbnail_retailer_id)
    )
    return w.CatalogMessage(
        body=w.ButtonBody(text=body),
        footer=_footer(footer),
        action=w.CatalogAction(name="catalog_message", parameters=parameters),
    )


def flow(
    body: str,
    cta: str,
    *,
    flow_id: str | None = None,
    flow_name: str | None = None,
    flow_token: str | None = None,
    screen: str | None = None,
    data: Mapping[str, Any] | None = None,
    data_exchange: bool = False,
    draft: bool = False,
    header: str | None = None,
    footer: str | None = None,
) -> w.FlowMessage:
    """A WhatsApp Flow by ``flow_id`` or ``flow_name``: opens ``screen`` (``navigate``) or asks
    your endpoint for it (``data_exchange=True``)."""
    payload = (
        None
        if screen is None
        else w.FlowActionPayload(screen=screen, data=None if data is None else dict(data))
    )
    parameters = w.FlowParameters(
        flow_message_version="3",
        flow_token=flow_token,
        flow_id=flow_id,
        flow_name=flow_name,
        flow_cta=cta,
        flow_action="data_exchange" if data_exchange else ("navigate" if payload else None),
        flow_action_payload=payload,
        mode="draft" if draft else None,
    )
    return w.FlowMessage(
        header=_header(header),
        body=w.ButtonBody(text=body),
        footer=_footer(footer),
        action=w.FlowMessageAction(name="flow", parameters=parameters),
    )


def _media_header(link: str, kind: Literal["image", "video"]) -> w.CardMediaHeader:
    media = w.Media(link=link)
    if kind == "video":
        return w.CardMediaHeader(type="video", video=media)
    return w.CardMediaHeader(type="image", image=media)


def url_card(
    index: int,
    media_link: str,
    display_text: str,
    url: str,
    *,
    body: str | None = None,
    kind: Literal["image", "video"] = "image",
) -> w.CtaUrlCard:
    """A media carousel card with a URL button."""
    return w.CtaUrlCard(
        card_index=index,
        header=_media_header(media_link, kind),
        body=None if body is None else w.CardBody(text=body),
        action=w.CtaAction(
            name="cta_url", parameters=w.CtaParameters(display_text=display_text, url=url)
        ),
    )


def reply_card(
    index: int,
    media_link: str,
    replies: Sequence[Reply],
    *,
    body: str | None = None,
    kind: Literal["image", "video"] = "image",
) -> w.ButtonCard:
    """A media carousel card with quick-reply buttons (the same number on every card)."""
    return w.ButtonCard(
        card_index=index,
        header=_media_header(media_link, kind),
        body=None if body is None else w.CardBody(text=body),
        action=w.CardButtonsAction(
            buttons=[
                w.QuickReplyButton(type="quick_reply", quick_reply=w.QuickReply(id=i, title=t))
                for i, t in replies
            ]
        ),
    )


def carousel(body: str, cards: Sequence[w.Card]) -> w.CarouselMessage:
    """2-10 cards of one kind (:func:`url_card`, :func:`reply_card`)."""
    return w.CarouselMessage(
        body=w.ButtonBody(text=body), action=w.CarouselAction(cards=list(cards))
    )


def product_carousel(body: str, catalog_id: str, retailer_ids: Sequence[str]) -> w.CarouselMessage:
    """2-10 products of the WABA's catalog, one card each."""
    cards: list[w.Card] = [
        w.ProductCard(
            card_index=i,
            action=w.ProductAction(catalog_id=catalog_id, product_retailer_id=retailer_id),
        )
        for i, retailer_id in enumerate(retailer_ids)
    ]
    return carousel(body, cards)

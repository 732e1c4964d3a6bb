"""The WhatsApp Cloud API's shapes, defined once: what a ``POST /messages`` body may hold, and
what a ``messages`` webhook carries.

The server decodes send bodies into :class:`SendRequest` (the constraints here are the rules:
lengths, counts, enums, tagged unions on ``type``), the SDK builds its bodies from the same
Structs, and partners parse our webhooks with :class:`MessagingWebhook`. Limits follow Meta's
documentation for each message type (text 4096 characters, reply buttons 1-3 with 20-character
titles, lists of up to 10 rows, captions 1024, ...). Rules that span fields (exactly one of
``link`` and ``id``, unique button ids, the type's object present, ...) are the server's, in
:mod:`partnerhub.domain.messaging.validation`.

Every send Struct omits unset fields when encoded (``omit_defaults``), so ``to_builtins`` of a
decoded request is the request as given, with only known fields. Nothing of partnerhub is imported
here: this module is the contract.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

import msgspec

# --- limits -------------------------------------------------------------------------------

MAX_TEXT_BODY = 4096
MAX_CALLBACK_DATA = 512
MAX_MESSAGE_ID = 512
MAX_TO = 64
MAX_TEMPLATE_NAME = 512
MAX_LANGUAGE_CODE = 20
MAX_NAMESPACE = 256
MAX_BUTTON_INDEX = 9
MAX_TEMPLATE_COMPONENTS = MAX_BUTTON_INDEX + 5  # header, body, offer, carousel + buttons
MAX_TEMPLATE_PARAMETERS = 100  # far above any real template; bounds the work per request
MAX_PARAMETER_TEXT = 32768
MAX_PARAMETER_NAME = 512
MAX_COUPON_CODE = 15
MAX_FALLBACK_VALUE = 1024
MAX_AMOUNT_1000 = 10**15
MAX_FLOW_TOKEN = 1024
MAX_CAPTION = 1024
MAX_URL = 2048
MAX_MEDIA_ID = 256
MAX_FILENAME = 240
MAX_LOCATION_TEXT = 1024
MAX_CONTACTS = 257  # WhatsApp's contact-sharing limit
MAX_CONTACT_ENTRIES = 20
MAX_CONTACT_TEXT = 1024
MAX_BIRTHDAY = 10
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

# Text: ``min_length=1`` marks a string that must hold something. That it holds more than spaces,
# and only what a database can store (no NUL, no lone surrogate), the server checks in one pass
# over the whole request (msgspec's per-field regex would cost more than the rest together).
# Strings named after what they hold: not empty, at most the documented length.
TextBody = Annotated[str, msgspec.Meta(max_length=MAX_TEXT_BODY, min_length=1)]
MessageId = Annotated[str, msgspec.Meta(max_length=MAX_MESSAGE_ID, min_length=1)]
ContactText = Annotated[str, msgspec.Meta(max_length=MAX_CONTACT_TEXT, min_length=1)]
ParameterName = Annotated[str, msgspec.Meta(max_length=MAX_PARAMETER_NAME, min_length=1)]
ButtonBodyText = Annotated[str, msgspec.Meta(max_length=MAX_BUTTON_BODY, min_length=1)]
ListBodyText = Annotated[str, msgspec.Meta(max_length=MAX_LIST_BODY, min_length=1)]
FooterText = Annotated[str, msgspec.Meta(max_length=MAX_FOOTER, min_length=1)]
Url = Annotated[str, msgspec.Meta(max_length=MAX_URL, min_length=1)]
MediaId = Annotated[str, msgspec.Meta(max_length=MAX_MEDIA_ID, min_length=1)]
Filename = Annotated[str, msgspec.Meta(max_length=MAX_FILENAME, min_length=1)]
LocationText = Annotated[str, msgspec.Meta(max_length=MAX_LOCATION_TEXT, min_length=1)]
Birthday = Annotated[str, msgspec.Meta(max_length=MAX_BIRTHDAY, min_length=1)]
HeaderText = Annotated[str, msgspec.Meta(max_length=MAX_HEADER_TEXT, min_length=1)]
ReplyId = Annotated[str, msgspec.Meta(max_length=MAX_REPLY_ID, min_length=1)]
ReplyTitle = Annotated[str, msgspec.Meta(max_length=MAX_REPLY_TITLE, min_length=1)]
RowId = Annotated[str, msgspec.Meta(max_length=MAX_ROW_ID, min_length=1)]
RowTitle = Annotated[str, msgspec.Meta(max_length=MAX_ROW_TITLE, min_length=1)]
RowDescription = Annotated[str, msgspec.Meta(max_length=MAX_ROW_DESCRIPTION, min_length=1)]
SectionTitle = Annotated[str, msgspec.Meta(max_length=MAX_SECTION_TITLE, min_length=1)]
ListButton = Annotated[str, msgspec.Meta(max_length=MAX_LIST_BUTTON, min_length=1)]
CtaDisplayText = Annotated[str, msgspec.Meta(max_length=MAX_CTA_DISPLAY_TEXT, min_length=1)]
FallbackValue = Annotated[str, msgspec.Meta(max_length=MAX_FALLBACK_VALUE, min_length=1)]
CurrencyCode = Annotated[str, msgspec.Meta(max_length=3, min_length=1)]
FlowToken = Annotated[str, msgspec.Meta(max_length=MAX_FLOW_TOKEN, min_length=1)]
ParameterText = Annotated[str, msgspec.Meta(max_length=MAX_PARAMETER_TEXT, min_length=1)]
CouponCode = Annotated[str, msgspec.Meta(max_length=MAX_COUPON_CODE, min_length=1)]
LanguageCode = Annotated[str, msgspec.Meta(max_length=MAX_LANGUAGE_CODE, min_length=1)]
TemplateName = Annotated[str, msgspec.Meta(max_length=MAX_TEMPLATE_NAME, min_length=1)]
Namespace = Annotated[str, msgspec.Meta(max_length=MAX_NAMESPACE, min_length=1)]
To = Annotated[str, msgspec.Meta(max_length=MAX_TO, min_length=1)]
CallbackData = Annotated[str, msgspec.Meta(max_length=MAX_CALLBACK_DATA, min_length=1)]
AnyText = str  # may be empty
Caption = Annotated[str, msgspec.Meta(max_length=MAX_CAPTION)]  # may be empty

MessageType = Literal[
    "text",
    "template",
    "interactive",
    "image",
    "document",
    "audio",
    "video",
    "sticker",
    "location",
    "contacts",
    "reaction",
]


class _Body(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True, kw_only=True):
    """A part of a send body: unknown keys are refused (Graph refuses them), unset ones omitted."""


# --- simple types -------------------------------------------------------------------------


class Text(_Body):
    body: TextBody
    preview_url: bool | None = None


class Media(_Body):
    """Exactly one of ``link`` (fetched by WhatsApp) or ``id`` (uploaded before)."""

    link: Url | None = None
    id: MediaId | None = None


class CaptionedMedia(Media):
    """Images and videos: WhatsApp shows a caption under them."""

    caption: Caption | None = None


class Document(CaptionedMedia):
    filename: Filename | None = None


class TemplateDocument(Media):
    """A document in a template header or an interactive header: a filename, no caption."""

    filename: Filename | None = None


Coordinate = int | float | str  # Meta's examples send numbers and numeric strings


class Location(_Body):
    latitude: Coordinate
    longitude: Coordinate
    name: LocationText | None = None
    address: LocationText | None = None


class Reaction(_Body):
    """The message reacted to and one emoji, or "" to take the reaction back."""

    message_id: MessageId
    emoji: AnyText


class Context(_Body):
    message_id: MessageId


# --- contacts -----------------------------------------------------------------------------


class ContactName(_Body):
    formatted_name: ContactText
    first_name: ContactText | None = None
    last_name: ContactText | None = None
    middle_name: ContactText | None = None
    suffix: ContactText | None = None
    prefix: ContactText | None = None


class ContactOrg(_Body):
    company: ContactText | None = None
    department: ContactText | None = None
    title: ContactText | None = None


class ContactPhone(_Body):
    phone: ContactText | None = None
    type: ContactText | None = None
    wa_id: ContactText | None = None


class ContactEmail(_Body):
    email: ContactText | None = None
    type: ContactText | None = None


class ContactUrl(_Body):
    url: ContactText | None = None
    type: ContactText | None = None


class ContactAddress(_Body):
    street: ContactText | None = None
    city: ContactText | None = None
    state: ContactText | None = None
    zip: ContactText | None = None
    country: ContactText | None = None
    country_code: ContactText | None = None
    type: ContactText | None = None


class Contact(_Body):
    name: ContactName
    org: ContactOrg | None = None
    birthday: Birthday | None = None
    phones: Annotated[list[ContactPhone], msgspec.Meta(max_length=MAX_CONTACT_ENTRIES)] | None = (
        None
    )
    emails: Annotated[list[ContactEmail], msgspec.Meta(max_length=MAX_CONTACT_ENTRIES)] | None = (
        None
    )
    urls: Annotated[list[ContactUrl], msgspec.Meta(max_length=MAX_CONTACT_ENTRIES)] | None = None
    addresses: (
        Annotated[list[ContactAddress], msgspec.Meta(max_length=MAX_CONTACT_ENTRIES)] | None
    ) = None


Contacts = Annotated[list[Contact], msgspec.Meta(min_length=1, max_length=MAX_CONTACTS)]


# --- interactive --------------------------------------------------------------------------


class ButtonBody(_Body):
    """``body`` of reply buttons, a call-to-action URL and a location request."""

    text: ButtonBodyText


class ListBody(_Body):
    text: ListBodyText


class Footer(_Body):
    text: FooterText


class Header(_Body):
    """A header of text or media; the key named by ``type`` holds it."""

    type: Literal["text", "image", "video", "document"]
    text: HeaderText | None = None
    image: Media | None = None
    video: Media | None = None
    document: TemplateDocument | None = None


class TextHeader(Header):
    """Lists take a text header only."""

    type: Literal["text"]


class Reply(_Body):
    id: ReplyId
    title: ReplyTitle


class ReplyButton(_Body):
    type: Literal["reply"]
    reply: Reply


class ButtonAction(_Body):
    buttons: Annotated[list[ReplyButton], msgspec.Meta(min_length=1, max_length=MAX_REPLY_BUTTONS)]


class Row(_Body):
    id: RowId
    title: RowTitle
    description: RowDescription | None = None


class Section(_Body):
    """``rows`` bounded per section too, so a hostile list costs little before the total."""

    rows: Annotated[list[Row], msgspec.Meta(min_length=1, max_length=MAX_ROWS)]
    title: SectionTitle | None = None


class ListAction(_Body):
    button: ListButton
    sections: Annotated[list[Section], msgspec.Meta(min_length=1, max_length=MAX_SECTIONS)]


class CtaParameters(_Body):
    display_text: CtaDisplayText
    url: Url


class CtaAction(_Body):
    name: Literal["cta_url"]
    parameters: CtaParameters


class LocationRequestAction(_Body):
    name: Literal["send_location"]


class _Interactive(_Body, tag_field="type"):
    pass


class ButtonMessage(_Interactive, tag="button", kw_only=True):
    """Reply buttons: a body of up to 1024 characters and 1-3 buttons."""

    header: Header | None = None
    body: ButtonBody
    footer: Footer | None = None
    action: ButtonAction


class ListMessage(_Interactive, tag="list", kw_only=True):
    """A list: a body of up to 4096, 1-10 sections, at most 10 rows in all."""

    header: TextHeader | None = None
    body: ListBody
    footer: Footer | None = None
    action: ListAction


class CtaUrlMessage(_Interactive, tag="cta_url", kw_only=True):
    header: Header | None = None
    body: ButtonBody | None = None
    footer: Footer | None = None
    action: CtaAction


class LocationRequestMessage(_Interactive, tag="location_request_message", kw_only=True):
    """Only a body and the action: a header or footer is refused by the server's rules."""

    header: Any = None
    body: ButtonBody
    footer: Any = None
    action: LocationRequestAction


# --- interactive: products, catalog, flows, address, carousel (issue 17) --------------------
# Limits: Meta's Cloud API reference and 360dialog's pages (docs/fidelity.md, "Interactive
# messages"). Parts a type does not take (a header on a product message, ...) are declared as
# ``Any`` so that the server refuses them with Meta's 131009 "is not valid for" rather than as
# an unknown key.

MAX_INTERACTIVE_BODY = 1024
MAX_CATALOG_ID = 64
MAX_RETAILER_ID = 100
MAX_PRODUCT_SECTIONS = 10
MAX_PRODUCT_ITEMS = 30
MAX_FLOW_ID = 64
MAX_FLOW_NAME = 200
MAX_FLOW_CTA = 20
MAX_FLOW_SCREEN = 128
MIN_CAROUSEL_CARDS = 2
MAX_CAROUSEL_CARDS = 10
MAX_CARD_BODY = 160
MAX_CARD_LINE_BREAKS = 2
MAX_CARD_REPLY_BUTTONS = 2
MAX_ADDRESS_VALUE = 512
MAX_SAVED_ADDRESSES = 10

CatalogId = Annotated[str, msgspec.Meta(max_length=MAX_CATALOG_ID, min_length=1)]
RetailerId = Annotated[str, msgspec.Meta(max_length=MAX_RETAILER_ID, min_length=1)]
FlowId = Annotated[str, msgspec.Meta(max_length=MAX_FLOW_ID, min_length=1)]
FlowName = Annotated[str, msgspec.Meta(max_length=MAX_FLOW_NAME, min_length=1)]
FlowCta = Annotated[str, msgspec.Meta(max_length=MAX_FLOW_CTA, min_length=1)]
FlowScreen = Annotated[str, msgspec.Meta(max_length=MAX_FLOW_SCREEN, min_length=1)]
CardBodyText = Annotated[str, msgspec.Meta(max_length=MAX_CARD_BODY, min_length=1)]
AddressValue = Annotated[str, msgspec.Meta(max_length=MAX_ADDRESS_VALUE)]
CardIndex = Annotated[int, msgspec.Meta(ge=0, le=MAX_CAROUSEL_CARDS - 1)]


class ProductAction(_Body):
    catalog_id: CatalogId
    product_retailer_id: RetailerId


class ProductMessage(_Interactive, tag="product", kw_only=True):
    """One product of a catalog: body and footer optional, no header."""

    header: Any = None
    body: ButtonBody | None = None
    footer: Footer | None = None
    action: ProductAction


class ProductItem(_Body):
    product_retailer_id: RetailerId


class ProductSection(_Body, kw_only=True):
    """``product_items`` bounded per section too; the total (30) is the server's rule."""

    title: SectionTitle | None = None
    product_items: Annotated[
        list[ProductItem], msgspec.Meta(min_length=1, max_length=MAX_PRODUCT_ITEMS)
    ]


class ProductListAction(_Body):
    catalog_id: CatalogId
    sections: Annotated[
        list[ProductSection], msgspec.Meta(min_length=1, max_length=MAX_PRODUCT_SECTIONS)
    ]


class ProductListMessage(_Interactive, tag="product_list", kw_only=True):
    """Up to 30 products in 1-10 sections; a text header and a body are required."""

    header: TextHeader
    body: ButtonBody
    footer: Footer | None = None
    action: ProductListAction


class CatalogParameters(_Body):
    thumbnail_product_retailer_id: RetailerId | None = None


class CatalogAction(_Body):
    name: Literal["catalog_message"]
    parameters: CatalogParameters | None = None


class CatalogMessage(_Interactive, tag="catalog_message", kw_only=True):
    """The WABA's whole catalog behind a "View catalog" button; no header."""

    header: Any = None
    body: ButtonBody
    footer: Footer | None = None
    action: CatalogAction


class FlowActionPayload(_Body):
    screen: FlowScreen
    data: dict[str, Any] | None = None


class FlowParameters(_Body, kw_only=True):
    flow_message_version: Literal["3"]
    flow_token: FlowToken | None = None
    flow_id: FlowId | None = None
    flow_name: FlowName | None = None
    flow_cta: FlowCta
    flow_action: Literal["navigate", "data_exchange"] | None = None
    flow_action_payload: FlowActionPayload | None = None
    mode: Literal["draft", "published"] | None = None


class FlowMessageAction(_Body):
    name: Literal["flow"]
    parameters: FlowParameters


class FlowMessage(_Interactive, tag="flow", kw_only=True):
    """A WhatsApp Flow behind a button: ``flow_id`` or ``flow_name``, a CTA of up to 20."""

    header: Header | None = None
    body: ButtonBody
    footer: Footer | None = None
    action: FlowMessageAction


class AddressParameters(_Body):
    country: Literal["IN", "SG"]
    values: dict[str, AddressValue] | None = None
    saved_addresses: (
        Annotated[list[dict[str, Any]], msgspec.Meta(max_length=MAX_SAVED_ADDRESSES)] | None
    ) = None
    validation_errors: dict[str, AddressValue] | None = None


class AddressAction(_Body):
    name: Literal["address_message"]
    parameters: AddressParameters


class AddressMessage(_Interactive, tag="address_message", kw_only=True):
    """A form for a delivery address (India; Singapore in 360dialog's older page)."""

    header: Header | None = None
    body: ButtonBody
    footer: Footer | None = None
    action: AddressAction


class CardMediaHeader(_Body):
    """A carousel card's header: an image or a video, nothing else."""

    type: Literal["image", "video"]
    image: Media | None = None
    video: Media | None = None


class CardBody(_Body):
    text: CardBodyText


class QuickReply(_Body):
    id: ReplyId
    title: ReplyTitle


class QuickReplyButton(_Body):
    type: Literal["quick_reply"]
    quick_reply: QuickReply


class CardButtonsAction(_Body):
    buttons: Annotated[
        list[QuickReplyButton], msgspec.Meta(min_length=1, max_length=MAX_CARD_REPLY_BUTTONS)
    ]


class _Card(_Body, tag_field="type"):
    card_index: CardIndex


class CtaUrlCard(_Card, tag="cta_url", kw_only=True):
    header: CardMediaHeader
    body: CardBody | None = None
    action: CtaAction


class ButtonCard(_Card, tag="button", kw_only=True):
    header: CardMediaHeader
    body: CardBody | None = None
    action: CardButtonsAction


class ProductCard(_Card, tag="product", kw_only=True):
    """A product carousel's card: a product of the catalog, nothing else."""

    action: ProductAction


Card = CtaUrlCard | ButtonCard | ProductCard


class CarouselAction(_Body):
    cards: Annotated[
        list[Card], msgspec.Meta(min_length=MIN_CAROUSEL_CARDS, max_length=MAX_CAROUSEL_CARDS)
    ]


class CarouselMessage(_Interactive, tag="carousel", kw_only=True):
    """2-10 cards of one kind (media with a URL button, media with quick replies, products);
    a body, no header or footer."""

    header: Any = None
    body: ButtonBody
    footer: Any = None
    action: CarouselAction


Interactive = (
    ButtonMessage
    | ListMessage
    | CtaUrlMessage
    | LocationRequestMessage
    | ProductMessage
    | ProductListMessage
    | CatalogMessage
    | FlowMessage
    | AddressMessage
    | CarouselMessage
)

# Interactive types Meta sends that this emulator does not: answered 131051, not 100, because
# the request is well-formed Cloud API, just not something we simulate.
KNOWN_UNSUPPORTED_INTERACTIVE = frozenset({"call_permission_request", "voice_call"})


# --- templates ----------------------------------------------------------------------------


class Currency(_Body):
    fallback_value: FallbackValue
    code: CurrencyCode
    amount_1000: Annotated[int, msgspec.Meta(ge=-MAX_AMOUNT_1000, le=MAX_AMOUNT_1000)]


class DateTime(_Body):
    fallback_value: FallbackValue


class FlowAction(_Body):
    """A button's ``action`` parameter: a Flow's token and data, or (catalog and multi-product
    templates) the thumbnail product and the product sections."""

    flow_token: FlowToken | None = None
    flow_action_data: dict[str, AnyText | int | float | bool] | None = None
    thumbnail_product_retailer_id: RetailerId | None = None
    sections: (
        Annotated[
            list[TemplateProductSection],
            msgspec.Meta(min_length=1, max_length=MAX_TEMPLATE_SECTIONS),
        ]
        | None
    ) = None


class _Parameter(_Body, tag_field="type"):
    """A template parameter holds its value under the key named by its type."""


class TextParameter(_Parameter, tag="text"):
    text: ParameterText | None = None
    parameter_name: ParameterName | None = None


class PayloadParameter(_Parameter, tag="payload"):
    payload: ParameterText | None = None
    parameter_name: ParameterName | None = None


class CouponCodeParameter(_Parameter, tag="coupon_code"):
    coupon_code: CouponCode | None = None
    parameter_name: ParameterName | None = None


class CurrencyParameter(_Parameter, tag="currency"):
    currency: Currency | None = None
    parameter_name: ParameterName | None = None


class DateTimeParameter(_Parameter, tag="date_time"):
    date_time: DateTime | None = None
    parameter_name: ParameterName | None = None


class ImageParameter(_Parameter, tag="image"):
    image: Media | None = None
    parameter_name: ParameterName | None = None


class DocumentParameter(_Parameter, tag="document"):
    document: TemplateDocument | None = None
    parameter_name: ParameterName | None = None


class VideoParameter(_Parameter, tag="video"):
    video: Media | None = None
    parameter_name: ParameterName | None = None


class LocationParameter(_Parameter, tag="location"):
    location: Location | None = None
    parameter_name: ParameterName | None = None


class ActionParameter(_Parameter, tag="action"):
    action: FlowAction | None = None
    parameter_name: ParameterName | None = None


# --- template types (issue 17 item 8): products, limited-time offers, carousels -----------

MAX_TEMPLATE_SECTIONS = 10  # Meta: a multi-product template shows up to 10 sections
MAX_TEMPLATE_PRODUCTS = 30  # ... and up to 30 products in all
MAX_CAROUSEL_CARDS = 10  # (RetailerId and CatalogId: the interactive section's, above)
SectionName = Annotated[str, msgspec.Meta(max_length=MAX_SECTION_TITLE, min_length=1)]


class TemplateProductItem(_Body):
    product_retailer_id: RetailerId


class TemplateProductSection(_Body):
    title: SectionName
    product_items: Annotated[
        list[TemplateProductItem], msgspec.Meta(min_length=1, max_length=MAX_TEMPLATE_PRODUCTS)
    ]


class TemplateProduct(_Body):
    """A product card's or single-product template's header: the product shown."""

    product_retailer_id: RetailerId
    catalog_id: CatalogId


class ProductParameter(_Parameter, tag="product"):
    product: TemplateProduct | None = None
    parameter_name: ParameterName | None = None


class LimitedTimeOffer(_Body):
    """When the offer ends, in Unix milliseconds (the countdown's end)."""

    expiration_time_ms: Annotated[int, msgspec.Meta(ge=0)]


class LimitedTimeOfferParameter(_Parameter, tag="limited_time_offer"):
    limited_time_offer: LimitedTimeOffer | None = None
    parameter_name: ParameterName | None = None


HeaderParameter = (
    ProductParameter
    | TextParameter
    | CurrencyParameter
    | DateTimeParameter
    | ImageParameter
    | DocumentParameter
    | VideoParameter
    | LocationParameter
)
BodyParameter = TextParameter | CurrencyParameter | DateTimeParameter
ButtonParameter = PayloadParameter | TextParameter | CouponCodeParameter | ActionParameter

# Every key a parameter may hold its value under, whatever its type.
PARAMETER_VALUE_KEYS = (
    "text",
    "payload",
    "coupon_code",
    "currency",
    "date_time",
    "image",
    "document",
    "video",
    "location",
    "action",
    "product",
    "limited_time_offer",
)


class _Component(_Body, tag_field="type"):
    pass


class HeaderComponent(_Component, tag="header"):
    parameters: (
        Annotated[list[HeaderParameter], msgspec.Meta(max_length=MAX_TEMPLATE_PARAMETERS)] | None
    ) = None


class BodyComponent(_Component, tag="body"):
    parameters: (
        Annotated[list[BodyParameter], msgspec.Meta(max_length=MAX_TEMPLATE_PARAMETERS)] | None
    ) = None


class ButtonComponent(_Component, tag="button"):
    """``index`` is the button's position in the template: Meta's examples send a string."""

    sub_type: Literal[
        "quick_reply", "url", "copy_code", "flow", "catalog", "mpm", "spm", "voice_call"
    ]
    index: int | str
    parameters: (
        Annotated[list[ButtonParameter], msgspec.Meta(max_length=MAX_TEMPLATE_PARAMETERS)] | None
    ) = None


class LimitedTimeOfferComponent(_Component, tag="limited_time_offer"):
    parameters: Annotated[list[LimitedTimeOfferParameter], msgspec.Meta(max_length=1)] | None = None


CardComponent = HeaderComponent | BodyComponent | ButtonComponent


class CarouselCard(_Body):
    """One card of a carousel template, by its position (0-based) in the template."""

    card_index: Annotated[int, msgspec.Meta(ge=0, lt=MAX_CAROUSEL_CARDS)]
    components: Annotated[list[CardComponent], msgspec.Meta(max_length=MAX_BUTTON_INDEX + 3)]


class CarouselComponent(_Component, tag="carousel"):
    cards: Annotated[list[CarouselCard], msgspec.Meta(min_length=1, max_length=MAX_CAROUSEL_CARDS)]


Component = (
    HeaderComponent
    | BodyComponent
    | ButtonComponent
    | LimitedTimeOfferComponent
    | CarouselComponent
)


class Language(_Body):
    code: LanguageCode
    policy: Literal["deterministic"] | None = None


class Template(_Body):
    name: TemplateName
    language: Language
    namespace: Namespace | None = None
    components: (
        Annotated[list[Component], msgspec.Meta(max_length=MAX_TEMPLATE_COMPONENTS)] | None
    ) = None


# --- the send body ------------------------------------------------------------------------


class SendRequest(_Body, kw_only=True):
    """A ``POST /messages`` body: the object named by ``type`` (default ``text``) holds the
    message."""

    messaging_product: Literal["whatsapp"]
    recipient_type: Literal["individual"] | None = None
    to: To
    type: MessageType | None = None
    context: Context | None = None
    biz_opaque_callback_data: CallbackData | None = None
    text: Text | None = None
    template: Template | None = None
    interactive: Interactive | None = None
    image: CaptionedMedia | None = None
    document: Document | None = None
    audio: Media | None = None
    video: CaptionedMedia | None = None
    sticker: Media | None = None
    location: Location | None = None
    contacts: Contacts | None = None
    reaction: Reaction | None = None


MESSAGE_TYPES: frozenset[str] = frozenset(get_args(MessageType))


# --- webhooks: what a channel's messaging webhook receives -----------------------------------
# The emulator builds its webhook bodies with these (domain/messaging/payloads.py) and partners
# parse them with ``partnerhub.webhooks.parse_messaging_webhook``. The parts the builders encode
# omit unset fields, as Meta does.


class Profile(msgspec.Struct):
    name: str = ""


class MessagingContact(msgspec.Struct):
    wa_id: str
    profile: Profile = msgspec.field(default_factory=Profile)


class InboundText(msgspec.Struct):
    body: str


class InboundMessage(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A message a WhatsApp user sent; the field for its ``type`` carries the content."""

    from_: str = msgspec.field(name="from")
    id: str
    timestamp: str
    type: str
    text: InboundText | None = None
    image: dict[str, Any] | None = None
    audio: dict[str, Any] | None = None
    video: dict[str, Any] | None = None
    document: dict[str, Any] | None = None
    sticker: dict[str, Any] | None = None
    location: dict[str, Any] | None = None
    reaction: dict[str, Any] | None = None
    button: dict[str, Any] | None = None
    interactive: dict[str, Any] | None = None
    order: dict[str, Any] | None = None  # a cart sent from product messages (issue 17)
    context: dict[str, Any] | None = None  # last: Meta puts it after the content


class StatusError(msgspec.Struct, kw_only=True, omit_defaults=True):
    code: int
    title: str = ""
    message: str = ""
    error_data: dict[str, Any] | None = None
    href: str | None = None  # Meta links its error-code page


# --- statuses: pricing and conversation (issue 17: MM Lite, statuses and errors) ------------


class ConversationOrigin(msgspec.Struct, kw_only=True, omit_defaults=True):
    type: str  # marketing, utility, authentication, service (referral_conversion: ads)


class StatusConversation(msgspec.Struct, kw_only=True, omit_defaults=True):
    """``statuses[].conversation``: on ``sent`` (with ``expiration_timestamp``) and
    ``delivered``. Under per-message pricing its ``id`` is unique per message."""

    id: str
    expiration_timestamp: str | None = None  # UNIX seconds; on ``sent`` only
    origin: ConversationOrigin | None = None


class StatusPricing(msgspec.Struct, kw_only=True, omit_defaults=True):
    """``statuses[].pricing`` under Meta's per-message pricing (``pricing_model: PMP``):
    ``category`` marketing, marketing_lite (MM Lite), utility, authentication or service;
    ``type`` regular, free_customer_service or free_entry_point."""

    billable: bool  # deprecated by Meta in favour of type + category; still sent
    pricing_model: str  # PMP (CBP before July 2025)
    category: str
    type: str | None = None  # absent under CBP


class MessageStatus(msgspec.Struct, kw_only=True, omit_defaults=True):
    """What happened to a message you sent: ``sent``, ``delivered``, ``read`` or ``failed``."""

    id: str
    status: str
    timestamp: str
    recipient_id: str
    conversation: StatusConversation | None = None
    pricing: StatusPricing | None = None
    errors: list[StatusError] = []
    biz_opaque_callback_data: str | None = None  # echoed from the send


class Metadata(msgspec.Struct):
    display_phone_number: str = ""
    phone_number_id: str = ""


# --- WhatsApp Coexistence (issue 18 item 3): changes of a number on the WhatsApp Business app


class MessageEcho(msgspec.Struct, kw_only=True, omit_defaults=True):
    """``smb_message_echoes``: a message the business sent from the WhatsApp Business app."""

    from_: str = msgspec.field(name="from")
    to: str
    id: str
    timestamp: str
    type: str
    text: InboundText | None = None


class StateSyncContact(msgspec.Struct, kw_only=True, omit_defaults=True):
    phone_number: str
    full_name: str | None = None
    first_name: str | None = None


class StateSyncEntry(msgspec.Struct, kw_only=True):
    """``smb_app_state_sync``: a contact the app added (or edited) or removed."""

    type: str
    contact: StateSyncContact
    action: str
    metadata: dict[str, Any] = {}


class MessagingValue(msgspec.Struct, kw_only=True):
    messaging_product: str = "whatsapp"
    metadata: Metadata = msgspec.field(default_factory=Metadata)
    contacts: list[MessagingContact] = []
    messages: list[InboundMessage] = []
    statuses: list[MessageStatus] = []
    errors: list[dict[str, Any]] = []
    # WhatsApp Coexistence: the ``smb_message_echoes`` and ``smb_app_state_sync`` changes.
    message_echoes: list[MessageEcho] = []
    state_sync: list[StateSyncEntry] = []


class MessagingChange(msgspec.Struct):
    field: str
    value: MessagingValue


class MessagingEntry(msgspec.Struct):
    id: str
    changes: list[MessagingChange]


class MessagingWebhook(msgspec.Struct):
    """A Cloud API webhook body: ``object`` and ``entry[].changes[].value``."""

    object: str
    entry: list[MessagingEntry]

    @property
    def messages(self) -> list[InboundMessage]:
        """Every inbound message in the body, in order."""
        return [m for e in self.entry for c in e.changes for m in c.value.messages]

    @property
    def statuses(self) -> list[MessageStatus]:
        """Every status update in the body, in order."""
        return [s for e in self.entry for c in e.changes for s in c.value.statuses]


# --- the emulator's "a user writes" request -------------------------------------------------
# ``POST /_emulator/messages/inbound`` (the emulator's, not Meta's): a simulated WhatsApp user
# sends a message to a channel. The content objects are the ones a ``messages`` webhook carries
# for that type; the server decodes the request into :data:`UserMessage` and builds the
# webhook from it. ``null`` counts as absent for optional fields.

MAX_CHANNEL_ID = 64
MAX_PROFILE_NAME = 256
MAX_MIME_TYPE = 255
MAX_USER_MEDIA_TEXT = 1024
MAX_USER_BUTTON_TEXT = 256
MAX_USER_BUTTON_PAYLOAD = 4096
MAX_USER_REPLY_TEXT = 256

ChannelId = Annotated[str, msgspec.Meta(max_length=MAX_CHANNEL_ID, min_length=1)]
ProfileName = Annotated[str, msgspec.Meta(max_length=MAX_PROFILE_NAME, min_length=1)]
MimeType = Annotated[str, msgspec.Meta(max_length=MAX_MIME_TYPE, min_length=1)]
UserMediaText = Annotated[str, msgspec.Meta(max_length=MAX_USER_MEDIA_TEXT, min_length=1)]
UserButtonText = Annotated[str, msgspec.Meta(max_length=MAX_USER_BUTTON_TEXT, min_length=1)]
UserButtonPayload = Annotated[str, msgspec.Meta(max_length=MAX_USER_BUTTON_PAYLOAD, min_length=1)]
UserReplyText = Annotated[str, msgspec.Meta(max_length=MAX_USER_REPLY_TEXT, min_length=1)]


class UserText(_Body):
    body: TextBody


class UserMedia(_Body):
    """Media as a webhook reports it: an ``id`` to download (made up when left out), the
    ``mime_type`` (the type's usual one when left out), maybe a caption or file name."""

    id: MediaId | None = None
    mime_type: MimeType | None = None
    sha256: UserMediaText | None = None
    caption: UserMediaText | None = None
    filename: UserMediaText | None = None


class UserButton(_Body):
    """A tap on a template's quick-reply button: its text and payload (the text when left out)."""

    text: UserButtonText
    payload: UserButtonPayload | None = None


class UserButtonReply(_Body):
    id: UserReplyText
    title: UserReplyText


class UserListReply(UserButtonReply):
    description: UserReplyText | None = None


class _UserInteractive(_Body, tag_field="type"):
    pass


class UserButtonTap(_UserInteractive, tag="button_reply", kw_only=True):
    """A tap on an interactive reply button. ``list_reply`` may only be null: the server
    refuses another value as the other type's object before decoding."""

    button_reply: UserButtonReply
    list_reply: None = None


class UserListPick(_UserInteractive, tag="list_reply", kw_only=True):
    """A pick of a list row. ``button_reply``: as ``list_reply`` in :class:`UserButtonTap`."""

    list_reply: UserListReply
    button_reply: None = None


MAX_NFM_RESPONSE = 16384


class UserNfmReply(_Body, kw_only=True):
    """A completed Flow (``name`` "flow") or address form (``name`` "address_message"): Meta
    sends ``response_json`` as a string holding a JSON object; an object given here is encoded
    into one."""

    name: Literal["flow", "address_message"] = "flow"
    body: UserReplyText = "Sent"
    response_json: (
        Annotated[str, msgspec.Meta(max_length=MAX_NFM_RESPONSE, min_length=1)] | dict[str, Any]
    )


class UserNfmSubmit(_UserInteractive, tag="nfm_reply", kw_only=True):
    """A Flow or an address message submitted (issue 17: the inbound shape only)."""

    nfm_reply: UserNfmReply


UserInteractive = UserButtonTap | UserListPick | UserNfmSubmit


class _UserMessage(_Body, tag_field="type"):
    """What every simulated user's message has; the field named by ``type`` holds it."""

    channel_id: ChannelId
    from_: To = msgspec.field(name="from")
    profile_name: ProfileName | None = None
    context: Context | None = None


class UserTextMessage(_UserMessage, tag="text", kw_only=True):
    text: UserText


class UserImageMessage(_UserMessage, tag="image", kw_only=True):
    image: UserMedia


class UserDocumentMessage(_UserMessage, tag="document", kw_only=True):
    document: UserMedia


class UserAudioMessage(_UserMessage, tag="audio", kw_only=True):
    audio: UserMedia


class UserVideoMessage(_UserMessage, tag="video", kw_only=True):
    video: UserMedia


class UserStickerMessage(_UserMessage, tag="sticker", kw_only=True):
    sticker: UserMedia


class UserButtonMessage(_UserMessage, tag="button", kw_only=True):
    button: UserButton


class UserInteractiveMessage(_UserMessage, tag="interactive", kw_only=True):
    interactive: UserInteractive


class UserLocationMessage(_UserMessage, tag="location", kw_only=True):
    location: Location


class UserReactionMessage(_UserMessage, tag="reaction", kw_only=True):
    reaction: Reaction


class UserOrderItem(_Body, kw_only=True):
    """A product in the cart; price and currency are the catalog's when left out."""

    product_retailer_id: RetailerId
    quantity: Annotated[int, msgspec.Meta(ge=1, le=10000)] = 1
    item_price: Annotated[float, msgspec.Meta(ge=0, le=10**9)] | None = None
    currency: CurrencyCode | None = None


class UserOrder(_Body, kw_only=True):
    catalog_id: CatalogId
    text: UserMediaText | None = None
    product_items: Annotated[
        list[UserOrderItem], msgspec.Meta(min_length=1, max_length=MAX_PRODUCT_ITEMS)
    ]


class UserOrderMessage(_UserMessage, tag="order", kw_only=True):
    """A cart the user sends after browsing product messages (Meta's ``order`` message)."""

    order: UserOrder


UserMessage = (
    UserTextMessage
    | UserImageMessage
    | UserDocumentMessage
    | UserAudioMessage
    | UserVideoMessage
    | UserStickerMessage
    | UserButtonMessage
    | UserInteractiveMessage
    | UserLocationMessage
    | UserReactionMessage
    | UserOrderMessage
)
USER_MESSAGE_TYPES: frozenset[str] = frozenset(
    str(cls.__struct_config__.tag) for cls in get_args(UserMessage)
)
USER_MESSAGE_KEYS = frozenset({"channel_id", "from", "type", "profile_name", "context"})

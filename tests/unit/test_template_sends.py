"""A template send against its stored template, per template type: the compiled expectations
(cached per template version) and Meta's codes for each mismatch."""

from __future__ import annotations

from typing import Any

import pytest

from partnerhub.domain.messaging.errors import GraphError
from partnerhub.domain.messaging.template_sends import compile_template, compiled
from partnerhub.domain.messaging.validation import TemplateRef, check_template, parse_outgoing
from partnerhub.domain.templates.rules import NewTemplate, validate
from tests.helpers import template_types as types


def stored(body: dict[str, Any]) -> list[dict[str, Any]]:
    new = NewTemplate(
        body["name"],
        body["category"],
        body["language"],
        body["components"],
        body.get("parameter_format"),
    )
    return validate(new).components


def ref(*components: dict[str, Any]) -> TemplateRef:
    message = parse_outgoing(
        {
            "messaging_product": "whatsapp",
            "to": "4917612345678",
            "type": "template",
            "template": {
                "name": "t",
                "language": {"code": "en_US"},
                "components": list(components),
            },
        }
    )
    assert message.template is not None
    return message.template


def body(*values: str, names: tuple[str, ...] = ()) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [{"type": "text", "text": v} for v in values]
    for parameter, name in zip(parameters, names, strict=False):
        parameter["parameter_name"] = name
    return {"type": "body", "parameters": parameters}


def refused(template: list[dict[str, Any]], given: TemplateRef) -> GraphError:
    with pytest.raises(GraphError) as caught:
        check_template(given, "approved", template)
    return caught.value


def test_compiled_once_per_template_version() -> None:
    components = stored(types.media_carousel())
    first = compiled(("TP-cache", "v1"), components)
    assert compiled(("TP-cache", "v1"), []) is first  # the version's components never change
    again = compiled(("TP-cache", "v2"), components)
    assert again is not first and again == first
    assert len(first.cards) == 3 and first.main.body_names == ("1",)
    assert compile_template(stored(types.named())).named is True
    assert compile_template(stored(types.positional())).named is False


def test_authentication_sends_the_code_in_the_body_and_the_button() -> None:
    template = stored(types.authentication())
    button = {"type": "button", "sub_type": "url", "index": "0"}
    good = {**button, "parameters": [{"type": "text", "text": "123456"}]}
    check_template(ref(body("123456"), good), "approved", template)
    assert refused(template, ref(body("123456"))).code == 132000
    assert refused(template, ref(body("1" * 16), good)).code == 131009
    copy_code = {**good, "sub_type": "copy_code"}
    assert refused(template, ref(body("123456"), copy_code)).code == 132012


def test_named_parameters_by_name_in_any_order() -> None:
    template = stored(types.named())
    header = {"type": "header", "parameters": [{"type": "text", "text": "A1"}]}
    header["parameters"][0]["parameter_name"] = "order_id"
    names = ("ship_date", "first_name")
    check_template(ref(header, body("Mon", "Ana", names=names)), "approved", template)
    wrong = refused(template, ref(header, body("Mon", "Ana", names=("ship_date", "last_name"))))
    assert wrong.code == 132000 and "first_name" in wrong.details
    assert refused(template, ref(header, body("Mon", "Ana"))).code == 132012
    positional = stored(types.positional())
    assert refused(positional, ref(body("Ana", "Mon", names=names))).code == 132012


def test_hydrated_length_counts_each_use_of_a_variable() -> None:
    template = [{"type": "BODY", "text": "{{1}} and {{1}} again"}]
    check_template(ref(body("x" * 500)), "approved", template)
    too_long = refused(template, ref(body("x" * 510)))
    assert too_long.code == 132005 and "1031 characters" in too_long.details


@pytest.mark.parametrize("value", ["a\nb", "a\tb", "a     b"])
def test_format_characters_in_a_parameter(value: str) -> None:
    assert refused([{"type": "BODY", "text": "Hi {{1}}"}], ref(body(value))).code == 132007


def test_a_carousel_or_offer_the_template_does_not_have() -> None:
    template = [{"type": "BODY", "text": "Hi"}]
    carousel = {"type": "carousel", "cards": [{"card_index": 0, "components": []}]}
    offer = {"type": "limited_time_offer", "parameters": []}
    assert refused(template, ref(carousel)).code == 131009
    assert refused(template, ref(offer)).code == 131009
    repeated = {"type": "carousel", "cards": [{"card_index": 0, "components": []}] * 2}
    with pytest.raises(GraphError) as caught:
        ref(repeated)
    assert caught.value.code == 131009 and "cards[1].card_index" in caught.value.details

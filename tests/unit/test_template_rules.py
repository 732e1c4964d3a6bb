"""Meta's template rules, without a database."""

from __future__ import annotations

from typing import Any

import pytest

from partnerhub.domain.errors import InvalidInput
from partnerhub.domain.templates.model import TemplateCategory
from partnerhub.domain.templates.rules import NewTemplate, validate


def new(*components: dict[str, Any], category: str = "marketing") -> NewTemplate:
    return NewTemplate("promo", category, "pt_BR", list(components))


def test_stores_types_upper_case_and_leaves_the_input_alone() -> None:
    sent = {"type": "buttons", "buttons": [{"type": "quick_reply", "text": "Yes"}]}
    valid = validate(new({"type": "body", "text": "Hi"}, sent))
    assert valid.category == TemplateCategory.MARKETING
    assert valid.language == "pt_BR"
    assert valid.components == [
        {"type": "BODY", "text": "Hi"},
        {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Yes"}]},
    ]
    assert sent["type"] == "buttons"  # the caller's object is not rewritten


@pytest.mark.parametrize(
    ("text", "count"),
    [("Hi", 0), ("{{1}}", 1), ("{{1}} {{2}} {{1}}", 2), ("{{ 1 }} and {{2}}", 2)],
)
def test_variables_numbered_from_one(text: str, count: int) -> None:
    example = {"body_text": [[f"v{i}" for i in range(count)]]} if count else None
    component: dict[str, Any] = {"type": "BODY", "text": text}
    if example:
        component["example"] = example
    validate(new(component))


@pytest.mark.parametrize("text", ["{{2}}", "{{0}}", "{{01}}", "{{1}} {{3}}", "{{x}}", "{{}}"])
def test_variables_with_gaps_or_names_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate(new({"type": "BODY", "text": text, "example": {"body_text": [["a", "b"]]}}))
    assert caught.value.field == "components[0].text"


@pytest.mark.parametrize("language", ["en", "fil", "en_US", "zh_HK"])
def test_language_codes(language: str) -> None:
    validate(NewTemplate("a", "UTILITY", language, [{"type": "BODY", "text": "Hi"}]))


@pytest.mark.parametrize("language", ["EN", "en-US", "en_us", "english", "", "e"])
def test_bad_language_codes(language: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate(NewTemplate("a", "UTILITY", language, [{"type": "BODY", "text": "Hi"}]))
    assert caught.value.field == "language"

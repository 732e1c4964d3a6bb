"""Pure rules: key format, list-query parsing, URL validation, the clock."""

from __future__ import annotations

import pytest

from partnerhub.domain.clock import isoformat
from partnerhub.domain.errors import InvalidInput
from partnerhub.domain.keys import secrets
from partnerhub.domain.listing import parse_list_query
from partnerhub.domain.partners.rules import validate_url
from partnerhub.emulator.clock import VirtualClock


def test_generated_keys_are_well_formed_and_unique() -> None:
    keys = {secrets.generate() for _ in range(200)}
    assert len(keys) == 200
    for key in keys:
        assert key.startswith("ph_live_")
        assert len(key) == len("ph_live_") + 32 + 6
        assert secrets.well_formed(key)


def test_checksum_catches_a_changed_character() -> None:
    key = secrets.generate()
    body = key[len("ph_live_") :]
    flipped = "ph_live_" + ("A" if body[0] != "A" else "B") + body[1:]
    assert not secrets.well_formed(flipped)
    assert not secrets.well_formed("ph_live_short")
    assert not secrets.well_formed("sk_live_" + body)


def test_only_the_digest_and_a_short_prefix_are_derived() -> None:
    key = secrets.generate("ph_test_")
    assert secrets.digest(key) != key and len(secrets.digest(key)) == 64
    assert secrets.display_prefix(key) == key[:12]


def test_list_query_defaults_and_sort() -> None:
    query = parse_list_query(
        limit=None,
        offset=None,
        sort="-created_at,name",
        filters=None,
        sortable=("created_at", "name"),
        filterable={},
    )
    assert (query.limit, query.offset) == (20, 0)
    assert query.sort_strings == ["-created_at", "name"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"limit": "-1"}, "limit"),
        ({"limit": "abc"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"offset": "-5"}, "offset"),
        ({"sort": "password"}, "sort"),
        ({"filters": "{not json"}, "filters"),
        ({"filters": "[1]"}, "filters"),
        ({"filters": '{"secret": 1}'}, "filters.secret"),
        ({"filters": '{"name": {"$ne": 1}}'}, "filters.name"),
    ],
)
def test_list_query_rejects_bad_input_naming_the_field(kwargs: dict[str, str], field: str) -> None:
    base = {"limit": None, "offset": None, "sort": None, "filters": None}
    with pytest.raises(InvalidInput) as caught:
        parse_list_query(**{**base, **kwargs}, sortable=("name",), filterable={"name": str})
    assert caught.value.field == field


@pytest.mark.parametrize(
    "url",
    [
        "ftp://x.example",
        "/relative/path",
        "example.com/hook",
        "http://",
        "https://a b.c/",
        "javascript:alert(1)",
        "http://x.example:99999/",
        "",
    ],
)
def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_url("webhook_url", url)
    assert caught.value.field == "webhook_url"


def test_good_urls_pass() -> None:
    assert validate_url("f", " https://example.com/hook?x=1 ") == "https://example.com/hook?x=1"
    assert validate_url("f", "http://localhost:8080/x") == "http://localhost:8080/x"


def test_virtual_clock_only_moves_forward() -> None:
    clock = VirtualClock()
    before = clock.now()
    after = clock.advance(3600)
    assert (after - before).total_seconds() >= 3600
    with pytest.raises(ValueError):
        clock.advance(-1)
    assert isoformat(before) is not None and isoformat(before).endswith("Z")  # type: ignore[union-attr]

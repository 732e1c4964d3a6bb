"""Which media ids a send names, as Graph names the parameter (issue 17)."""

from __future__ import annotations

from partnerhub.domain.media.model import webp_is_animated
from partnerhub.domain.media.services import media_references


def test_top_level_media() -> None:
    body = {"type": "sticker", "sticker": {"id": "123"}}
    assert media_references(body) == [("sticker['id']", "123")]
    assert media_references({"type": "image", "image": {"link": "https://a.example/x.jpg"}}) == []
    assert media_references({"type": "text", "text": {"body": "hi"}}) == []


def test_template_and_interactive_headers() -> None:
    template = {
        "type": "template",
        "template": {
            "name": "t",
            "components": [
                {"type": "body", "parameters": [{"type": "text", "text": "x"}]},
                {"type": "header", "parameters": [{"type": "video", "video": {"id": "77"}}]},
            ],
        },
    }
    assert media_references(template) == [
        ("template['components'][1]['parameters'][0]['video']['id']", "77")
    ]
    interactive = {
        "type": "interactive",
        "interactive": {"type": "button", "header": {"type": "image", "image": {"id": "5"}}},
    }
    assert media_references(interactive) == [("interactive['header']['image']['id']", "5")]


def test_webp_animation_flag() -> None:
    assert webp_is_animated(b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\x02" + b"\0" * 11) is True
    assert webp_is_animated(b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\x00" + b"\0" * 11) is False
    assert webp_is_animated(b"RIFF\0\0\0\0WEBPVP8 " + b"\0" * 16) is False
    assert webp_is_animated(b"RIFF") is None

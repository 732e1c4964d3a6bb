"""Is this string one emoji? Reactions carry exactly one, and the standard library has no emoji
tables, so this reads the sequence grammar over the code point ranges emoji live in.

One emoji is one *base* (a pictograph, a keycap sequence or a pair of regional indicators for a
flag) followed by modifiers (variation selectors, skin tones, tag characters), possibly joined to
further bases by ZERO WIDTH JOINER (families, professions). Two bases without a joiner are two
emoji and are refused.
"""

from __future__ import annotations

_ZWJ = 0x200D
_KEYCAP = 0x20E3
_MAX_CODE_POINTS = 32  # the longest RGI sequences are about a dozen

_PICTOGRAPH_RANGES = (
    (0x1F000, 0x1FAFF),  # mahjong .. symbols and pictographs extended-A
    (0x2600, 0x27BF),  # miscellaneous symbols, dingbats
    (0x2300, 0x23FF),  # technical (watch, hourglass, ...)
    (0x2B00, 0x2BFF),  # arrows, stars, circles
    (0x2190, 0x21FF),  # arrows
    (0x25A0, 0x25FF),  # geometric shapes
    (0x2900, 0x297F),  # supplemental arrows
    (0x3030, 0x3030),
    (0x303D, 0x303D),
    (0x3297, 0x3299),
    (0x00A9, 0x00A9),
    (0x00AE, 0x00AE),
    (0x203C, 0x203C),
    (0x2049, 0x2049),
    (0x2122, 0x2122),
    (0x2139, 0x2139),
    (0x24C2, 0x24C2),
)
_REGIONAL = (0x1F1E6, 0x1F1FF)


def _is_pictograph(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in _PICTOGRAPH_RANGES) and not _is_regional(cp)


def _is_regional(cp: int) -> bool:
    return _REGIONAL[0] <= cp <= _REGIONAL[1]


def _is_modifier(cp: int) -> bool:
    return (
        cp in (0xFE0E, 0xFE0F)  # text / emoji presentation
        or 0x1F3FB <= cp <= 0x1F3FF  # skin tones
        or 0xE0020 <= cp <= 0xE007F  # tags (subdivision flags)
    )


def _base_length(cps: list[int], i: int) -> int:
    """How many code points the base starting at ``i`` takes; 0 when none starts there."""
    cp = cps[i]
    if _is_regional(cp):
        return 2 if i + 1 < len(cps) and _is_regional(cps[i + 1]) else 0
    if chr(cp) in "0123456789#*":
        rest = cps[i + 1 : i + 3]
        if rest == [0xFE0F, _KEYCAP]:
            return 3
        return 2 if rest[:1] == [_KEYCAP] else 0
    return 1 if _is_pictograph(cp) else 0


def is_single_emoji(text: str) -> bool:
    cps = [ord(ch) for ch in text]
    if not cps or len(cps) > _MAX_CODE_POINTS:
        return False
    i = 0
    while True:
        size = _base_length(cps, i)
        if size == 0:
            return False
        i += size
        while i < len(cps) and _is_modifier(cps[i]):
            i += 1
        if i == len(cps):
            return True
        if cps[i] != _ZWJ or i + 1 == len(cps):
            return False
        i += 1


def has_emoji(text: str) -> bool:
    """Whether ``text`` holds an emoji anywhere (a pictograph or a flag's regional indicator):
    for texts Meta takes without emoji, such as a Flow's button (``flow_cta``)."""
    return not text.isascii() and any(
        _is_pictograph(ord(ch)) or _is_regional(ord(ch)) for ch in text
    )

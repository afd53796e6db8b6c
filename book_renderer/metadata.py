"""Small judgements about a document's metadata: who wrote it, what it is called when it does
not say, and which language its text is in. Pure functions over plain strings."""

from __future__ import annotations

import re
from collections.abc import Iterable

_AUTHOR_SPLIT = re.compile(r"\s*(?:;|；|、|\band\b|&)\s*")
_MIN_TITLE = 2
_MAX_TITLE = 300
_MAX_TITLE_LINES = 3
_STANDS_OUT = 1.2


def split_authors(value: str) -> tuple[str, ...]:
    """`"Ann Lee; Bo Chen"` -> two authors. Commas stay: `"Lee, Ann"` is one person."""
    names = (" ".join(part.split()) for part in _AUTHOR_SPLIT.split(value))
    return tuple(name for name in names if name)


def title_from_spans(spans: Iterable[tuple[float, str, int]]) -> str:
    """The first lines set in the largest type on a page, when that type stands out from the
    body text: `(size, text, line id)` spans. A page all in one size has no title to find."""
    items = [(size, text, line) for size, text, line in spans if text.strip()]
    if not items:
        return ""
    largest = max(size for size, _, _ in items)
    weights = sorted((size, len(text)) for size, text, _ in items)
    half, seen, median = sum(n for _, n in weights) / 2, 0, weights[-1][0]
    for size, count in weights:
        seen += count
        if seen >= half:
            median = size
            break
    if len(items) > 1 and largest < median * _STANDS_OUT:
        return ""
    lines: dict[int, list[str]] = {}
    for size, text, line in items:
        if size >= largest * 0.95 and (line in lines or len(lines) < _MAX_TITLE_LINES):
            lines.setdefault(line, []).append(text)
    title = " ".join(" ".join("".join(parts).split()) for parts in lines.values())
    return title[:_MAX_TITLE] if len(title) >= _MIN_TITLE else ""


def _count(text: str, low: int, high: int) -> int:
    return sum(1 for char in text if low <= ord(char) <= high)


def guess_language(text: str) -> str | None:
    """A BCP 47 tag for Chinese, Japanese or Korean text, which scripts give away; None when
    the script does not decide it (Latin text could be any of many languages)."""
    sample = text[:20_000]
    kana = _count(sample, 0x3040, 0x30FF)
    hangul = _count(sample, 0xAC00, 0xD7AF) + _count(sample, 0x1100, 0x11FF)
    han = _count(sample, 0x4E00, 0x9FFF) + _count(sample, 0x3400, 0x4DBF)
    letters = sum(1 for char in sample if char.isalpha())
    if letters == 0 or (kana + hangul + han) * 4 < letters:
        return None
    if hangul > max(kana, han):
        return "ko"
    if kana * 10 >= han:
        return "ja"
    return "zh"

"""The text layer as plain data: words with boxes in 0..1 page units, the page's searchable
text assembled from them, and the way back from a stretch of that text to boxes on the page.

Chinese and Japanese have no spaces between words, so a run of wide characters is split into
one "word" per character (selection and highlights work per character) and rejoined without
spaces, so that a phrase can be found wherever it starts.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import NamedTuple

_DIGITS = 4


class Word(NamedTuple):
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    line: int
    joined: bool = False  # a piece of the word before it (no space between the two)


def _word(
    text: str, box: tuple[float, float, float, float], line: int, joined: bool = False
) -> Word:
    x0, y0, x1, y1 = (round(v, _DIGITS) for v in box)
    return Word(text, x0, y0, x1, y1, line, joined)


def is_wide(char: str) -> bool:
    """CJK ideographs, kana, hangul and full-width punctuation: written without spaces."""
    return unicodedata.east_asian_width(char) in ("W", "F")


def _weights(text: str) -> list[int]:
    return [2 if is_wide(char) else 1 for char in text]


def split_wide(word: Word) -> list[Word]:
    """`Python编程` -> `Python`, `编`, `程`, each with its share of the box (a wide character
    takes twice a narrow one's advance; vertical runs are split top to bottom)."""
    text = word.text
    if text.isascii() or len(text) == 1 or not any(is_wide(char) for char in text):
        return [word]
    pieces: list[str] = []
    for char in text:
        if is_wide(char) or not pieces or is_wide(pieces[-1][-1]):
            pieces.append(char)
        else:
            pieces[-1] += char
    weights = [sum(_weights(piece)) for piece in pieces]
    total = float(sum(weights))
    vertical = (word.y1 - word.y0) > 1.5 * (word.x1 - word.x0) and len(pieces) > 1
    out: list[Word] = []
    start = 0.0
    for piece, weight in zip(pieces, weights, strict=True):
        end = start + weight / total
        if vertical:
            span = word.y1 - word.y0
            box = (word.x0, word.y0 + start * span, word.x1, word.y0 + end * span)
        else:
            span = word.x1 - word.x0
            box = (word.x0 + start * span, word.y0, word.x0 + end * span, word.y1)
        out.append(_word(piece, box, word.line, joined=bool(out)))
        start = end
    return out


def normalise_words(
    raw: Iterable[tuple[float, float, float, float, str, int, int, int]],
    x0: float,
    y0: float,
    width: float,
    height: float,
) -> list[Word]:
    """PyMuPDF `get_text("words")` tuples in page points -> Words in 0..1, wide runs split."""
    words: list[Word] = []
    line_ids: dict[tuple[int, int], int] = {}
    sx, sy = 1.0 / width, 1.0 / height
    for wx0, wy0, wx1, wy1, text, block, line, _ in raw:
        if not text.strip():
            continue
        line_id = line_ids.setdefault((block, line), len(line_ids))
        word = Word(
            text,
            round(min(max((wx0 - x0) * sx, 0.0), 1.0), _DIGITS),
            round(min(max((wy0 - y0) * sy, 0.0), 1.0), _DIGITS),
            round(min(max((wx1 - x0) * sx, 0.0), 1.0), _DIGITS),
            round(min(max((wy1 - y0) * sy, 0.0), 1.0), _DIGITS),
            line_id,
        )
        if text.isascii():
            words.append(word)
        else:
            words.extend(split_wide(word))
    return words


def dumps(words: Sequence[Word]) -> str:
    rows = [list(word) if word.joined else list(word)[:6] for word in words]
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"))


def loads(data: str) -> list[Word]:
    return [
        Word(
            str(row[0]),
            float(row[1]),
            float(row[2]),
            float(row[3]),
            float(row[4]),
            int(row[5]),
            bool(row[6]) if len(row) > 6 else False,
        )
        for row in json.loads(data)
    ]


def assemble(words: Sequence[Word]) -> tuple[str, list[tuple[int, int]]]:
    """The page's text and where each word sits in it. No space between two wide characters
    (also across a line break, where a sentence simply continues), a newline between lines,
    a space between other words."""
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    position = 0
    previous: Word | None = None
    for word in words:
        if previous is not None:
            if word.joined or (is_wide(previous.text[-1]) and is_wide(word.text[0])):
                separator = ""
            elif word.line != previous.line:
                separator = "\n"
            else:
                separator = " "
            parts.append(separator)
            position += len(separator)
        parts.append(word.text)
        spans.append((position, position + len(word.text)))
        position += len(word.text)
        previous = word
    return "".join(parts), spans


def fold(text: str) -> str:
    """Case-folded text of the same length (so offsets still point at the same characters)."""
    return "".join(low if len(low := char.lower()) == 1 else char for char in text)


def query_pattern(query: str) -> re.Pattern[str]:
    """The query's terms in order, any whitespace between them, case folded."""
    terms = [re.escape(fold(term)) for term in query.split()]
    return re.compile(r"\s*".join(terms) if _all_wide(query) else r"\s+".join(terms))


def _all_wide(query: str) -> bool:
    return all(is_wide(char) for char in query if not char.isspace())


def boxes_for(
    words: Sequence[Word], spans: Sequence[tuple[int, int]], start: int, end: int
) -> list[tuple[float, float, float, float]]:
    """Boxes covering text[start:end]: whole words, or the characters' share of a word."""
    boxes = []
    for word, (w_start, w_end) in zip(words, spans, strict=True):
        if w_end <= start or w_start >= end:
            continue
        lo, hi = max(start, w_start) - w_start, min(end, w_end) - w_start
        if lo == 0 and hi == len(word.text):
            boxes.append((word.x0, word.y0, word.x1, word.y1))
            continue
        weights = _weights(word.text)
        total = float(sum(weights))
        a, b = sum(weights[:lo]) / total, sum(weights[:hi]) / total
        span = word.x1 - word.x0
        boxes.append(
            (
                round(word.x0 + a * span, _DIGITS),
                word.y0,
                round(word.x0 + b * span, _DIGITS),
                word.y1,
            )
        )
    return boxes

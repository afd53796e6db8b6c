"""Annotations as a layer document holds them: the `annotations` map, id -> a plain JSON
object written by the browser client with `ymap.set(id, {...})` (nested Y types are read
too). This module turns those loose values into checked `Annotation` records and back.

The value of one entry (docs/sync.md shows it in full):
`{type, book, page, target: {quote: {exact, prefix, suffix}, position: {start, end},
rect: {x, y, w, h}}, body, color, creator, created}`; rect is in 0..1 of the page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pycrdt import Doc, Map

ANNOTATIONS = "annotations"
KINDS = ("highlight", "note", "bookmark")
MAX_TEXT = 20_000


@dataclass(frozen=True, slots=True)
class Quote:
    exact: str
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True, slots=True)
class Position:
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True, slots=True)
class Annotation:
    id: str
    kind: str
    book: str
    page: int
    quote: Quote | None
    position: Position | None
    rect: Rect | None
    body: str
    color: str | None
    creator: str | None
    created: str | None

    def to_value(self) -> dict[str, Any]:
        """The JSON object stored in the map, as the browser client writes it."""
        target: dict[str, Any] = {}
        if self.quote is not None:
            target["quote"] = {
                "exact": self.quote.exact,
                "prefix": self.quote.prefix,
                "suffix": self.quote.suffix,
            }
        if self.position is not None:
            target["position"] = {"start": self.position.start, "end": self.position.end}
        if self.rect is not None:
            r = self.rect
            target["rect"] = {"x": r.x, "y": r.y, "w": r.w, "h": r.h}
        value: dict[str, Any] = {
            "type": self.kind,
            "book": self.book,
            "page": self.page,
            "target": target,
            "body": self.body,
        }
        for key in ("color", "creator", "created"):
            if getattr(self, key) is not None:
                value[key] = getattr(self, key)
        return value


def read_annotations(doc: Doc[Any]) -> list[Annotation]:
    """Every well-formed entry of the document's `annotations` map, in id order; entries a
    client wrote in another shape are skipped, never fatal."""
    try:
        entries = doc.get(ANNOTATIONS, type=Map)
        items = [(key, _plain(value)) for key, value in entries.items()]
    except Exception:
        return []
    found = []
    for key, value in sorted(items, key=lambda item: item[0]):
        annotation = parse_value(key, value)
        if annotation is not None:
            found.append(annotation)
    return found


def write_annotations(doc: Doc[Any], annotations: list[Annotation]) -> None:
    entries = doc.get(ANNOTATIONS, type=Map)
    for annotation in annotations:
        entries[annotation.id] = annotation.to_value()


def _plain(value: Any) -> Any:
    to_py = getattr(value, "to_py", None)
    return to_py() if callable(to_py) else value


def parse_value(key: str, value: Any) -> Annotation | None:
    if not isinstance(value, dict):
        return None
    kind = value.get("type")
    book = value.get("book")
    page = _int(value.get("page"))
    if kind not in KINDS or not isinstance(book, str) or not book or page is None or page < 1:
        return None
    nested = value.get("target")
    target: dict[str, Any] = nested if isinstance(nested, dict) else value
    return Annotation(
        id=key,
        kind=kind,
        book=book,
        page=page,
        quote=_quote(target.get("quote")),
        position=_position(target.get("position")),
        rect=_rect(target.get("rect")),
        body=_text(value.get("body")),
        color=_opt_text(value.get("color")),
        creator=_opt_text(value.get("creator")),
        created=iso_created(value.get("created")),
    )


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    return int(value)


def _text(value: Any) -> str:
    return value[:MAX_TEXT] if isinstance(value, str) else ""


def _opt_text(value: Any) -> str | None:
    return value[:200] if isinstance(value, str) and value else None


def _quote(value: Any) -> Quote | None:
    if not isinstance(value, dict) or not isinstance(value.get("exact"), str):
        return None
    return Quote(_text(value["exact"]), _text(value.get("prefix")), _text(value.get("suffix")))


def _position(value: Any) -> Position | None:
    if not isinstance(value, dict):
        return None
    start, end = _int(value.get("start")), _int(value.get("end"))
    if start is None or end is None or not 0 <= start <= end:
        return None
    return Position(start, end)


def _rect(value: Any) -> Rect | None:
    if not isinstance(value, dict):
        return None
    numbers = [value.get(k) for k in ("x", "y", "w", "h")]
    if not all(isinstance(n, int | float) and not isinstance(n, bool) for n in numbers):
        return None
    x, y, w, h = (float(n) for n in numbers)  # type: ignore[arg-type]
    if not all(math.isfinite(n) for n in (x, y, w, h)):
        return None
    if not (0 <= x <= 1 and 0 <= y <= 1 and 0 <= w <= 1 - x + 1e-9 and 0 <= h <= 1 - y + 1e-9):
        return None
    return Rect(x, y, w, h)


def iso_created(value: Any) -> str | None:
    """ISO 8601 in UTC; a browser may also write epoch milliseconds (`Date.now()`)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        try:
            return datetime.fromtimestamp(value / 1000, UTC).isoformat().replace("+00:00", "Z")
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return None

"""W3C Web Annotation (JSON-LD) for the annotations of a room, both ways.

Export: an `AnnotationCollection` whose items target a book page with three selectors, a
`TextQuoteSelector`, a `TextPositionSelector` and a `FragmentSelector`
(`xywh=percent:x,y,w,h`, Media Fragments) for the rectangle; the colour travels as a CSS
stylesheet and `styleClass`, as the model prescribes. Import accepts one annotation, a list,
an `AnnotationPage` or an `AnnotationCollection` with embedded pages.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sync.annotations import MAX_TEXT, Annotation, Position, Quote, Rect, iso_created
from sync.errors import InvalidAnnotation

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
MEDIA_FRAGMENTS = "http://www.w3.org/TR/media-frags/"
MAX_IMPORT = 5000

_MOTIVATION = {"highlight": "highlighting", "note": "commenting", "bookmark": "bookmarking"}
_KIND = {motivation: kind for kind, motivation in _MOTIVATION.items()}
_PAGE_SOURCE = re.compile(r"/books/([A-Za-z0-9._~-]{1,200})/pages/([0-9]{1,7})(?:[/.?#]|$)")
_PERCENT = re.compile(r"^xywh=percent:([0-9.eE+-]+),([0-9.eE+-]+),([0-9.eE+-]+),([0-9.eE+-]+)$")
_COLOR = re.compile(r"(?:background-)?color\s*:\s*(#[0-9A-Fa-f]{3,8}|[A-Za-z]{3,20})")
_LOCAL_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
_STYLE_CLASS = "readingroom-color"


def page_source(base_url: str, book: str, page: int) -> str:
    return f"{base_url}/api/v1/books/{book}/pages/{page}"


def export_collection(
    annotations: Iterable[Annotation], *, base_url: str, room: str, label: str
) -> dict[str, Any]:
    collection = f"{base_url}/api/v1/rooms/{room}/annotations"
    items = [export_annotation(a, base_url=base_url, room=room) for a in annotations]
    return {
        "@context": CONTEXT,
        "id": collection,
        "type": "AnnotationCollection",
        "label": label,
        "total": len(items),
        "first": {
            "id": f"{collection}?page=0",
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": items,
        },
    }


def export_annotation(annotation: Annotation, *, base_url: str, room: str) -> dict[str, Any]:
    a = annotation
    selectors: list[dict[str, Any]] = []
    if a.quote is not None:
        quote: dict[str, Any] = {"type": "TextQuoteSelector", "exact": a.quote.exact}
        if a.quote.prefix:
            quote["prefix"] = a.quote.prefix
        if a.quote.suffix:
            quote["suffix"] = a.quote.suffix
        selectors.append(quote)
    if a.position is not None:
        selectors.append(
            {"type": "TextPositionSelector", "start": a.position.start, "end": a.position.end}
        )
    if a.rect is not None:
        r = a.rect
        xywh = ",".join(_percent(v) for v in (r.x, r.y, r.w, r.h))
        selectors.append(
            {
                "type": "FragmentSelector",
                "conformsTo": MEDIA_FRAGMENTS,
                "value": f"xywh=percent:{xywh}",
            }
        )
    target: dict[str, Any] = {"source": page_source(base_url, a.book, a.page)}
    if selectors:
        target["selector"] = selectors
    out: dict[str, Any] = {
        "@context": CONTEXT,
        "id": f"{base_url}/api/v1/rooms/{room}/annotations/{a.id}",
        "type": "Annotation",
        "motivation": _MOTIVATION[a.kind],
    }
    if a.created:
        out["created"] = a.created
    if a.creator:
        out["creator"] = {"id": f"{base_url}/api/v1/users/{a.creator}", "type": "Person"}
    if a.body:
        out["body"] = {
            "type": "TextualBody",
            "value": a.body,
            "format": "text/plain",
            "purpose": "commenting",
        }
    if a.color:
        out["stylesheet"] = {
            "type": "CssStylesheet",
            "value": f".{_STYLE_CLASS} {{ background-color: {a.color}; }}",
        }
        target["styleClass"] = _STYLE_CLASS
    out["target"] = target
    return out


def _percent(value: float) -> str:
    text = f"{value * 100:.4f}".rstrip("0").rstrip(".")
    return text or "0"


# Import


def annotations_in(payload: Any) -> list[dict[str, Any]]:
    """The annotation objects of whatever W3C container `payload` is."""
    if isinstance(payload, list):
        items = payload
    elif isinstance(payload, dict) and payload.get("type") == "AnnotationCollection":
        first = payload.get("first")
        items = first.get("items", []) if isinstance(first, dict) else payload.get("items", [])
    elif isinstance(payload, dict) and payload.get("type") == "AnnotationPage":
        items = payload.get("items", [])
    elif isinstance(payload, dict):
        items = [payload]
    else:
        raise InvalidAnnotation("expected an Annotation, a list, a page or a collection")
    if not isinstance(items, list):
        raise InvalidAnnotation("items must be a list")
    if len(items) > MAX_IMPORT:
        raise InvalidAnnotation(f"at most {MAX_IMPORT} annotations per request")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise InvalidAnnotation(f"item {index} is not an object")
    return items


def import_annotation(item: dict[str, Any], *, creator: str, index: int = 0) -> Annotation:
    """A W3C annotation -> the document model; `creator` is whoever imports it."""
    try:
        return _import(item, creator)
    except InvalidAnnotation as exc:
        raise InvalidAnnotation(f"item {index}: {exc}") from None


def _import(item: dict[str, Any], creator: str) -> Annotation:
    if item.get("type") not in ("Annotation", ["Annotation"]):
        raise InvalidAnnotation("type must be 'Annotation'")
    target = _first(item.get("target"))
    if isinstance(target, str):
        target = {"source": target}
    if not isinstance(target, dict):
        raise InvalidAnnotation("target must be an IRI or a SpecificResource")
    source = target.get("source", target.get("id"))
    match = _PAGE_SOURCE.search(source) if isinstance(source, str) else None
    if match is None:
        raise InvalidAnnotation("target.source must be a book page: .../books/{id}/pages/{n}")
    book, page = match.group(1), int(match.group(2))
    if page < 1:
        raise InvalidAnnotation("pages count from 1")
    quote, position, rect = _selectors(target.get("selector"))
    body = _body(item.get("body", item.get("bodyValue")))
    kind = _KIND.get(_first(item.get("motivation")) or "", "note" if body else "highlight")
    created = iso_created(item.get("created")) or datetime.now(UTC).isoformat().replace(
        "+00:00", "Z"
    )
    return Annotation(
        id=_local_id(item.get("id")),
        kind=kind,
        book=book,
        page=page,
        quote=quote,
        position=position,
        rect=rect,
        body=body,
        color=_color(item.get("stylesheet")),
        creator=creator,
        created=created,
    )


def _first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _local_id(w3c_id: Any) -> str:
    """Our own ids round-trip; a foreign IRI maps to a stable id, so importing twice
    updates instead of duplicating."""
    if not isinstance(w3c_id, str) or not w3c_id:
        return uuid.uuid4().hex
    tail = w3c_id.rstrip("/").rsplit("/", 1)[-1]
    if "/annotations/" in w3c_id and _LOCAL_ID.match(tail):
        return tail
    return hashlib.sha256(w3c_id.encode("utf-8", "replace")).hexdigest()[:32]


def _selectors(value: Any) -> tuple[Quote | None, Position | None, Rect | None]:
    selectors = value if isinstance(value, list) else [value] if value is not None else []
    quote = position = rect = None
    for selector in selectors:
        if not isinstance(selector, dict):
            raise InvalidAnnotation("a selector must be an object")
        kind = selector.get("type")
        if kind == "TextQuoteSelector":
            quote = _quote(selector)
        elif kind == "TextPositionSelector":
            position = _position(selector)
        elif kind == "FragmentSelector":
            rect = _fragment(selector.get("value"))
    return quote, position, rect


def _string(value: Any, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidAnnotation(f"{name} must be a string")
    if len(value) > MAX_TEXT:
        raise InvalidAnnotation(f"{name} is longer than {MAX_TEXT} characters")
    return value


def _quote(selector: dict[str, Any]) -> Quote:
    exact = _string(selector.get("exact"), "TextQuoteSelector.exact")
    if not exact:
        raise InvalidAnnotation("TextQuoteSelector needs 'exact'")
    return Quote(
        exact,
        _string(selector.get("prefix"), "TextQuoteSelector.prefix"),
        _string(selector.get("suffix"), "TextQuoteSelector.suffix"),
    )


def _position(selector: dict[str, Any]) -> Position:
    start, end = selector.get("start"), selector.get("end")
    valid = all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end))
    if not valid or not 0 <= start <= end:  # type: ignore[operator]
        raise InvalidAnnotation("TextPositionSelector needs integers 0 <= start <= end")
    return Position(int(start), int(end))  # type: ignore[arg-type]


def _fragment(value: Any) -> Rect:
    match = _PERCENT.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise InvalidAnnotation("FragmentSelector must be 'xywh=percent:x,y,w,h'")
    try:
        x, y, w, h = (float(g) / 100 for g in match.groups())
    except ValueError:
        raise InvalidAnnotation("FragmentSelector holds a number that is not one") from None
    inside = 0 <= x <= 1 and 0 <= y <= 1 and w >= 0 and h >= 0
    if not inside or x + w > 1.0001 or y + h > 1.0001:
        raise InvalidAnnotation("FragmentSelector rectangle must lie within the page")
    return Rect(x, y, min(w, 1 - x), min(h, 1 - y))


def _body(value: Any) -> str:
    if isinstance(value, list):
        texts = [_body(v) for v in value]
        return next((t for t in texts if t), "")
    if isinstance(value, str):
        return _string(value, "body")
    if isinstance(value, dict) and value.get("type") in ("TextualBody", None):
        return _string(value.get("value"), "body.value")
    return ""


def _color(stylesheet: Any) -> str | None:
    text = stylesheet.get("value") if isinstance(stylesheet, dict) else stylesheet
    match = _COLOR.search(text) if isinstance(text, str) else None
    return match.group(1) if match else None

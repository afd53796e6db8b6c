"""What the live session draws on a page, read from the layer documents: highlights and
notes (an annotation's rectangle in 0..1 of the page) and ink strokes (points in 0..1,
appended while someone draws), grouped by (book, page); and where the presenter leads.
Entries a client wrote in another shape are skipped, never fatal: a broken entry must not
take the pages away from everyone else."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from pycrdt import Doc, Map

Color = tuple[float, float, float, float]
PageKey = tuple[str, int]
HIGHLIGHT = (1.0, 0.85, 0.1, 0.38)
NOTE = (0.35, 0.65, 1.0, 0.38)
INK = (0.1, 0.15, 0.55, 1.0)
MAX_POINTS = 20_000


@dataclass(frozen=True, slots=True)
class Highlight:
    x: float
    y: float
    w: float
    h: float
    color: Color


@dataclass(frozen=True, slots=True, eq=False)
class Stroke:
    points: npt.NDArray[np.float32]  # (K, 2), u right and v down, 0..1 of the page
    color: Color
    width: float  # fraction of the page width


@dataclass(frozen=True, slots=True, eq=False)
class PageMarks:
    """Compared by identity: `MarksReader` keeps the object while the page is unchanged."""

    highlights: tuple[Highlight, ...] = ()
    strokes: tuple[Stroke, ...] = ()


@dataclass(frozen=True, slots=True)
class Lead:
    """The presenter layer's `session` map: who leads, and the book and page they are on."""

    leader: str | None = None
    book: str | None = None
    page: int | None = None
    follow: bool = False


@dataclass(slots=True)
class _Page:
    highlights: list[Highlight] = field(default_factory=list)
    strokes: list[Stroke] = field(default_factory=list)


def parse_color(value: Any, default: Color, alpha: float | None = None) -> Color:
    if isinstance(value, str) and value.startswith("#") and len(value) in (4, 7, 9):
        digits = value[1:]
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        try:
            parts = [int(digits[i : i + 2], 16) / 255 for i in range(0, len(digits), 2)]
        except ValueError:
            return default
        a = parts[3] if len(parts) == 4 else default[3]
        return (parts[0], parts[1], parts[2], a if alpha is None else alpha)
    return default


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _page_key(value: dict[str, Any]) -> PageKey | None:
    book, page = value.get("book"), _number(value.get("page"))
    if not isinstance(book, str) or not book or page is None or page < 1 or page != int(page):
        return None
    return book, int(page)


def _highlight(value: dict[str, Any]) -> Highlight | None:
    kind = value.get("type")
    if kind not in ("highlight", "note"):
        return None
    target = value.get("target") if isinstance(value.get("target"), dict) else value
    rect = target.get("rect") if isinstance(target, dict) else None
    if not isinstance(rect, dict):
        return None
    x, y, w, h = (_number(rect.get(k)) for k in ("x", "y", "w", "h"))
    if x is None or y is None or w is None or h is None or w <= 0 or h <= 0:
        return None
    x, y = min(max(x, 0.0), 1.0), min(max(y, 0.0), 1.0)
    w, h = min(w, 1.0 - x), min(h, 1.0 - y)
    base = HIGHLIGHT if kind == "highlight" else NOTE
    return Highlight(x, y, w, h, parse_color(value.get("color"), base, alpha=base[3]))


def _stroke(value: dict[str, Any]) -> Stroke | None:
    raw = value.get("points")
    if not isinstance(raw, list) or not raw:
        return None
    try:
        if all(isinstance(p, list | tuple) for p in raw):
            points = np.array([p[:2] for p in raw[:MAX_POINTS] if len(p) >= 2], dtype=np.float32)
        else:
            points = np.asarray(raw[: 2 * MAX_POINTS], dtype=np.float32)
            points = points[: len(points) // 2 * 2].reshape(-1, 2)
    except (TypeError, ValueError):
        return None
    if points.ndim != 2 or len(points) == 0 or not np.isfinite(points).all():
        return None
    width = _number(value.get("width"))
    width = min(max(width if width is not None else 0.004, 0.0005), 0.05)
    return Stroke(np.clip(points, 0.0, 1.0), parse_color(value.get("color"), INK), width)


def _entries(doc: Doc[Any], name: str) -> list[Any]:
    try:
        return [v.to_py() if hasattr(v, "to_py") else v for v in doc.get(name, type=Map).values()]
    except Exception:  # the root exists with another type: nothing of ours there
        return []


def _group(docs: Iterable[Doc[Any]]) -> dict[PageKey, list[tuple[str, dict[str, Any]]]]:
    pages: dict[PageKey, list[tuple[str, dict[str, Any]]]] = {}
    for doc in docs:
        for kind in ("annotations", "strokes"):
            for value in _entries(doc, kind):
                if isinstance(value, dict) and (key := _page_key(value)) is not None:
                    pages.setdefault(key, []).append((kind, value))
    return pages


def _page_marks(entries: list[tuple[str, dict[str, Any]]]) -> PageMarks:
    page = _Page()
    for kind, value in entries:
        if kind == "annotations":
            if (mark := _highlight(value)) is not None:
                page.highlights.append(mark)
        elif (stroke := _stroke(value)) is not None:
            page.strokes.append(stroke)
    return PageMarks(tuple(page.highlights), tuple(page.strokes))


class MarksReader:
    """Reads the marks of every page, keeping the same `PageMarks` object for a page whose
    entries did not change, so the frame loop redraws a page only when it has to."""

    def __init__(self) -> None:
        self._pages: dict[PageKey, tuple[list[tuple[str, dict[str, Any]]], PageMarks]] = {}

    def read(self, docs: Iterable[Doc[Any]]) -> dict[PageKey, PageMarks]:
        fresh = {}
        for key, entries in _group(docs).items():
            known = self._pages.get(key)
            marks = known[1] if known is not None and known[0] == entries else _page_marks(entries)
            fresh[key] = (entries, marks)
        self._pages = fresh
        return {key: marks for key, (_, marks) in fresh.items()}


def read_lead(doc: Doc[Any]) -> Lead:
    try:
        session = doc.get("session", type=Map).to_py() or {}
    except Exception:
        return Lead()
    leader, book, page = session.get("leader"), session.get("book"), _number(session.get("page"))
    return Lead(
        leader=leader if isinstance(leader, str) else None,
        book=book if isinstance(book, str) and book else None,
        page=int(page) if page is not None and page >= 1 else None,
        follow=session.get("follow") is True,
    )

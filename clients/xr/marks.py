"""What the live session draws on a page, read from the layer documents: highlights and
notes (an annotation's rectangle in 0..1 of the page) and ink strokes (points in 0..1,
appended while someone draws), grouped by (book, page); and where the presenter leads.
Entries a client wrote in another shape are skipped, never fatal: a broken entry must not
take the pages away from everyone else."""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from pycrdt import Array, Doc, Map

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
    raw = raw[: 2 * MAX_POINTS]
    try:
        points = np.asarray(raw, dtype=np.float32)  # [[x, y, pressure], ...] or flat
    except (TypeError, ValueError):  # ragged: points of mixed lengths
        try:
            points = np.array(
                [p[:2] for p in raw if isinstance(p, list) and len(p) >= 2], np.float32
            )
        except (TypeError, ValueError):
            return None
    if points.ndim == 1:
        points = points[: len(points) // 2 * 2].reshape(-1, 2)
    if points.ndim != 2 or points.shape[1] < 2 or len(points) == 0:
        return None
    points = points[:MAX_POINTS, :2]
    if not np.isfinite(points).all():
        return None
    width = _number(value.get("width"))
    width = min(max(width if width is not None else 0.004, 0.0005), 0.05)
    return Stroke(np.clip(points, 0.0, 1.0), parse_color(value.get("color"), INK), width)


EntryId = tuple[str, str, str]  # (layer, "annotations" | "strokes", key)
KINDS = ("annotations", "strokes")


def _plain(value: Any) -> Any:
    """A map entry as plain JSON: nested Y types go through their JSON text (pycrdt makes
    it in Rust, several times faster than walking them from Python)."""
    if isinstance(value, Map | Array):
        return json.loads(str(value))
    return value


def _parse(kind: str, value: Any) -> tuple[PageKey, Highlight | Stroke] | None:
    if not isinstance(value, dict) or (key := _page_key(value)) is None:
        return None
    mark = _highlight(value) if kind == "annotations" else _stroke(value)
    return (key, mark) if mark is not None else None


def _root_map(doc: Doc[Any], name: str) -> Map[Any] | None:
    try:
        root: Map[Any] = doc.get(name, type=Map)
    except Exception:  # the root exists with another type: nothing of ours there
        return None
    return root


class MarksReader:
    """The marks of every page of some layer documents, kept up to date incrementally:
    only entries that changed since the last `read` are parsed again (an ink stroke
    being drawn changes 60 times a second; the other entries stay as they were), and a
    page whose entries did not change keeps the same `PageMarks` object, so the frame loop
    redraws a page only when it has to. Used on the thread that owns the documents."""

    def __init__(self, docs: dict[str, Doc[Any]]) -> None:
        self._maps: dict[tuple[str, str], Map[Any]] = {}
        self._subscriptions = []
        for layer, doc in docs.items():
            for kind in KINDS:
                entries = _root_map(doc, kind)
                if entries is None:
                    continue
                self._maps[(layer, kind)] = entries
                self._subscriptions.append(
                    entries.observe_deep(functools.partial(self._changed, layer, kind))
                )
        self._dirty: set[EntryId] = set()
        self._everything = True
        self._entries: dict[EntryId, tuple[PageKey, Highlight | Stroke]] = {}
        self._by_page: dict[PageKey, set[EntryId]] = {}
        self._marks: dict[PageKey, PageMarks] = {}

    def _changed(self, layer: str, kind: str, events: list[Any]) -> None:
        for event in events:
            path = event.path
            if path:
                self._dirty.add((layer, kind, str(path[0])))
            else:
                self._dirty.update((layer, kind, str(key)) for key in event.keys)

    def read(self) -> dict[PageKey, PageMarks]:
        dirty, self._dirty = self._dirty, set()
        if self._everything:
            self._everything = False
            dirty |= {
                (layer, kind, str(key))
                for (layer, kind), entries in self._maps.items()
                for key in entries.keys()  # noqa: SIM118 (a Y map, not a dict)
            }
        touched: set[PageKey] = set()
        for entry in dirty:
            old = self._entries.pop(entry, None)
            if old is not None:
                touched.add(old[0])
                self._by_page[old[0]].discard(entry)
            layer, kind, key = entry
            value = self._maps[(layer, kind)].get(key)
            parsed = _parse(kind, _plain(value)) if value is not None else None
            if parsed is not None:
                self._entries[entry] = parsed
                self._by_page.setdefault(parsed[0], set()).add(entry)
                touched.add(parsed[0])
        for page in touched:
            members = sorted(self._by_page.get(page, ()))
            if not members:
                self._by_page.pop(page, None)
                self._marks.pop(page, None)
                continue
            marks = [self._entries[m][1] for m in members]
            self._marks[page] = PageMarks(
                tuple(m for m in marks if isinstance(m, Highlight)),
                tuple(m for m in marks if isinstance(m, Stroke)),
            )
        return dict(self._marks)


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

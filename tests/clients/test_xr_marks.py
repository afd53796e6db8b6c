"""What the viewer draws from a layer document: highlights and notes by their rectangle,
ink strokes by their points (nested Y types as the browser writes them, or plain JSON),
the presenter's lead; entries in other shapes are skipped, not fatal."""

from __future__ import annotations

from typing import Any

import numpy as np
from pycrdt import Array, Doc, Map

from clients.xr.marks import HIGHLIGHT, INK, MarksReader, parse_color, read_lead
from clients.xr.overlays import highlight_geometry, stroke_ribbon


def doc_with(annotations: dict[str, object], strokes: dict[str, object]) -> Doc[Any]:
    doc: Doc[Any] = Doc()
    a = doc.get("annotations", type=Map)
    s = doc.get("strokes", type=Map)
    for key, value in annotations.items():
        a[key] = value
    for key, value in strokes.items():
        s[key] = value
    return doc


def test_highlights_strokes_and_junk() -> None:
    doc = doc_with(
        {
            "h": {
                "type": "highlight",
                "book": "b",
                "page": 2,
                "target": {"rect": {"x": 0.1, "y": 0.2, "w": 0.3, "h": 0.05}},
                "color": "#ff0000",
            },
            "n": {
                "type": "note",
                "book": "b",
                "page": 2,
                "rect": {"x": 0.9, "y": 0.9, "w": 0.5, "h": 0.5},
            },
            "bm": {"type": "bookmark", "book": "b", "page": 2},
            "bad-page": {
                "type": "highlight",
                "book": "b",
                "page": 0,
                "target": {"rect": {"x": 0, "y": 0, "w": 1, "h": 1}},
            },
            "bad-rect": {
                "type": "highlight",
                "book": "b",
                "page": 2,
                "target": {"rect": {"x": "a"}},
            },
            "junk": "not an object",
        },
        {
            "flat": {"book": "b", "page": 2, "points": [0.1, 0.1, 0.2, 0.2], "width": 0.01},
            "nested": Map(
                {"book": "b", "page": 3, "points": Array([[0.5, 0.5, 1.0], [0.6, 0.6, 1.0]])}
            ),
            "nan": {"book": "b", "page": 2, "points": [[float("nan"), 0.1]]},
            "empty": {"book": "b", "page": 2, "points": []},
        },
    )
    marks = MarksReader({"shared": doc}).read()
    page2, page3 = marks[("b", 2)], marks[("b", 3)]
    assert len(page2.highlights) == 2 and len(page2.strokes) == 1
    red = (
        page2.highlights[0]
        if page2.highlights[0].color[:3] == (1.0, 0.0, 0.0)
        else page2.highlights[1]
    )
    assert red.color == (1.0, 0.0, 0.0, HIGHLIGHT[3])
    note = next(h for h in page2.highlights if h is not red)
    assert abs(note.w - 0.1) < 1e-9 and abs(note.h - 0.1) < 1e-9  # clipped to the page
    assert page3.strokes[0].color == INK
    assert np.allclose(page3.strokes[0].points, [[0.5, 0.5], [0.6, 0.6]])


def test_unchanged_pages_keep_their_marks_object() -> None:
    doc = doc_with(
        {},
        {
            "s1": {"book": "b", "page": 1, "points": [[0.1, 0.1]]},
            "s2": {"book": "b", "page": 2, "points": [[0.1, 0.1]]},
        },
    )
    reader = MarksReader({"shared": doc})
    first = reader.read()
    strokes = doc.get("strokes", type=Map)
    strokes["s3"] = {"book": "b", "page": 2, "points": [[0.2, 0.2]]}
    second = reader.read()
    assert second[("b", 1)] is first[("b", 1)]
    assert second[("b", 2)] is not first[("b", 2)]
    assert len(second[("b", 2)].strokes) == 2
    # A stroke moved to another page leaves the old one; a deleted one is gone.
    strokes["s3"] = {"book": "b", "page": 1, "points": [[0.2, 0.2]]}
    del strokes["s2"]
    third = reader.read()
    assert ("b", 2) not in third and len(third[("b", 1)].strokes) == 2


def test_points_appended_to_a_nested_stroke_are_read_again() -> None:
    doc = doc_with({}, {})
    points: Array[list[float]] = Array()
    doc.get("strokes", type=Map)["live"] = Map({"book": "b", "page": 4, "points": points})
    reader = MarksReader({"shared": doc})
    points.append([0.1, 0.1, 1.0])
    assert len(reader.read()[("b", 4)].strokes[0].points) == 1
    points.extend([[0.2, 0.2, 1.0], [0.3, 0.3, 1.0]])
    assert len(reader.read()[("b", 4)].strokes[0].points) == 3


def test_geometry_of_marks() -> None:
    doc = doc_with(
        {
            "h": {
                "type": "highlight",
                "book": "b",
                "page": 1,
                "target": {"rect": {"x": 0.1, "y": 0.2, "w": 0.3, "h": 0.1}},
            }
        },
        {
            "s": {
                "book": "b",
                "page": 1,
                "points": [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5]],
                "width": 0.02,
            },
            "dot": {"book": "b", "page": 1, "points": [[0.7, 0.7]]},
        },
    )
    marks = MarksReader({"shared": doc}).read()[("b", 1)]
    positions, colors = highlight_geometry(marks)
    assert positions.shape == (4, 3) and colors.shape == (4, 4)
    assert np.allclose(positions[:, :2].min(axis=0), [0.1, 0.2]) and np.allclose(
        positions[:, :2].max(axis=0), [0.4, 0.3]
    )
    ribbons = [stroke_ribbon(s, 0.15, 0.21) for s in marks.strokes]
    positions = np.concatenate([p for p, _ in ribbons])
    colors = np.concatenate([c for _, c in ribbons])
    assert positions.shape == (12, 3)  # 2 segments + 1 dot, a quad each
    assert colors.shape == (12, 4) and colors.dtype == np.uint8
    # The first segment runs along u: its ribbon is the stroke's width (of the page width) tall.
    quads = positions.reshape(-1, 4, 3)
    first = next(q for q in quads if abs(q[:, 1].mean() - 0.1) < 1e-3 and q[:, 0].max() > 0.4)
    assert abs((first[:, 1].max() - first[:, 1].min()) * 0.21 - 0.02 * 0.15) < 1e-6


def test_lead() -> None:
    doc: Doc[Any] = Doc()
    session = doc.get("session", type=Map)
    assert read_lead(doc).follow is False
    session["leader"] = "t.wang"
    session["book"] = "b"
    session["page"] = 12
    session["follow"] = True
    lead = read_lead(doc)
    assert (lead.leader, lead.book, lead.page, lead.follow) == ("t.wang", "b", 12, True)


def test_colors() -> None:
    assert parse_color("#f00", INK) == (1.0, 0.0, 0.0, 1.0)
    assert parse_color("#00000080", INK)[3] == 128 / 255
    assert parse_color("red", INK) == INK
    assert parse_color("#zzzzzz", INK) == INK

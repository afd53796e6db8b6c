"""Vector figures drawn straight onto a PDF page: charts, timelines and diagrams made of
lines, rectangles and curves (no images), so they stay sharp at any zoom in a headset and
show up in `page.get_drawings()`."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

import numpy as np
import pymupdf

from experience_server.demo.topics import Figure

INK = (0.15, 0.15, 0.2)
GRID = (0.75, 0.75, 0.8)
PALETTE = (
    (0.22, 0.42, 0.69),
    (0.85, 0.45, 0.2),
    (0.3, 0.6, 0.35),
    (0.6, 0.3, 0.6),
    (0.8, 0.7, 0.2),
    (0.4, 0.6, 0.8),
)
CAPTION_HEIGHT = 22.0
LABEL_SIZE = 7.5


class _Canvas:
    """One figure's drawing surface: a shape for vector strokes, a writer for labels."""

    def __init__(self, page: pymupdf.Page, rect: pymupdf.Rect, font: pymupdf.Font) -> None:
        self.rect = rect
        self.shape = page.new_shape()
        self.writer = pymupdf.TextWriter(page.rect)
        self.font = font

    def label(
        self, x: float, y: float, text: str, *, size: float = LABEL_SIZE, anchor: str = "center"
    ) -> None:
        width = self.font.text_length(text, fontsize=size)
        offset = {"center": width / 2, "right": width, "left": 0.0}[anchor]
        self.writer.append((x - offset, y), text, font=self.font, fontsize=size)

    def line(
        self,
        a: tuple[float, float],
        b: tuple[float, float],
        *,
        color: Sequence[float] = INK,
        width: float = 0.8,
    ) -> None:
        self.shape.draw_line(a, b)
        self.shape.finish(color=color, width=width)

    def arrow(
        self,
        a: tuple[float, float],
        b: tuple[float, float],
        *,
        color: Sequence[float] = INK,
        width: float = 1.0,
    ) -> None:
        self.line(a, b, color=color, width=width)
        angle = math.atan2(b[1] - a[1], b[0] - a[0])
        head = [
            b,
            *(
                (b[0] - 6 * math.cos(angle + s), b[1] - 6 * math.sin(angle + s))
                for s in (0.4, -0.4)
            ),
        ]
        self.shape.draw_polyline(head)
        self.shape.finish(color=color, fill=color, width=0.5, closePath=True)

    def axes(self, box: pymupdf.Rect) -> None:
        self.arrow((box.x0, box.y1), (box.x1 + 4, box.y1), width=0.7)
        self.arrow((box.x0, box.y1), (box.x0, box.y0 - 4), width=0.7)

    def commit(self, page: pymupdf.Page) -> None:
        self.shape.commit()
        self.writer.write_text(page, color=INK)


Drawer = Callable[[_Canvas, Figure, random.Random], None]


def draw_figure(
    page: pymupdf.Page,
    rect: pymupdf.Rect,
    figure: Figure,
    caption: str,
    font: pymupdf.Font,
    rng: random.Random,
) -> None:
    """Draw `figure` into `rect` on `page`, its caption centred underneath."""
    plot = pymupdf.Rect(rect.x0, rect.y0, rect.x1, rect.y1 - CAPTION_HEIGHT)
    canvas = _Canvas(page, plot, font)
    _DRAWERS[figure.kind](canvas, figure, rng)
    caption_box = pymupdf.Rect(rect.x0, rect.y1 - CAPTION_HEIGHT + 4, rect.x1, rect.y1 + 6)
    size = 8.5
    while font.text_length(caption, fontsize=size) > caption_box.width and size > 6:
        size -= 0.5
    canvas.writer.fill_textbox(caption_box, caption, font=font, fontsize=size, align=1)
    canvas.commit(page)


def _inner(canvas: _Canvas) -> pymupdf.Rect:
    r = canvas.rect
    return pymupdf.Rect(r.x0 + 30, r.y0 + 10, r.x1 - 20, r.y1 - 18)


def _bar(canvas: _Canvas, figure: Figure, rng: random.Random) -> None:
    box = _inner(canvas)
    labels = figure.labels
    values = sorted((rng.uniform(0.2, 1.0) for _ in labels), reverse=rng.random() < 0.4)
    for y in (0.25, 0.5, 0.75, 1.0):
        level = box.y1 - y * box.height
        canvas.line((box.x0, level), (box.x1, level), color=GRID, width=0.4)
        canvas.label(box.x0 - 4, level + 2.5, f"{round(y * 100)}", anchor="right")
    step = box.width / len(labels)
    for i, (name, value) in enumerate(zip(labels, values, strict=True)):
        x0 = box.x0 + i * step + step * 0.18
        bar = pymupdf.Rect(x0, box.y1 - value * box.height, x0 + step * 0.64, box.y1)
        canvas.shape.draw_rect(bar)
        canvas.shape.finish(color=INK, fill=PALETTE[i % len(PALETTE)], width=0.4)
        canvas.label(bar.x0 + bar.width / 2, box.y1 + 10, name)
    canvas.axes(box)


def _curve(kind: str, x: np.ndarray) -> np.ndarray:
    curves: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "parabola": lambda t: t**2,
        "sine": np.sin,
        "normal": lambda t: np.exp(-(t**2) / 2) / math.sqrt(2 * math.pi),
        "projectile": lambda t: t * (1 - t),
        "damped": lambda t: np.exp(-0.35 * t) * np.cos(2.2 * t),
        "zipf": lambda t: 1.0 / t,
        "fit": lambda t: 0.6 * t + 1.0,
    }
    return curves[kind](x)


_DOMAINS = {
    "parabola": (-2.0, 2.0),
    "sine": (0.0, 2 * math.pi),
    "normal": (-3.5, 3.5),
    "projectile": (0.0, 1.0),
    "damped": (0.0, 10.0),
    "zipf": (1.0, 20.0),
    "fit": (0.0, 10.0),
}


def _line(canvas: _Canvas, figure: Figure, rng: random.Random) -> None:
    box = _inner(canvas)
    kind = figure.labels[0]
    lo, hi = _DOMAINS[kind]
    x = np.linspace(lo, hi, 120)
    y = _curve(kind, x)
    y_lo, y_hi = float(min(y.min(), 0.0)), float(y.max())
    if kind == "fit":
        y_hi += 1.0

    def to_page(xs: np.ndarray, ys: np.ndarray) -> list[tuple[float, float]]:
        px = box.x0 + (xs - lo) / (hi - lo) * box.width
        py = box.y1 - (ys - y_lo) / (y_hi - y_lo) * box.height
        return [(float(a), float(b)) for a, b in np.column_stack((px, py))]

    for frac in (0.25, 0.5, 0.75):
        level = box.y1 - frac * box.height
        canvas.line((box.x0, level), (box.x1, level), color=GRID, width=0.3)
    if y_lo < 0:
        zero = to_page(np.array([lo, hi]), np.zeros(2))
        canvas.line(zero[0], zero[1], color=GRID, width=0.6)
    if kind in ("zipf", "fit"):
        xs = np.linspace(lo, hi, 14)
        ys = _curve(kind, xs) + np.array([rng.uniform(-0.4, 0.4) for _ in xs]) * (
            0.08 if kind == "zipf" else 1.0
        )
        for px, py in to_page(xs, ys):
            canvas.shape.draw_circle((px, py), 1.8)
            canvas.shape.finish(color=INK, fill=PALETTE[1], width=0.3)
    canvas.shape.draw_polyline(to_page(x, y))
    canvas.shape.finish(color=PALETTE[0], width=1.4, closePath=False)
    if kind == "parabola":
        tangent = to_page(np.array([0.5, 2.0]), np.array([0.0, 3.0]))  # y = 2x - 1
        canvas.line(tangent[0], tangent[1], color=PALETTE[1], width=1.0)
    if kind == "sine":
        shifted = to_page(x, 0.6 * np.sin(x + 1.1))
        canvas.shape.draw_polyline(shifted)
        canvas.shape.finish(color=PALETTE[2], width=1.0, closePath=False, dashes="[3 2] 0")
    canvas.label(box.x1, box.y1 + 12, "x", anchor="right")
    canvas.label(box.x0 - 6, box.y0 + 4, "y", anchor="right")
    canvas.label(box.x0, box.y1 + 12, f"{lo:g}")
    canvas.label(box.x1 - 10, box.y1 + 12, f"{hi:.3g}")
    canvas.axes(box)


def _timeline(canvas: _Canvas, figure: Figure, rng: random.Random) -> None:
    box = _inner(canvas)
    mid = box.y0 + box.height / 2
    first, last = min(figure.years), max(figure.years)
    span = max(last - first, 1)
    canvas.arrow((box.x0 - 10, mid), (box.x1 + 10, mid), width=1.2)
    for i, (year, text) in enumerate(zip(figure.years, figure.labels, strict=True)):
        x = box.x0 + (year - first) / span * box.width + (i * 3 if year == first else 0)
        up = i % 2 == 0
        tip = mid - 18 if up else mid + 18
        canvas.line((x, mid), (x, tip), width=0.6)
        canvas.shape.draw_circle((x, mid), 3)
        canvas.shape.finish(color=INK, fill=PALETTE[i % len(PALETTE)], width=0.5)
        shown = f"{-year} BC" if year < 0 else str(year)
        canvas.label(x, tip - 10 if up else tip + 9, shown, size=LABEL_SIZE + 0.5)
        canvas.label(x, tip - 2 if up else tip + 17, text)


def _network(canvas: _Canvas, figure: Figure, rng: random.Random) -> None:
    box = _inner(canvas)
    n = len(figure.labels)
    cx, cy = box.x0 + box.width / 2, box.y0 + box.height / 2
    rx, ry = box.width / 2 - 20, box.height / 2 - 8
    angles = np.linspace(-math.pi / 2, 1.5 * math.pi, n, endpoint=False)
    points = [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in angles.tolist()]
    edges = {(i, (i + 1) % n) for i in range(n)}
    edges |= {(0, j) for j in range(2, n - 1)}
    for _ in range(n // 2):
        a, b = sorted(rng.sample(range(n), 2))
        edges.add((a, b))
    for i, j in sorted(edges):
        canvas.line(points[i], points[j], color=GRID, width=rng.choice((0.6, 1.0, 1.6)))
    for i, (point, name) in enumerate(zip(points, figure.labels, strict=True)):
        radius = 9.0 if i == 0 else 6.5
        canvas.shape.draw_circle(point, radius)
        canvas.shape.finish(color=INK, fill=PALETTE[i % len(PALETTE)], width=0.6)
        below = point[1] >= cy
        canvas.label(point[0], point[1] + (radius + 9 if below else -radius - 3), name)


def _tree(canvas: _Canvas, figure: Figure, rng: random.Random) -> None:
    box = _inner(canvas)
    root, rest = figure.labels[0], figure.labels[1:]
    branches = 3 if len(rest) >= 6 else 2
    middle, leaves = rest[:branches], rest[branches:]
    levels = (box.y0 + 8, box.y0 + box.height / 2, box.y1 - 6)

    room = box.width / max(len(leaves), branches) - 4  # widest a box may be

    def node(x: float, y: float, text: str) -> None:
        size = LABEL_SIZE
        while canvas.font.text_length(text, fontsize=size) + 6 > room and size > 4.5:
            size -= 0.5
        width = max(canvas.font.text_length(text, fontsize=size) + 6, 22)
        canvas.shape.draw_rect(pymupdf.Rect(x - width / 2, y - 9, x + width / 2, y + 5))
        canvas.shape.finish(color=INK, fill=(0.93, 0.94, 0.98), width=0.6)
        canvas.label(x, y, text, size=size)

    top = (box.x0 + box.width / 2, levels[0])
    mids = [(box.x0 + (i + 0.5) * box.width / branches, levels[1]) for i in range(branches)]
    leaf_xs = [box.x0 + (i + 0.5) * box.width / max(len(leaves), 1) for i in range(len(leaves))]
    for m in mids:
        canvas.line((top[0], top[1] + 5), (m[0], m[1] - 9))
    for i, x in enumerate(leaf_xs):
        parent = mids[min(i * branches // max(len(leaves), 1), branches - 1)]
        canvas.line((parent[0], parent[1] + 5), (x, levels[2] - 9))
    node(*top, root)
    for m, text in zip(mids, middle, strict=True):
        node(*m, text)
    for x, text in zip(leaf_xs, leaves, strict=True):
        node(x, levels[2], text)


def _flow(canvas: _Canvas, figure: Figure, rng: random.Random) -> None:
    box = _inner(canvas)
    n = len(figure.labels)
    gap = 14.0
    width = (box.width - gap * (n - 1)) / n
    mid = box.y0 + box.height / 2
    for i, text in enumerate(figure.labels):
        x0 = box.x0 + i * (width + gap)
        cell = pymupdf.Rect(x0, mid - 16, x0 + width, mid + 16)
        canvas.shape.draw_rect(cell, radius=0.2)
        canvas.shape.finish(color=INK, fill=PALETTE[i % len(PALETTE)], width=0.6, fill_opacity=0.35)
        size = LABEL_SIZE
        while canvas.font.text_length(text, fontsize=size) > width - 4 and size > 5:
            size -= 0.5
        canvas.label(x0 + width / 2, mid + 2.5, text, size=size)
        if i < n - 1:
            canvas.arrow((cell.x1 + 1, mid), (cell.x1 + gap - 1, mid))
    loop_y = mid + 30
    canvas.line((box.x0 + width / 2, mid + 16), (box.x0 + width / 2, loop_y), color=GRID)
    canvas.line((box.x0 + width / 2, loop_y), (box.x1 - width / 2, loop_y), color=GRID)
    canvas.line((box.x1 - width / 2, loop_y), (box.x1 - width / 2, mid + 16), color=GRID)


def _vectors(canvas: _Canvas, figure: Figure, rng: random.Random) -> None:
    box = _inner(canvas)
    origin = (box.x0 + box.width * 0.35, box.y0 + box.height * 0.62)
    ends: tuple[tuple[float, float], ...]
    if figure.labels[0] == "u":
        canvas.axes(box)
        u = (origin[0] + box.width * 0.3, origin[1] - box.height * 0.1)
        v = (origin[0] + box.width * 0.08, origin[1] - box.height * 0.45)
        total = (u[0] + v[0] - origin[0], u[1] + v[1] - origin[1])
        canvas.line(u, total, color=GRID)
        canvas.line(v, total, color=GRID)
        ends = (u, v, total)
    else:
        top, foot = (box.x0, box.y0 + 20), (box.x1, box.y1)
        canvas.shape.draw_polyline([(box.x0, box.y1), foot, top])
        canvas.shape.finish(color=INK, fill=(0.9, 0.9, 0.92), width=0.6, closePath=True)
        run = np.array([foot[0] - top[0], foot[1] - top[1]])
        down = run / np.linalg.norm(run)
        normal = np.array([down[1], -down[0]])  # perpendicular, pointing away from the slope
        on_slope = np.array(top) + 0.45 * run
        block = [
            on_slope + a * down * 14 + b * normal * 18
            for a, b in ((-1, 0), (1, 0), (1, 1), (-1, 1))
        ]
        canvas.shape.draw_polyline([(float(p[0]), float(p[1])) for p in block])
        canvas.shape.finish(color=INK, fill=(0.85, 0.8, 0.7), width=0.6, closePath=True)
        centre = on_slope + normal * 9
        origin = (float(centre[0]), float(centre[1]))
        reach = box.height * 0.45
        targets = (
            centre + np.array([0.0, reach]),
            centre + normal * reach * 0.85,
            centre - down * reach * 0.6,
        )
        ends = tuple((float(p[0]), float(p[1])) for p in targets)
    for i, (end, name) in enumerate(zip(ends, figure.labels, strict=True)):
        canvas.arrow(origin, end, color=PALETTE[i], width=1.4)
        canvas.label(end[0] + 4, end[1] - 4, name, anchor="left")


_DRAWERS: Mapping[str, Drawer] = MappingProxyType(
    {
        "bar": _bar,
        "line": _line,
        "timeline": _timeline,
        "network": _network,
        "tree": _tree,
        "flow": _flow,
        "vectors": _vectors,
    }
)

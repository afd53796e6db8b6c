"""Where every selected book stands in a room: shelf ranges filled in library order,
with a report per range (matched, shown, did not fit) that librarians see."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scenes.placement import BookPlacement, RoomBooks
from scenes.shelving import book_frames, capacity_estimate, fill
from scenes.spines import book_sizes_mm
from scenes.template import RoomTemplate

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
NEAR_MAX = 400
NEAR_MIN = 120


@dataclass(frozen=True, slots=True)
class ShelfReport:
    id: str
    label: str
    matched: int
    selected: int
    placed: int
    capacity: int
    capped_at: int | None

    @property
    def overflow(self) -> int:
        return self.selected - self.placed

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "label": self.label,
            "matched": self.matched,
            "selected": self.selected,
            "placed": self.placed,
            "overflow": self.overflow,
            "capacity_estimate": self.capacity,
            "capped_at": self.capped_at,
        }

    def notices(self) -> list[str]:
        out = []
        if self.matched > self.selected:
            cap = f"{self.capped_at:,}" if self.capped_at else "its maximum"
            shown = (
                f"only the first {self.selected:,} in shelf order are shown"
                if self.selected
                else "none of them are shown"
            )
            out.append(
                f"shelf range {self.id!r}: the query matched {self.matched:,} books; a room "
                f"holds at most {cap} books, so {shown}"
            )
        if self.overflow:
            out.append(
                f"shelf range {self.id!r} holds {self.placed:,} of the {self.selected:,} books "
                f"selected; {self.overflow:,} do not fit on its shelves: add bays or shelves, "
                f"or narrow the query"
            )
        return out


@dataclass(frozen=True, slots=True)
class RoomLayout:
    """Arrays aligned by slot (one slot per book that stands in the room)."""

    placements: tuple[BookPlacement, ...]
    range_index: I64
    face: I64
    bay: I64
    level: I64
    position: I64
    centers: F64
    sizes_m: F64
    sizes_mm: F64
    along: F64
    out: F64
    oversize: npt.NDArray[np.bool_]
    reports: tuple[ShelfReport, ...]

    def __len__(self) -> int:
        return len(self.placements)

    def subset(self, index: I64) -> RoomLayout:
        return RoomLayout(
            tuple(self.placements[i] for i in index.tolist()),
            self.range_index[index],
            self.face[index],
            self.bay[index],
            self.level[index],
            self.position[index],
            self.centers[index],
            self.sizes_m[index],
            self.sizes_mm[index],
            self.along[index],
            self.out[index],
            self.oversize[index],
            self.reports,
        )


def _ints(parts: list[I64]) -> I64:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _floats(parts: list[F64]) -> F64:
    return np.concatenate(parts) if parts else np.zeros((0, 3))


def lay_out(template: RoomTemplate, books: RoomBooks) -> RoomLayout:
    placements: list[BookPlacement] = []
    ints: dict[str, list[I64]] = {k: [] for k in ("range", "face", "bay", "level", "position")}
    floats: dict[str, list[F64]] = {
        k: [] for k in ("centers", "sizes_m", "sizes_mm", "along", "out")
    }
    oversized: list[npt.NDArray[np.bool_]] = []
    reports = []
    for r, shelf in enumerate(template.shelf_ranges):
        selection = books.by_range.get(shelf.id)
        chosen = list(selection.placements) if selection else []
        sizes_mm = book_sizes_mm(chosen)
        slots = fill(shelf, (sizes_mm[:, 0] / 1000).tolist())
        placed = slots.line >= 0
        centers, sizes_m, along, out, oversize = book_frames(shelf, slots, sizes_mm / 1000)
        lines = slots.line[placed]
        first = np.searchsorted(lines, lines, side="left")
        ints["range"].append(np.full(len(lines), r, dtype=np.int64))
        for key in ("face", "bay", "level"):
            ints[key].append(
                np.array([getattr(ln, key) for ln in slots.lines], dtype=np.int64)[lines]
            )
        ints["position"].append(np.arange(len(lines), dtype=np.int64) - first)
        floats["centers"].append(centers)
        floats["sizes_m"].append(sizes_m)
        floats["sizes_mm"].append(sizes_mm[placed])
        floats["along"].append(along)
        floats["out"].append(out)
        oversized.append(oversize)
        placements.extend(p for p, ok in zip(chosen, placed.tolist(), strict=True) if ok)
        reports.append(
            ShelfReport(
                shelf.id,
                shelf.label,
                selection.matched if selection else 0,
                len(chosen),
                int(placed.sum()),
                capacity_estimate(shelf),
                selection.capped_at if selection else None,
            )
        )
    return RoomLayout(
        placements=tuple(placements),
        range_index=_ints(ints["range"]),
        face=_ints(ints["face"]),
        bay=_ints(ints["bay"]),
        level=_ints(ints["level"]),
        position=_ints(ints["position"]),
        centers=_floats(floats["centers"]),
        sizes_m=_floats(floats["sizes_m"]),
        sizes_mm=_floats(floats["sizes_mm"]),
        along=_floats(floats["along"]),
        out=_floats(floats["out"]),
        oversize=np.concatenate(oversized) if oversized else np.zeros(0, dtype=bool),
        reports=tuple(reports),
    )


def split_near(layout: RoomLayout, template: RoomTemplate, radius: float) -> dict[str, I64]:
    """Slots near the default spawn point load first; the rest follow. Both keep shelf
    order."""
    n = len(layout)
    if n == 0:
        return {}
    x, z = template.spawn_points[0].position
    dist = np.hypot(layout.centers[:, 0] - x, layout.centers[:, 2] - z)
    order = np.argsort(dist, kind="stable")
    within = int((dist <= radius).sum())
    keep = min(max(within, min(NEAR_MIN, n)), NEAR_MAX)
    near = np.zeros(n, dtype=bool)
    near[order[:keep]] = True
    chunks = {"near": np.flatnonzero(near), "rest": np.flatnonzero(~near)}
    return {name: idx for name, idx in chunks.items() if len(idx)}

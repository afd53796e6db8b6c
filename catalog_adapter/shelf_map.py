"""The reader map file (`READINGROOM_RFID_READERS`): which shelf each RFID reader antenna
watches, and where that shelf is on a floor plan, so a read becomes guidance a reader can
follow. JSON or TOML (by file suffix); the format is documented in docs/location.md."""

from __future__ import annotations

import json
import logging
import os
import threading
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

log = logging.getLogger("readingroom.location")

MAX_MAP_BYTES = 16 * 1024 * 1024

Ident = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128, pattern=r"^\S.*$")
]
Label = Annotated[str, StringConstraints(strip_whitespace=True, max_length=256)]


class ShelfMapError(Exception):
    """The reader map file is missing, unreadable or inconsistent; the message lists every
    problem with its place in the file."""


@dataclass(frozen=True, slots=True)
class FloorPlan:
    """A floor and the plan image a client draws the guidance point on (plan units)."""

    floor: str
    name: str
    image: str | None
    width: float | None
    height: float | None


@dataclass(frozen=True, slots=True)
class Place:
    """Where something stands: floor, range and shelf, and a point on the floor plan."""

    floor: str
    range: str | None
    shelf: str | None
    x: float | None
    y: float | None
    label: str


@dataclass(frozen=True, slots=True)
class ShelfMap:
    """Reader antennas and ILS location codes mapped to places; immutable once loaded."""

    antennas: Mapping[tuple[str, str], Place] = field(default_factory=dict)
    floors: Mapping[str, FloorPlan] = field(default_factory=dict)
    collections: Mapping[str, Place] = field(default_factory=dict)
    source: Path | None = None

    @property
    def readers(self) -> frozenset[str]:
        return frozenset(reader for reader, _ in self.antennas)

    def place(self, reader: str, antenna: str) -> Place | None:
        return self.antennas.get((reader, antenna))

    def problem(self, reader: str, antenna: str) -> tuple[str, str] | None:
        """(field, reason) when a read from this reader antenna cannot be placed."""
        if (reader, antenna) in self.antennas:
            return None
        if self.source is None:
            return "reader", (
                f"unknown reader {reader!r}: no reader map is configured (READINGROOM_RFID_READERS)"
            )
        if reader not in self.readers:
            return "reader", f"unknown reader {reader!r}: not in the reader map"
        return "antenna", f"unknown antenna {antenna!r} on reader {reader!r}: not in the reader map"


# -- the file format, validated at the edge ------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _FloorSpec(_Strict):
    id: Ident
    name: Label = ""
    plan: Annotated[str, StringConstraints(max_length=2048)] | None = None
    width: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    height: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None


class _AntennaSpec(_Strict):
    antenna: Ident | int
    shelf: Ident | int
    x: Annotated[float, Field(allow_inf_nan=False)]
    y: Annotated[float, Field(allow_inf_nan=False)]
    floor: Ident | int | None = None
    range: Ident | int | None = None
    label: Label = ""


class _ReaderSpec(_Strict):
    id: Ident
    floor: Ident | int | None = None
    range: Ident | int | None = None
    antennas: Annotated[list[_AntennaSpec], Field(min_length=1)]


class _CollectionSpec(_Strict):
    code: Ident
    floor: Ident | int
    range: Ident | int | None = None
    shelf: Ident | int | None = None
    x: Annotated[float, Field(allow_inf_nan=False)] | None = None
    y: Annotated[float, Field(allow_inf_nan=False)] | None = None
    label: Label = ""


class _MapSpec(_Strict):
    version: Literal[1]
    floors: list[_FloorSpec] = []
    readers: list[_ReaderSpec] = []
    collections: list[_CollectionSpec] = []


def _text(value: str | int | None) -> str | None:
    return None if value is None else str(value)


def default_label(
    floor: str, range_: str | None, shelf: str | None, floors: Mapping[str, FloorPlan]
) -> str:
    plan = floors.get(floor)
    parts = [plan.name if plan is not None and plan.name else f"floor {floor}"]
    if range_ is not None:
        parts.append(f"range {range_}")
    if shelf is not None:
        parts.append(f"shelf {shelf}")
    return ", ".join(parts)


class _Builder:
    """Turns a validated spec into a ShelfMap, collecting every cross-reference problem."""

    def __init__(self, spec: _MapSpec) -> None:
        self.spec = spec
        self.problems: list[str] = []
        self.floors: dict[str, FloorPlan] = {}

    def build(self, source: Path) -> ShelfMap:
        for i, floor in enumerate(self.spec.floors):
            if floor.id in self.floors:
                self.problems.append(f"floors[{i}]: floor {floor.id!r} is declared twice")
            if (floor.width is None) != (floor.height is None):
                self.problems.append(f"floors[{i}]: give both width and height, or neither")
            self.floors[floor.id] = FloorPlan(
                floor.id, floor.name, floor.plan, floor.width, floor.height
            )
        antennas = self._antennas()
        collections = self._collections()
        if self.problems:
            raise ShelfMapError(f"{source}: " + "; ".join(self.problems))
        return ShelfMap(
            antennas=antennas, floors=self.floors, collections=collections, source=source
        )

    def _antennas(self) -> dict[tuple[str, str], Place]:
        places: dict[tuple[str, str], Place] = {}
        seen_readers: set[str] = set()
        for r, reader in enumerate(self.spec.readers):
            if reader.id in seen_readers:
                self.problems.append(f"readers[{r}]: reader {reader.id!r} is declared twice")
            seen_readers.add(reader.id)
            for a, spec in enumerate(reader.antennas):
                where = f"readers[{r}].antennas[{a}]"
                key = (reader.id, str(spec.antenna))
                floor = _text(spec.floor if spec.floor is not None else reader.floor)
                range_ = _text(spec.range if spec.range is not None else reader.range)
                if key in places:
                    self.problems.append(f"{where}: antenna {key[1]!r} is declared twice")
                if floor is None:
                    self.problems.append(
                        f"{where}: floor is missing (set it on the antenna or its reader)"
                    )
                    continue
                if range_ is None:
                    self.problems.append(
                        f"{where}: range is missing (set it on the antenna or its reader)"
                    )
                    continue
                self._check_point(where, floor, spec.x, spec.y)
                shelf = str(spec.shelf)
                label = spec.label or default_label(floor, range_, shelf, self.floors)
                places[key] = Place(floor, range_, shelf, spec.x, spec.y, label)
        return places

    def _collections(self) -> dict[str, Place]:
        places: dict[str, Place] = {}
        for c, spec in enumerate(self.spec.collections):
            where = f"collections[{c}]"
            if spec.code in places:
                self.problems.append(f"{where}: location code {spec.code!r} is declared twice")
            if (spec.x is None) != (spec.y is None):
                self.problems.append(f"{where}: give both x and y, or neither")
            floor, range_, shelf = str(spec.floor), _text(spec.range), _text(spec.shelf)
            if spec.x is not None and spec.y is not None:
                self._check_point(where, floor, spec.x, spec.y)
            elif self.floors and floor not in self.floors:
                self.problems.append(f"{where}: floor {floor!r} is not declared in floors")
            label = spec.label or default_label(floor, range_, shelf, self.floors)
            places[spec.code] = Place(floor, range_, shelf, spec.x, spec.y, label)
        return places

    def _check_point(self, where: str, floor: str, x: float, y: float) -> None:
        if not self.floors:
            return
        plan = self.floors.get(floor)
        if plan is None:
            self.problems.append(f"{where}: floor {floor!r} is not declared in floors")
        elif (
            plan.width is not None
            and plan.height is not None
            and not (0 <= x <= plan.width and 0 <= y <= plan.height)
        ):
            self.problems.append(
                f"{where}: point ({x:g}, {y:g}) lies outside floor {floor!r}'s plan "
                f"(0..{plan.width:g} x 0..{plan.height:g})"
            )


def _parse(path: Path, data: bytes) -> Any:
    suffix = path.suffix.lower()
    try:
        if suffix == ".json":
            return json.loads(data)
        if suffix == ".toml":
            return tomllib.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ShelfMapError(f"{path}: not valid {suffix[1:].upper()}: {exc}") from None
    raise ShelfMapError(f"{path}: the reader map must be a .json or .toml file")


def _describe(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors(include_input=False):
        loc = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"])
        problems.append(f"{loc.lstrip('.') or 'file'}: {error['msg']}")
    return "; ".join(problems)


def load_shelf_map(path: Path) -> ShelfMap:
    """Read and check the whole file; a ShelfMapError names every problem found."""
    try:
        size = path.stat().st_size
        if size > MAX_MAP_BYTES:
            raise ShelfMapError(f"{path}: larger than {MAX_MAP_BYTES} bytes")
        data = path.read_bytes()
    except OSError as exc:
        raise ShelfMapError(f"{path}: cannot read the reader map: {exc.strerror}") from None
    raw = _parse(path, data)
    try:
        spec = _MapSpec.model_validate(raw)
    except ValidationError as exc:
        raise ShelfMapError(f"{path}: {_describe(exc)}") from None
    return _Builder(spec).build(path)


class ShelfMapSource:
    """The current map, reloaded when the file changes so librarians can add a shelf without a
    restart; a broken edit keeps the last good map (and is logged) instead of losing all."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._stamp: tuple[int, int] | None = None
        self._map = ShelfMap()
        self._reload_lock = threading.Lock()
        if path is not None:
            self._stamp = self._stat(path)
            self._map = load_shelf_map(path)

    @staticmethod
    def _stat(path: Path) -> tuple[int, int] | None:
        try:
            st = os.stat(path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def current(self) -> ShelfMap:
        """The map, reloaded when its file changed; safe from several threads at once."""
        if self._path is None:
            return self._map
        with self._reload_lock:
            return self._current_locked(self._path)

    def _current_locked(self, path: Path) -> ShelfMap:
        stamp = self._stat(path)
        if stamp is not None and stamp != self._stamp:
            self._stamp = stamp
            try:
                self._map = load_shelf_map(path)
                log.info("reader map reloaded", extra={"antennas": len(self._map.antennas)})
            except ShelfMapError as exc:
                log.warning("reader map not reloaded, keeping the previous one: %s", exc)
        return self._map

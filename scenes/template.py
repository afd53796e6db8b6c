"""Room templates: the data a librarian writes to describe a reading room. Every length is
in metres; plan positions are `[x, z]` from the room's north-west floor corner, x growing
east and z growing south (so the GLB, which is Y-up, uses the same numbers).

`parse_template` is the one way in: it runs the pydantic schema, then the spatial checks,
and raises `InvalidTemplateError` naming every offending field."""

from __future__ import annotations

import json
from importlib import resources
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from scenes.errors import InvalidTemplateError, TemplateIssue
from scenes.materials import MATERIALS, known_materials

SCHEMA_VERSION = 1

Facing = Literal["north", "east", "south", "west"]
Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]
Metres = Annotated[float, Field(allow_inf_nan=False)]
PlanPoint = tuple[Metres, Metres]
HexColor = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_material(value: str) -> str:
    if value not in MATERIALS:
        raise ValueError(f"unknown material {value!r}; known: {', '.join(known_materials())}")
    return value


class RoomSize(_Strict):
    width: float = Field(ge=2.0, le=80.0, description="East-west extent, metres.")
    depth: float = Field(ge=2.0, le=80.0, description="North-south extent, metres.")
    height: float = Field(ge=2.2, le=12.0, description="Floor to ceiling, metres.")


class RoomMaterials(_Strict):
    floor: str = "oak_parquet"
    walls: str = "plaster_warm"
    ceiling: str = "plaster_white"

    _known = field_validator("floor", "walls", "ceiling")(_check_material)


class ShelfQuery(_Strict):
    """Which books fill a shelf range. `records` is a curated list (in that order);
    otherwise books match every filter given (subjects: any of them, by heading prefix;
    call numbers: an inclusive LC range), ordered by `sort`."""

    subjects: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=50
    )
    call_number_range: (
        tuple[
            Annotated[str, Field(min_length=1, max_length=60)],
            Annotated[str, Field(min_length=1, max_length=60)],
        ]
        | None
    ) = None
    records: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=5000
    )
    sort: Literal["call_number", "title"] = "call_number"

    @model_validator(mode="after")
    def _has_criterion(self) -> ShelfQuery:
        if not (self.subjects or self.call_number_range or self.records):
            raise ValueError("a shelf query needs subjects, call_number_range or records")
        return self


class ShelfRange(_Strict):
    """A run of bays; its books face `facing` (a reader stands on that side of it)."""

    id: Identifier
    label: str = Field(default="", max_length=120)
    position: PlanPoint = Field(description="Centre of the footprint, [x, z] metres.")
    facing: Facing = "south"
    bays: int = Field(default=4, ge=1, le=40)
    shelves: int = Field(default=6, ge=1, le=10, description="Shelf levels per bay.")
    bay_width: float = Field(default=0.9, ge=0.5, le=1.5)
    height: float = Field(default=2.1, ge=0.6, le=3.0)
    depth: float = Field(default=0.3, ge=0.2, le=0.6, description="Depth of one face.")
    double_faced: bool = False
    material: str = "oak"
    query: ShelfQuery

    _known = field_validator("material")(_check_material)

    @property
    def length(self) -> float:
        return self.bays * self.bay_width

    @property
    def total_depth(self) -> float:
        return self.depth * (2 if self.double_faced else 1)


class Table(_Strict):
    """A reading table (seats on both long sides), a desk (seats on one side, readers facing
    `facing`) or a carrel (a desk with privacy panels)."""

    id: Identifier
    style: Literal["table", "desk", "carrel"] = "table"
    position: PlanPoint
    facing: Facing = "north"
    length: float = Field(default=1.8, ge=0.5, le=8.0, description="Along the row of seats.")
    depth: float = Field(default=0.9, ge=0.4, le=3.0)
    height: float = Field(default=0.75, ge=0.4, le=1.2)
    seats: int = Field(default=4, ge=0, le=24)
    material: str = "oak"
    seat_material: str = "fabric_blue"

    _known = field_validator("material", "seat_material")(_check_material)


class Blackboard(_Strict):
    """A writing surface on a wall; `center` is measured along that wall from its west or
    north end."""

    wall: Facing = "north"
    center: float = Field(ge=0.0, le=80.0)
    width: float = Field(default=4.0, ge=0.5, le=12.0)
    height: float = Field(default=1.2, ge=0.3, le=4.0)
    bottom: float = Field(default=0.9, ge=0.0, le=4.0)
    material: str = "slate_green"
    ink_pixels_per_metre: int = Field(default=1024, ge=128, le=4096)

    _known = field_validator("material")(_check_material)


class Light(_Strict):
    kind: Literal["point"] = "point"
    position: tuple[Metres, Metres, Metres] = Field(description="[x, y, z] metres.")
    intensity: float = Field(default=60.0, gt=0.0, le=10_000.0, description="Candela.")
    color: HexColor = "#fff4e5"
    range: float | None = Field(default=None, gt=0.0, le=200.0)


class SpawnPoint(_Strict):
    id: Identifier
    position: PlanPoint
    facing: float = Field(
        default=0.0,
        ge=-360.0,
        le=360.0,
        description="Degrees clockwise from north (0 looks north).",
    )
    role: Literal["any", "presenter", "visitor"] = "any"


class RoomTemplate(_Strict):
    schema_version: Literal[1] = Field(default=1, alias="schema")
    id: Identifier
    title: str = Field(min_length=1, max_length=200)
    kind: Literal["topic", "classroom", "carrel", "other"] = "other"
    description: str = Field(default="", max_length=2000)
    size: RoomSize
    materials: RoomMaterials = Field(default_factory=RoomMaterials)
    shelf_ranges: list[ShelfRange] = Field(default_factory=list, max_length=64)
    tables: list[Table] = Field(default_factory=list, max_length=200)
    blackboard: Blackboard | None = None
    lights: list[Light] = Field(default_factory=list, max_length=32)
    spawn_points: list[SpawnPoint] = Field(min_length=1, max_length=16)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = self.model_dump(mode="json", by_alias=True)
        return data


def _issues_from_pydantic(error: ValidationError) -> list[TemplateIssue]:
    issues = []
    for item in error.errors(include_url=False, include_input=False):
        msg = str(item.get("msg", "invalid"))
        msg = msg.removeprefix("Value error, ")
        issues.append(TemplateIssue(tuple(item.get("loc", ())), msg, str(item.get("type", ""))))
    return issues


def parse_template(data: object) -> RoomTemplate:
    """Validate untrusted template data (a dict from JSON) completely, or raise
    `InvalidTemplateError` listing every problem with the path of its field."""
    from scenes.checks import spatial_issues

    if not isinstance(data, dict):
        raise InvalidTemplateError([TemplateIssue((), "a room template is a JSON object", "type")])
    try:
        template = RoomTemplate.model_validate(data)
    except ValidationError as exc:
        raise InvalidTemplateError(_issues_from_pydantic(exc)) from None
    issues = spatial_issues(template)
    if issues:
        raise InvalidTemplateError(issues)
    return template


def builtin_template_names() -> list[str]:
    folder = resources.files("scenes").joinpath("templates")
    return sorted(
        p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json")
    )


def load_builtin_template(name: str) -> RoomTemplate:
    """One of the templates shipped in scenes/templates (validated like any other)."""
    text = resources.files("scenes").joinpath("templates", f"{name}.json").read_text("utf-8")
    return parse_template(json.loads(text))

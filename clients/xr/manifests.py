"""The server's JSON the viewer reads, checked at the edge: who the token is, the rooms,
a room manifest for a device profile, a book manifest. Unknown fields are ignored so a
newer server keeps working; a missing field the viewer needs is a clear error."""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

PageSize = Literal["thumb", "medium", "full"]
Model = TypeVar("Model", bound=BaseModel)


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Me(_Lenient):
    user: str
    name: str = ""
    role: str


class RoomSummary(_Lenient):
    id: str
    title: str = ""


class RoomInfo(_Lenient):
    id: str
    title: str = ""


class ProfileInfo(_Lenient):
    name: str
    page_image_size: PageSize = "medium"


class SpawnPoint(_Lenient):
    id: str = ""
    position: tuple[float, float, float]
    facing_deg: float = 0.0
    role: str | None = None
    eye_height_m: float = 1.6


class SceneAsset(_Lenient):
    url: str
    bytes: int | None = None


class RoomManifest(_Lenient):
    room: RoomInfo
    profile: ProfileInfo
    spawn_points: list[SpawnPoint] = Field(default_factory=list)
    scene: SceneAsset | None = None


class PageEntry(_Lenient):
    number: int = Field(ge=1)
    width_mm: float = Field(gt=0)
    height_mm: float = Field(gt=0)
    images: dict[PageSize, str] = Field(default_factory=dict)


class BookManifest(_Lenient):
    id: str
    title: str = ""
    page_count: int = Field(ge=0)
    status: str = "ready"
    model: str | None = None
    pages: list[PageEntry] = Field(default_factory=list)

    def image_url(self, number: int, size: PageSize) -> str | None:
        """Where page `number` (from 1) is served at `size`; None past the last page."""
        if not 1 <= number <= self.page_count:
            return None
        if number <= len(self.pages) and size in self.pages[number - 1].images:
            return self.pages[number - 1].images[size]
        return f"/api/v1/books/{self.id}/pages/{number}.jpg?size={size}"


class ManifestError(ValueError):
    """JSON from the server that is not the shape this viewer reads."""


def parse(model: type[Model], data: Any, what: str) -> Model:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "(top)"
        raise ManifestError(
            f"{what} is not what this viewer reads ({where}: {first['msg']})"
        ) from None


def parse_room_list(data: Any) -> list[RoomSummary]:
    """A bare list, or one wrapped as {"items": [...]} or {"rooms": [...]}."""
    if isinstance(data, dict):
        data = data.get("items", data.get("rooms"))
    if not isinstance(data, list):
        raise ManifestError("the room list is not a list")
    return [parse(RoomSummary, item, "a room in the list") for item in data]

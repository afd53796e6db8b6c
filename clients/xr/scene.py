"""GLB bytes from the server -> Panda3D nodes, through panda3d-gltf, in memory (no temporary
files), plus what the room GLB says about itself: book slots, spawn points, ambient light.
Conversion happens before any window opens, so a GLB that fails is a one-line error."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from panda3d.core import AmbientLight, DirectionalLight, Filename, NodePath, Vec4

from clients.xr.errors import SceneLoadError
from clients.xr.manifests import SpawnPoint
from clients.xr.roommap import BookSlots, book_slots

SUPPORTED_REQUIRED = frozenset({"KHR_texture_transform", "KHR_lights_punctual"})
DEFAULT_EYE_HEIGHT = 1.6


def read_glb(data: bytes, what: str) -> dict[str, Any]:
    """The glTF JSON of a GLB with its binary chunk attached, as panda3d-gltf takes it."""
    from gltf.parseutils import parse_glb_data

    if len(data) < 20 or data[:4] != b"glTF":
        head = data[:15].decode("ascii", "replace").strip()
        raise SceneLoadError(f"{what} is not a GLB file (it starts with {head!r})")
    try:
        gltf: dict[str, Any] = parse_glb_data(io.BytesIO(data))
    except Exception as exc:  # the parser raises bare RuntimeError/AssertionError/ValueError
        raise SceneLoadError(f"{what} is not a readable GLB ({_why(exc)})") from None
    required = set(gltf.get("extensionsRequired", [])) - SUPPORTED_REQUIRED
    if required:
        raise SceneLoadError(
            f"{what} requires glTF extensions the viewer lacks: {sorted(required)}"
        )
    return gltf


def to_nodepath(gltf: dict[str, Any], name: str, what: str) -> NodePath:
    # panda3d-gltf's loader only reads files; its converter takes the parsed document,
    # which keeps scene bytes off the disk.
    from gltf import GltfSettings
    from gltf._converter import Converter

    try:
        converter = Converter(Filename(f"{name}.glb"), settings=GltfSettings(skip_animations=True))
        converter.update(gltf)
        root = NodePath(converter.active_scene.node())
    except Exception as exc:
        raise SceneLoadError(f"{what} failed to load ({_why(exc)})") from None
    if root.getNumChildren() == 0:
        raise SceneLoadError(f"{what} has nothing to show (an empty scene)")
    root.setName(name)
    return root


def _why(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


@dataclass(frozen=True, slots=True)
class Spawn:
    """Where a reader arrives: a floor point (Panda frame), a heading in degrees, and who
    the room means it for (`any`, `presenter`, `visitor`)."""

    position: tuple[float, float, float]
    heading: float
    role: str = "any"
    eye_height: float = DEFAULT_EYE_HEIGHT


@dataclass(slots=True)
class RoomScene:
    root: NodePath
    slots: BookSlots
    spawns: list[Spawn]
    extras: dict[str, Any]
    title: str

    def spawn_for(self, role: str) -> Spawn:
        """A presenter arrives at the presenter's place if the room has one; everyone else
        at the first place meant for anyone."""
        wanted = ("presenter", "any") if role in ("teacher", "librarian", "admin") else ("any",)
        for kind in wanted:
            for spawn in self.spawns:
                if spawn.role == kind:
                    return spawn
        return self.spawns[0]


def _spawns(root: NodePath, gltf: dict[str, Any], manifest_spawns: list[SpawnPoint]) -> list[Spawn]:
    """Spawn points in the server's order: the manifest's, else the GLB's node order;
    positions from the scene graph (it knows every parent transform)."""
    roles: dict[str, str] = {}
    for node in gltf.get("nodes", []):
        extras = node.get("extras") if isinstance(node, dict) else None
        name = node.get("name", "") if isinstance(node, dict) else ""
        if isinstance(extras, dict) and extras.get("kind") == "spawn" and isinstance(name, str):
            roles[name] = str(extras.get("role") or "any")
    ordered = [f"spawn:{p.id}" for p in manifest_spawns if f"spawn:{p.id}" in roles]
    ordered += [name for name in roles if name not in ordered]
    found = []
    for name in ordered:
        node = root.find(f"**/{name}")
        if not node.isEmpty():
            pos = node.getPos(root)
            found.append(Spawn((pos.x, pos.y, pos.z), node.getH(root), roles[name]))
    if not found:
        for point in manifest_spawns:
            x, y, z = point.position
            # facing is clockwise from north; Panda's heading turns counter-clockwise.
            found.append(
                Spawn((x, -z, y), -point.facing_deg, point.role or "any", point.eye_height_m)
            )
    if not found:
        lo, hi = root.getTightBounds()
        found.append(Spawn(((lo.x + hi.x) / 2, (lo.y + hi.y) / 2, lo.z), 0.0))
    return found


def load_room(
    data: bytes, room_id: str, manifest_spawns: list[SpawnPoint] | None = None
) -> RoomScene:
    what = f"the scene of room {room_id!r}"
    gltf = read_glb(data, what)
    scenes = gltf.get("scenes") or [{}]
    extras = scenes[0].get("extras") if isinstance(scenes[0], dict) else None
    extras = extras if isinstance(extras, dict) else {}
    root = to_nodepath(gltf, f"room:{room_id}", what)
    title = extras.get("title")
    return RoomScene(
        root=root,
        slots=book_slots(gltf),
        spawns=_spawns(root, gltf, manifest_spawns or []),
        extras=extras,
        title=title if isinstance(title, str) and title else room_id,
    )


def _book_what(book_id: str) -> str:
    return f"the 3D model of book {book_id!r}"


def read_book_glb(data: bytes, book_id: str) -> dict[str, Any]:
    """A book's GLB parsed: plain Python objects, so it may run on a worker thread."""
    return read_glb(data, _book_what(book_id))


def book_model(gltf: dict[str, Any], book_id: str) -> tuple[NodePath, dict[str, Any]]:
    """The Panda3D nodes of a parsed book GLB, built on the frame loop's thread: building
    them on a worker thread while a frame renders corrupted the heap (the viewer died of a
    segmentation fault in about one book opening in fifteen on a loaded machine)."""
    what = _book_what(book_id)
    root = to_nodepath(gltf, f"book:{book_id}", what)
    extras: dict[str, Any] = {}
    for node in gltf.get("nodes", []):
        if (
            isinstance(node, dict)
            and node.get("name") == "book"
            and isinstance(node.get("extras"), dict)
        ):
            extras = node["extras"]
    for part in ("cover", "left_stack", "right_stack", "page"):
        if root.find(f"**/{part}").isEmpty():
            raise SceneLoadError(f"{what} has no {part!r} node")
    return root, extras


def light_room(render: NodePath, extras: dict[str, Any]) -> None:
    """Ambient light as the room asks for it, and a soft key light from above; pages and
    spine lettering are unlit anyway, so this only shapes the furniture."""
    raw = extras.get("ambient")
    ambient: dict[str, Any] = raw if isinstance(raw, dict) else {}
    color = ambient.get("color", [1.0, 0.97, 0.92])
    intensity = ambient.get("intensity", 0.55)
    try:
        r, g, b = (float(c) * float(intensity) for c in color[:3])
    except (TypeError, ValueError):
        r, g, b = 0.55, 0.53, 0.5
    light = AmbientLight("room-ambient")
    light.setColor(Vec4(r, g, b, 1.0))
    render.setLight(render.attachNewNode(light))
    key = DirectionalLight("room-key")
    key.setColor(Vec4(0.6, 0.58, 0.55, 1.0))
    key_node = render.attachNewNode(key)
    key_node.setHpr(30.0, -60.0, 0.0)
    render.setLight(key_node)

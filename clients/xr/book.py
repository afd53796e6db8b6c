"""An open book in the room: the server's 3D book (cover, spine, two page stacks and one
loose page) with page images on the stacks, and the loose page swung over the spine to
turn a leaf. Spread s shows page s on the left and s + 1 on the right (0 is the inside of
the cover), as a printed book opens. Textures arrive from worker threads; until a page's
image is there the page shows the model's blank paper."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from panda3d.core import (
    GeomNode,
    LightAttrib,
    MaterialAttrib,
    NodePath,
    Point3,
    TexMatrixAttrib,
    Texture,
    TextureAttrib,
    TextureStage,
    TransformState,
    Vec3,
)

from clients.xr.errors import SceneLoadError
from clients.xr.manifests import BookManifest
from clients.xr.pages import PageTextures

TURN_SECONDS = 0.6
OVERLAY_LIFT_M = 0.0006
Side = Literal["left", "right"]


@dataclass(slots=True)
class _Surface:
    """One textured page face: a geom of the model and the texture stage it draws with."""

    node: GeomNode
    index: int
    stage: TextureStage
    blank: Texture | None
    shown: tuple[int, bool] | None = None  # (page, mirrored) now on it; None = blank paper

    def show(self, texture: Texture | None, mirrored: bool) -> None:
        state = self.node.getGeomState(self.index)
        attrib = state.getAttrib(TextureAttrib)
        chosen = texture if texture is not None else self.blank
        if attrib is not None and chosen is not None:
            state = state.setAttrib(attrib.addOnStage(self.stage, chosen))
        if mirrored:
            flip = TransformState.makePosHprScale(Vec3(1, 0, 0), Vec3(0, 0, 0), Vec3(-1, 1, 1))
            state = state.setAttrib(TexMatrixAttrib.make(self.stage, flip))
        else:
            state = state.removeAttrib(TexMatrixAttrib)
        self.node.setGeomState(self.index, state)


def _surface(root: NodePath, part: str, material: str) -> _Surface:
    for found in root.findAllMatches(f"**/{part}/**/+GeomNode"):
        node = found.node()
        for i in range(node.getNumGeoms()):
            state = node.getGeomState(i)
            mat = state.getAttrib(MaterialAttrib)
            if mat is None or mat.getMaterial() is None:
                continue
            if mat.getMaterial().getName() != material:
                continue
            # Pages are unlit: they look the same under any room light.
            node.setGeomState(i, state.setAttrib(LightAttrib.makeAllOff()))
            attrib = state.getAttrib(TextureAttrib)
            stage = attrib.getOnStage(0) if attrib and attrib.getNumOnStages() else None
            blank = attrib.getOnTexture(stage) if stage is not None else None
            return _Surface(node, i, stage or TextureStage.getDefault(), blank)
    raise SceneLoadError(f"the book model has no {material!r} face on {part!r}")


def _ease(t: float) -> float:
    return 0.5 - 0.5 * math.cos(math.pi * min(max(t, 0.0), 1.0))


class BookView:
    def __init__(
        self,
        manifest: BookManifest,
        model: NodePath,
        extras: dict[str, Any],
        textures: PageTextures,
    ) -> None:
        self.manifest = manifest
        self.root = model
        self._textures = textures
        self._left = _surface(model, "left_stack", "page_left")
        self._right = _surface(model, "right_stack", "page_right")
        self._turning = _surface(model, "page", "page_turn")
        page = model.find("**/page")
        lo, hi = page.getTightBounds(model)
        self.page_width = float(extras.get("page_width_m") or (hi.x - lo.x))
        self.page_height = float(extras.get("page_height_m") or (hi.y - lo.y))
        self.top = float(lo.z)
        self._pivot = model.attachNewNode("page-hinge")
        self._pivot.setPos(0.0, 0.0, self.top)
        page.wrtReparentTo(self._pivot)
        self._leaf = page
        self._leaf.hide()
        self.overlays = {side: self._overlay_node(side) for side in ("left", "right")}
        self.spread = 0
        self._turn: tuple[int, float] | None = None  # (direction, progress 0..1)
        self.version = 0  # +1 whenever the pages shown change

    def _overlay_node(self, side: Side) -> NodePath:
        """A node where (u, v, 0), u right and v down in 0..1, lands on the page face."""
        node = self.root.attachNewNode(f"marks:{side}")
        x0 = -self.page_width if side == "left" else 0.0
        node.setPos(x0, self.page_height / 2, self.top + OVERLAY_LIFT_M)
        node.setScale(self.page_width, -self.page_height, 1.0)
        node.setLightOff()
        return node

    @property
    def page_count(self) -> int:
        return self.manifest.page_count

    @property
    def turning(self) -> bool:
        return self._turn is not None

    def visible_pages(self) -> tuple[int | None, int | None]:
        return self._page(self.spread), self._page(self.spread + 1)

    def _page(self, number: int) -> int | None:
        return number if 1 <= number <= self.page_count else None

    def go_to(self, page: int) -> None:
        """Show the spread holding `page` at once (no animation)."""
        page = min(max(page, 0), self.page_count)
        spread = page - page % 2
        if spread != self.spread or self._turn is not None:
            self._turn = None
            self._leaf.hide()
            self.spread = spread
            self.version += 1
        self._prefetch()

    def turn(self, direction: int) -> bool:
        """Start turning a leaf forward (+1) or back (-1); False at either end or mid-turn."""
        if self._turn is not None or direction not in (1, -1):
            return False
        target = self.spread + 2 * direction
        if target < 0 or target > self.page_count + (self.page_count % 2 == 0):
            return False
        self._turn = (direction, 0.0)
        self._leaf.show()
        self._prefetch(target)
        return True

    def _prefetch(self, spread: int | None = None) -> None:
        base = self.spread if spread is None else spread
        for number in (base, base + 1, base + 2, base + 3, base - 2, base - 1):
            if 1 <= number <= self.page_count:
                self._textures.request(self.manifest, number)

    def update(self, dt: float) -> None:
        """Advance a turn and put any newly arrived page images on the faces."""
        left, right = self.spread, self.spread + 1
        leaf: tuple[int, bool] | None = None
        if self._turn is not None:
            direction, progress = self._turn
            progress = min(progress + dt / TURN_SECONDS, 1.0)
            angle = 180.0 * _ease(progress if direction > 0 else 1.0 - progress)
            self._pivot.setR(-angle)
            if direction > 0:
                right = self.spread + 3
                leaf = (self.spread + 1, False) if angle < 90 else (self.spread + 2, True)
            else:
                left = self.spread - 2
                leaf = (self.spread - 1, False) if angle < 90 else (self.spread, True)
            if progress >= 1.0:
                self._turn = None
                self._leaf.hide()
                self.spread += 2 * direction
                self.version += 1
                left, right, leaf = self.spread, self.spread + 1, None
                self._prefetch()
            else:
                self._turn = (direction, progress)
        self._apply(self._left, left, False)
        self._apply(self._right, right, False)
        if leaf is not None:
            self._apply(self._turning, *leaf)

    def _apply(self, surface: _Surface, number: int, mirrored: bool) -> None:
        page = self._page(number)
        if page is None:
            if surface.shown is not None:
                surface.show(None, False)
                surface.shown = None
            return
        if surface.shown == (page, mirrored):
            return
        texture = self._textures.get(self.manifest.id, page)
        if texture is None:
            if surface.shown is not None:
                surface.show(None, mirrored)
                surface.shown = None
            return
        surface.show(texture, mirrored)
        surface.shown = (page, mirrored)

    def pages_ready(self) -> bool:
        """Every page of the current spread is drawn (or failed and shows blank paper)."""
        return (
            all(
                self._textures.settled(self.manifest.id, n)
                for n in self.visible_pages()
                if n is not None
            )
            and not self.turning
        )

    def page_hit(self, origin: Point3, direction: Vec3) -> int | None:
        """+1 when a ray (in the book's parent's coordinates) hits the right page, -1 the
        left one, None when it misses the open book."""
        root = self.root
        o = root.getRelativePoint(root.getParent(), origin)
        d = root.getRelativeVector(root.getParent(), direction)
        if abs(d.z) < 1e-6:
            return None
        t = (self.top - o.z) / d.z
        if t <= 0:
            return None
        x, y = o.x + t * d.x, o.y + t * d.y
        if abs(y) > self.page_height / 2 or abs(x) > self.page_width:
            return None
        return 1 if x > 0 else -1

    def destroy(self) -> None:
        self.root.removeNode()

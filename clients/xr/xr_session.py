"""XR mode: an OpenXR session on Panda3D's own OpenGL context. Each eye is rendered by
Panda3D into a texture at the runtime's recommended size, with the eye's exact
(asymmetric) frustum, then copied into that eye's swapchain image; the desktop window
mirrors the left eye. Head, eyes and hands are placed under the viewer's rig (the tracking
origin on the floor), so teleporting moves the rig. Frame pacing is the runtime's
(`xrWaitFrame`), and the pose channel sends at the display's rate.

Controls: point a controller at a spine and pull the trigger to open the book; with a book
open, the trigger on a page turns it (right page forward, left page back), grip turns too
(right forward, left back); trigger on the floor teleports there; the thumbstick turns in
30 degree steps.

GL work that needs the context current (session creation, texture copies, end of frame)
runs inside Panda's draw callbacks, where Panda has made its context current."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from panda3d.core import (
    CardMaker,
    FrameBufferProperties,
    NodePath,
    PerspectiveLens,
    Texture,
    Vec3,
)

from clients.xr.api import ServerApi
from clients.xr.errors import DisplayUnavailableError, XrUnavailableError
from clients.xr.live import LiveRoom
from clients.xr.manifests import Me, PageSize
from clients.xr.meshes import box, triangles_node
from clients.xr.options import ViewOptions
from clients.xr.scene import RoomScene
from clients.xr.viewer import Viewer
from clients.xr.xr_input import HANDS, Controllers, HandState
from clients.xr.xr_math import film_from_fov, panda_pose
from clients.xr.xr_runtime import XrRuntime

if TYPE_CHECKING:
    from clients.xr.cli import _Stopper

log = logging.getLogger("readingroom.xr")

NEAR, FAR = 0.02, 200.0
SNAP_TURN_DEG = 30.0
RAY_LENGTH_M = 4.0
COLOR_FORMATS = (0x8C43, 0x8058)  # GL_SRGB8_ALPHA8, GL_RGBA8: Panda writes gamma-encoded colour


@dataclass(slots=True)
class _Eye:
    texture: Texture
    camera: NodePath
    lens: PerspectiveLens
    swapchain: Any
    images: Any
    width: int
    height: int
    native_id: int = 0


class XrSession:
    def __init__(
        self, runtime: XrRuntime, base: Any, viewer: Viewer, live: LiveRoom | None
    ) -> None:
        self.runtime = runtime
        self.base = base
        self.viewer = viewer
        self.live = live
        self.session: Any = None
        self.space: Any = None
        self.view_space: Any = None
        self.eyes: list[_Eye] = []
        self.controllers: Controllers | None = None
        self.state_manager: Any = None
        self.frame_state: Any = None
        self.views: Any = None
        self.failure: Exception | None = None
        self._turned = {hand: False for hand in HANDS}
        self._hand_nodes = {hand: self._hand_node(hand) for hand in HANDS}

    # --- setup ---------------------------------------------------------------------------

    def _create_session(self) -> None:
        """In the first draw callback: the runtime takes the GL context current now."""
        import xr

        instance, system = self.runtime.instance, self.runtime.system
        _graphics_requirements(instance, system)
        self._binding = _graphics_binding()  # the session keeps pointing at it
        self.session = xr.create_session(
            instance, xr.SessionCreateInfo(system_id=system, next=self._binding.pointer)
        )
        spaces = set(xr.enumerate_reference_spaces(self.session))
        kind = (
            xr.ReferenceSpaceType.STAGE
            if xr.ReferenceSpaceType.STAGE in spaces
            else xr.ReferenceSpaceType.LOCAL
        )
        self.space = xr.create_reference_space(
            self.session, xr.ReferenceSpaceCreateInfo(reference_space_type=kind)
        )
        self.view_space = xr.create_reference_space(
            self.session,
            xr.ReferenceSpaceCreateInfo(reference_space_type=xr.ReferenceSpaceType.VIEW),
        )
        if kind == xr.ReferenceSpaceType.LOCAL:
            # A seated origin is at the head, not on the floor: lower the rig instead.
            self.viewer.rig.setZ(self.viewer.rig.getZ() - self.viewer.eye_height)

    def _create_views(self) -> None:
        """In the frame task, outside rendering: eye buffers, controllers, the mirror."""
        import xr
        from xr.utils import SessionStateManager

        instance, system = self.runtime.instance, self.runtime.system
        formats = list(xr.enumerate_swapchain_formats(self.session))
        color = next((f for f in COLOR_FORMATS if f in formats), None)
        if color is None:
            raise XrUnavailableError("the OpenXR runtime offers no 8-bit RGBA swapchain format")
        views = xr.enumerate_view_configuration_views(
            instance, system, xr.ViewConfigurationType.PRIMARY_STEREO
        )
        for index, view in enumerate(views):
            self.eyes.append(self._make_eye(index, view, color))
        self.controllers = Controllers.create(instance, self.session)
        self.state_manager = SessionStateManager(
            instance, self.session, xr.ViewConfigurationType.PRIMARY_STEREO
        )
        self._mirror(self.eyes[0].texture)

    def _make_eye(self, index: int, view: Any, color_format: int) -> _Eye:
        import xr

        width, height = view.recommended_image_rect_width, view.recommended_image_rect_height
        swapchain = xr.create_swapchain(
            self.session,
            xr.SwapchainCreateInfo(
                usage_flags=xr.SwapchainUsageFlags.COLOR_ATTACHMENT_BIT
                | xr.SwapchainUsageFlags.TRANSFER_DST_BIT,
                format=color_format,
                sample_count=1,
                width=width,
                height=height,
                face_count=1,
                array_size=1,
                mip_count=1,
            ),
        )
        images = xr.enumerate_swapchain_images(swapchain, xr.SwapchainImageOpenGLKHR)
        texture = Texture(f"eye-{index}")
        props = FrameBufferProperties()
        props.setRgbaBits(8, 8, 8, 8)
        props.setDepthBits(24)
        buffer = self.base.win.makeTextureBuffer(
            f"eye-{index}", width, height, texture, False, props
        )
        if buffer is None:
            raise XrUnavailableError("Panda3D could not make an offscreen buffer for an eye")
        buffer.setSort(-10 + index)
        buffer.setClearColor(self.base.win.getClearColor())
        lens = PerspectiveLens()
        lens.setNearFar(NEAR, FAR)
        camera = self.base.makeCamera(buffer, lens=lens, camName=f"eye-{index}")
        camera.reparentTo(self.viewer.rig)
        return _Eye(texture, camera, lens, swapchain, images, width, height)

    def _mirror(self, texture: Texture) -> None:
        """The desktop window shows the left eye; the 3D scene is not drawn a third time."""
        self.base.cam.node().setActive(False)
        card = CardMaker("mirror")
        card.setFrameFullscreenQuad()
        node = self.base.render2d.attachNewNode(card.generate())
        node.setTexture(texture)

    # --- every frame --------------------------------------------------------------------

    def frame(self, task: Any) -> Any:
        import xr

        if self.failure is not None or self.session is None:
            return task.cont
        try:
            if self.state_manager is None:
                self._create_views()
            while True:
                try:
                    self.state_manager.handle_xr_event(xr.poll_event(self.runtime.instance))
                except xr.EventUnavailable:
                    break
            if self.state_manager.exit_render_loop:
                self.base.taskMgr.stop()
                return task.done
            self.frame_state = self.state_manager.begin_frame()
            if self.frame_state is None:
                return task.cont
            time = self.frame_state.predicted_display_time
            period = max(self.frame_state.predicted_display_period, 1) / 1e9
            if self.live is not None:
                self.live.poses.rate_hz = 1.0 / period  # the runtime's rate
            self._place_views(time)
            self._head(time)
            assert self.controllers is not None
            self._hands(self.controllers.poll(self.space, time))
            self.viewer.update(period)
        except Exception as exc:  # reported after the loop, as one line
            self.failure = exc
            self.base.taskMgr.stop()
        return task.cont

    def _place_views(self, time: int) -> None:
        import xr

        _, self.views = xr.locate_views(
            self.session,
            xr.ViewLocateInfo(
                view_configuration_type=xr.ViewConfigurationType.PRIMARY_STEREO,
                display_time=time,
                space=self.space,
            ),
        )
        for eye, view in zip(self.eyes, self.views, strict=False):
            p, o = view.pose.position, view.pose.orientation
            position, quat = panda_pose((p.x, p.y, p.z), (o.x, o.y, o.z, o.w))
            eye.camera.setPosQuat(position, quat)
            fov = view.fov
            film = film_from_fov(fov.angle_left, fov.angle_right, fov.angle_up, fov.angle_down)
            eye.lens.setFocalLength(1.0)
            eye.lens.setFilmSize(film.width, film.height)
            eye.lens.setFilmOffset(film.offset_x, film.offset_y)

    def _head(self, time: int) -> None:
        import xr

        location = xr.locate_space(self.view_space, self.space, time)
        p, o = location.pose.position, location.pose.orientation
        position, quat = panda_pose((p.x, p.y, p.z), (o.x, o.y, o.z, o.w))
        self.viewer.head.setPosQuat(position, quat)

    def _hand_node(self, hand: str) -> NodePath:
        node = self.viewer.rig.attachNewNode(f"hand:{hand}")
        grip_p, grip_t = box((0, -0.04, 0), (0.05, 0.12, 0.04))
        node.attachNewNode(triangles_node("grip", grip_p, [(0.2, 0.2, 0.22, 1)] * 8, grip_t))
        ray_p, ray_t = box((0, 0.5, 0), (0.004, 1.0, 0.004))
        ray = node.attachNewNode(triangles_node("ray", ray_p, [(0.4, 0.8, 1.0, 1)] * 8, ray_t))
        ray.setLightOff()
        node.hide()
        return node

    def _hands(self, hands: dict[str, HandState]) -> None:
        viewer = self.viewer
        render = viewer.render
        for hand, state in hands.items():
            node = self._hand_nodes[hand]
            if state.pose is None:
                node.hide()
                viewer.hands[hand] = None
                continue
            position, quat = panda_pose(*state.pose)
            node.setPosQuat(position, quat)
            node.show()
            viewer.hands[hand] = node
            origin = node.getPos(render)
            direction = render.getRelativeVector(node, Vec3(0, 1, 0))
            pick = viewer.pick(origin, direction)
            node.find("ray").setSy(min(pick.distance, RAY_LENGTH_M) if pick else RAY_LENGTH_M)
            step = 1 if hand == "right" else -1
            if state.select_pressed:
                book = viewer.book
                side = book.page_hit(origin, direction) if book is not None else None
                if side is not None:
                    viewer.turn(side)
                elif pick is not None:
                    viewer.activate(pick)
            if state.squeeze_pressed:
                viewer.turn(step)
            if abs(state.turn_x) > 0.7 and not self._turned[hand]:
                self._turned[hand] = True
                self._snap_turn(-SNAP_TURN_DEG if state.turn_x > 0 else SNAP_TURN_DEG)
            elif abs(state.turn_x) < 0.3:
                self._turned[hand] = False

    def _snap_turn(self, degrees: float) -> None:
        """Turn the rig about the head, so the reader stays where they stand."""
        rig, head, render = self.viewer.rig, self.viewer.head, self.viewer.render
        before = head.getPos(render)
        rig.setH(rig.getH() + degrees)
        after = head.getPos(render)
        rig.setPos(rig.getPos() + (before - after))

    # --- after the eyes are drawn (draw callback of the window) ------------------------

    def draw(self, data: Any) -> None:
        data.upcall()
        if self.failure is not None:
            return
        try:
            if self.session is None:
                self._create_session()
            elif self.state_manager is not None:
                self._submit()
        except Exception as exc:  # reported after the loop, as one line
            self.failure = exc
            self.base.taskMgr.stop()

    def _submit(self) -> None:
        import xr
        from OpenGL import GL  # type: ignore[import-untyped]

        state = self.frame_state
        if state is None:
            return
        self.frame_state = None
        layers = []
        if state.should_render and self.views is not None:
            gsg = self.base.win.getGsg()
            projection = []
            for eye, view in zip(self.eyes, self.views, strict=False):
                if not eye.native_id:
                    context = eye.texture.prepareNow(0, gsg.getPreparedObjects(), gsg)
                    eye.native_id = context.getNativeId()
                index = xr.acquire_swapchain_image(eye.swapchain, xr.SwapchainImageAcquireInfo())
                xr.wait_swapchain_image(
                    eye.swapchain, xr.SwapchainImageWaitInfo(timeout=xr.INFINITE_DURATION)
                )
                GL.glCopyImageSubData(
                    eye.native_id,
                    GL.GL_TEXTURE_2D,
                    0,
                    0,
                    0,
                    0,
                    eye.images[index].image,
                    GL.GL_TEXTURE_2D,
                    0,
                    0,
                    0,
                    0,
                    eye.width,
                    eye.height,
                    1,
                )
                xr.release_swapchain_image(eye.swapchain, xr.SwapchainImageReleaseInfo())
                projection.append(
                    xr.CompositionLayerProjectionView(
                        pose=view.pose,
                        fov=view.fov,
                        sub_image=xr.SwapchainSubImage(
                            swapchain=eye.swapchain,
                            image_rect=xr.Rect2Di(extent=xr.Extent2Di(eye.width, eye.height)),
                        ),
                    )
                )
            layer = xr.CompositionLayerProjection(space=self.space, views=projection)
            layers.append(ctypes.byref(layer))
        xr.end_frame(
            self.session,
            xr.FrameEndInfo(
                display_time=state.predicted_display_time,
                environment_blend_mode=xr.EnvironmentBlendMode.OPAQUE,
                layers=layers,
            ),
        )

    def close(self) -> None:
        import xr

        if self.state_manager is not None:
            with contextlib.suppress(Exception):
                self.state_manager.__exit__(None, None, None)
        if self.controllers is not None:
            self.controllers.destroy()
        for eye in self.eyes:
            with contextlib.suppress(xr.XrException):
                xr.destroy_swapchain(eye.swapchain)
        for space in (self.view_space, self.space):
            if space is not None:
                with contextlib.suppress(xr.XrException):
                    xr.destroy_space(space)
        if self.session is not None:
            with contextlib.suppress(xr.XrException):
                xr.destroy_session(self.session)
        self.runtime.destroy()


def _graphics_requirements(instance: Any, system: Any) -> None:
    """OpenXR requires this call before a GL session; it also names the GL version."""
    import xr

    function = ctypes.cast(
        xr.get_instance_proc_addr(instance, "xrGetOpenGLGraphicsRequirementsKHR"),
        xr.PFN_xrGetOpenGLGraphicsRequirementsKHR,
    )
    requirements = xr.GraphicsRequirementsOpenGLKHR()
    result = xr.check_result(xr.Result(function(instance, system, ctypes.byref(requirements))))
    if result.is_exception():
        raise result


def _graphics_binding() -> Any:
    """Panda's current GL context, as the runtime takes it (GLX on Linux, WGL on Windows)."""
    from xr.utils import GraphicsContextProvider

    class PandaContext(GraphicsContextProvider):  # type: ignore[misc]
        """Panda made its context current before the draw callback that calls us."""

        def make_current(self) -> None:
            pass

        def done_current(self) -> None:
            pass

    if sys.platform == "win32":
        from xr.utils.gl import WGLGraphicsBinding

        return WGLGraphicsBinding(PandaContext())
    from xr.utils.gl import GLXGraphicsBinding

    return GLXGraphicsBinding(PandaContext())


def run_xr(
    runtime: XrRuntime,
    api: ServerApi,
    room: RoomScene,
    me: Me,
    page_size: PageSize,
    live: LiveRoom | None,
    options: ViewOptions,
    stopper: _Stopper | None = None,
) -> int:
    """Open the mirror window, start the session on its GL context, run until the runtime
    or the window ends it."""
    import xr

    from clients.xr.desktop import open_base

    try:
        base: Any = open_base(
            offscreen=False, size=options.size, title=f"readingroom: {room.title}"
        )
    except DisplayUnavailableError:
        runtime.destroy()
        raise
    hmd = NodePath("hmd")
    viewer = Viewer(base.render, hmd, api, room, me, page_size, live)
    hmd.reparentTo(viewer.rig)
    session = XrSession(runtime, base, viewer, live)
    # The window's 2D region draws last, after both eye buffers: submit the frame there.
    base.cam2d.node().getDisplayRegion(0).setDrawCallback(session.draw)
    base.taskMgr.add(session.frame, "xr-frame", sort=-20)
    if stopper is not None:
        stopper.stop_loop(base.taskMgr)
    base.accept(
        "window-event", lambda w: None if w.getProperties().getOpen() else base.taskMgr.stop()
    )
    if options.book is not None:
        viewer.open_book(options.book, options.page)
    try:
        base.run()
    finally:
        session.close()
        viewer.close()
        base.destroy()
    if session.failure is not None:
        failure = session.failure
        if isinstance(failure, XrUnavailableError):
            raise failure
        kind = "OpenXR" if isinstance(failure, xr.XrException) else type(failure).__name__
        raise XrUnavailableError(f"the XR session ended with an error ({kind}: {failure})")
    return 0


__all__ = ["XrSession", "run_xr"]

"""The preview worker process: Panda3D off screen, one JSON request per line on stdin,
one JSON answer per line on stdout. Run as `python -m scenes.preview.worker`.

It is a process of its own because Panda3D keeps one graphics engine per process, GL
drivers can crash, and a stuck render must be killable without taking the server down."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from typing import IO, Any

from scenes.preview.camera import Camera


def _protocol_stream() -> IO[str]:
    """Keep stdout for answers only: C libraries that print go to stderr instead."""
    fd = os.dup(1)
    os.dup2(2, 1)
    return os.fdopen(fd, "w", buffering=1, encoding="utf-8")


class _Renderer:
    def __init__(self, display: str, width: int, height: int) -> None:
        from panda3d.core import loadPrcFileData

        loadPrcFileData(
            "readingroom-preview",
            "\n".join(
                [
                    "window-type offscreen",
                    f"load-display {display}",
                    "aux-display",
                    "audio-library-name null",
                    f"win-size {width} {height}",
                    "framebuffer-multisample 1",
                    "multisamples 4",
                    "sync-video false",
                    "model-cache-dir",
                    "notify-level error",
                    "default-directnotify-level error",
                ]
            ),
        )
        from direct.showbase.ShowBase import ShowBase
        from panda3d.core import AmbientLight, DirectionalLight

        self.base = ShowBase(windowType="offscreen")
        if self.base.win is None:
            raise RuntimeError(f"no OpenGL display ({display}) could be opened")
        import gltf  # noqa: F401  (registers the .glb loader)

        self.base.setBackgroundColor(0.93, 0.93, 0.93, 1)
        ambient = AmbientLight("preview-ambient")
        ambient.setColor((0.55, 0.54, 0.52, 1))
        sun = DirectionalLight("preview-key")
        sun.setColor((0.62, 0.6, 0.57, 1))
        render = self.base.render
        render.setLight(render.attachNewNode(ambient))
        key = render.attachNewNode(sun)
        key.setHpr(30, -50, 0)
        render.setLight(key)
        self.width, self.height = width, height

    def describe(self) -> str:
        gsg = self.base.win.getGsg()
        return f"{gsg.getDriverRenderer()} (OpenGL {gsg.getDriverVersion()})"

    def render(self, glb: str, out: str, camera: Camera) -> None:
        from panda3d.core import Filename, ModelPool, PNMImage, Point3, TexturePool

        base = self.base
        model = base.loader.loadModel(Filename.fromOsSpecific(glb), noCache=True)
        model.reparentTo(base.render)
        try:
            lens = base.camLens
            lens.setNear(camera.near)
            lens.setFar(500.0)
            lens.setFov(camera.fov_deg)
            if camera.frame is not None:
                self._frame(model, camera)
            else:
                # glTF (x, y, z) is Panda's (x, -z, y) once panda3d-gltf converts Y-up.
                px, py, pz = camera.position
                lx, ly, lz = camera.look_at
                base.cam.setPos(px, -pz, py)
                base.cam.lookAt(Point3(lx, -lz, ly))
            base.graphicsEngine.renderFrame()
            base.graphicsEngine.renderFrame()
            image = PNMImage()
            if not base.win.getScreenshot(image):
                raise RuntimeError("the offscreen buffer returned no image")
            if camera.crop_square:
                side = min(image.getXSize(), image.getYSize())
                square = PNMImage(side, side)
                square.copySubImage(image, 0, 0, (image.getXSize() - side) // 2, 0, side, side)
                image = square
            if not image.write(Filename.fromOsSpecific(out)):
                raise RuntimeError("the PNG could not be written")
        finally:
            model.removeNode()
            ModelPool.releaseAllModels()
            TexturePool.releaseAllTextures()

    def _frame(self, model: Any, camera: Camera) -> None:
        from panda3d.core import Point3, Vec3

        assert camera.frame is not None
        low, high = model.getTightBounds()
        center = (low + high) / 2
        radius = max((high - low).length() / 2, 1e-3)
        fx, fy, fz = camera.frame
        direction = Vec3(fx, -fz, fy)
        direction.normalize()
        fov = math.radians(min(camera.fov_deg, camera.fov_deg * self.height / self.width))
        distance = radius / math.sin(fov / 2) * 1.02
        self.base.cam.setPos(center + direction * distance)
        self.base.cam.lookAt(Point3(center))


def _answer(stream: IO[str], **fields: Any) -> None:
    stream.write(json.dumps(fields) + "\n")
    stream.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--display", default="p3headlessgl")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    args = parser.parse_args(argv)
    stream = _protocol_stream()
    started, cpu = time.perf_counter(), time.process_time()
    try:
        renderer = _Renderer(args.display, args.width, args.height)
    except Exception as exc:
        _answer(
            stream,
            ok=False,
            error=f"Panda3D could not open an offscreen OpenGL display ({args.display}): {exc}",
        )
        return 3
    _answer(
        stream,
        ok=True,
        renderer=renderer.describe(),
        ms=round((time.perf_counter() - started) * 1000, 1),
        cpu_ms=round((time.process_time() - cpu) * 1000, 1),
    )
    for line in sys.stdin:
        try:
            request = json.loads(line)
            started, cpu = time.perf_counter(), time.process_time()
            renderer.render(
                str(request["glb"]), str(request["out"]), Camera.from_json(request["camera"])
            )
            _answer(
                stream,
                ok=True,
                ms=round((time.perf_counter() - started) * 1000, 1),
                cpu_ms=round((time.process_time() - cpu) * 1000, 1),
            )
        except Exception as exc:
            _answer(stream, ok=False, error=f"{type(exc).__name__}: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

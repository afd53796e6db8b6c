"""The server side of previews: starts the worker process, hands it GLBs, reads PNGs
back, and restarts it after a crash or a timeout. One render at a time per worker."""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import scenes
from scenes.errors import PreviewFailedError, PreviewUnavailableError
from scenes.preview.camera import Camera

_PACKAGE_ROOT = Path(scenes.__file__).resolve().parent.parent
RETRY_AFTER_S = 60.0
"""After the worker could not start (no GL), wait this long before trying again."""


class _WorkerGoneError(Exception):
    """The worker process ended (EOF on its pipe)."""


@dataclass(frozen=True, slots=True)
class PreviewStatus:
    ok: bool
    state: str
    """off, idle (not started yet), starting, ready or unavailable."""
    detail: str


class PreviewRenderer:
    """Owns one worker process. `render` blocks (call it from a thread)."""

    def __init__(
        self,
        scratch_dir: Path,
        *,
        enabled: bool = True,
        display: str = "p3headlessgl",
        timeout: float = 30.0,
        size: tuple[int, int] = (1280, 720),
    ) -> None:
        self.scratch_dir = scratch_dir
        self.enabled = enabled
        self.display = display
        self.timeout = timeout
        self.size = size
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._state = "off" if not enabled else "idle"
        self._detail = (
            "previews are switched off (READINGROOM_PREVIEWS=false)"
            if not enabled
            else "the preview worker starts with the first preview or readiness check"
        )
        self._failed_at = 0.0
        self.last_cpu_s = 0.0
        """CPU time the worker spent on the last render (all its threads)."""
        self.start_cpu_s = 0.0
        """CPU time the worker spent starting (Panda3D, the GL context)."""

    @property
    def status(self) -> PreviewStatus:
        return PreviewStatus(self._state == "ready", self._state, self._detail)

    @property
    def worker_pid(self) -> int | None:
        """The worker's process id while it runs (for operators and tests)."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def start(self) -> PreviewStatus:
        """Start the worker and wait for it to report its GL renderer (or why not)."""
        with self._lock:
            if self.enabled:
                with contextlib.suppress(PreviewUnavailableError, PreviewFailedError):
                    self._ensure_started()
            return self.status

    def render(self, glb: bytes, camera: Camera) -> bytes:
        """PNG bytes of `glb` seen from `camera`."""
        if not self.enabled:
            raise PreviewUnavailableError(self._detail)
        with self._lock:
            self.scratch_dir.mkdir(parents=True, exist_ok=True)
            fd, glb_name = tempfile.mkstemp(suffix=".glb", dir=self.scratch_dir)
            out_path = Path(glb_name).with_suffix(".png")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(glb)
                request = {"glb": glb_name, "out": str(out_path), "camera": camera.as_json()}
                try:
                    answer = self._ask(self._ensure_started(), request)
                except _WorkerGoneError:
                    # It died between requests (killed, out of memory): once more with a
                    # fresh one; a GLB that kills the worker twice fails.
                    try:
                        answer = self._ask(self._ensure_started(), request)
                    except _WorkerGoneError as exc:
                        raise PreviewFailedError(f"the preview worker failed: {exc}") from None
                if not answer.get("ok"):
                    raise PreviewFailedError(f"the preview did not render: {answer.get('error')}")
                self.last_cpu_s = float(answer.get("cpu_ms", 0.0)) / 1000
                return out_path.read_bytes()
            finally:
                Path(glb_name).unlink(missing_ok=True)
                out_path.unlink(missing_ok=True)

    def close(self) -> None:
        with self._lock:
            self._stop()
            if self.enabled:
                self._state, self._detail = "idle", "the preview worker was stopped"

    def _ensure_started(self) -> subprocess.Popen[str]:
        process = self._process
        if process is not None and process.poll() is None:
            return process
        self._stop()
        if self._state == "unavailable" and time.monotonic() - self._failed_at < RETRY_AFTER_S:
            raise PreviewUnavailableError(self._detail)
        self._state, self._detail = "starting", "the preview worker is starting"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(_PACKAGE_ROOT), env.get("PYTHONPATH", "")) if p
        )
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "scenes.preview.worker",
                "--display",
                self.display,
                "--width",
                str(self.size[0]),
                "--height",
                str(self.size[1]),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
            env=env,
            cwd=str(_PACKAGE_ROOT),
        )
        self._process = process
        try:
            hello = self._read(process, self.timeout)
        except (PreviewFailedError, _WorkerGoneError) as exc:
            self._state, self._detail = "unavailable", f"the preview worker did not start: {exc}"
            self._failed_at = time.monotonic()
            self._stop()
            raise PreviewUnavailableError(self._detail) from None
        if not hello.get("ok"):
            self._state, self._detail = "unavailable", str(hello.get("error"))
            self._failed_at = time.monotonic()
            self._stop()
            raise PreviewUnavailableError(self._detail)
        self._state = "ready"
        self.start_cpu_s = float(hello.get("cpu_ms", 0.0)) / 1000
        self._detail = f"rendering with {hello.get('renderer')}"
        return process

    def _ask(self, process: subprocess.Popen[str], request: dict[str, Any]) -> dict[str, Any]:
        """One request and its answer; on any failure the worker is stopped (and started
        afresh by the next request)."""
        assert process.stdin is not None
        try:
            process.stdin.write(json.dumps(request) + "\n")
            process.stdin.flush()
            return self._read(process, self.timeout)
        except (BrokenPipeError, _WorkerGoneError, PreviewFailedError) as exc:
            self._stop()
            self._state = "idle"
            self._detail = "the preview worker failed; it restarts with the next preview"
            if isinstance(exc, PreviewFailedError):
                raise PreviewFailedError(f"the preview worker failed: {exc}") from None
            raise _WorkerGoneError(str(exc) or "the worker's pipe closed") from None

    def _read(self, process: subprocess.Popen[str], timeout: float) -> dict[str, Any]:
        assert process.stdout is not None
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise PreviewFailedError(f"no answer within {timeout:g} s")
            ready, _, _ = select.select([process.stdout], [], [], left)
            if ready:
                line = process.stdout.readline()
                if not line:
                    raise _WorkerGoneError(f"the worker exited (code {process.wait(timeout=10)})")
                answer: dict[str, Any] = json.loads(line)
                return answer

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()

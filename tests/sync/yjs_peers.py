"""Official y-websocket clients in one Node process (tests/js/sync-peers.mjs, or another
script speaking the same protocol, tests/js/stdin-commands.mjs), driven with one JSON
command per line, so a test can open, edit, wait and inspect real Yjs peers."""

from __future__ import annotations

import contextlib
import json
import queue
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

JS_DIR = Path(__file__).resolve().parents[1] / "js"


class NodeCommandError(RuntimeError):
    pass


class YjsPeers:
    def __init__(self, node: str | None = None, script: str = "sync-peers.mjs") -> None:
        executable = node or shutil.which("node")
        if executable is None:
            raise RuntimeError("node is not installed")
        self._process = subprocess.Popen(
            [executable, str(JS_DIR / script)],
            cwd=JS_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self._answers: queue.Queue[dict[str, Any]] = queue.Queue()
        self._stderr: list[str] = []
        self._next_id = 0
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            try:
                self._answers.put(json.loads(line))
            except ValueError:
                self._stderr.append(line)

    def _read_stderr(self) -> None:
        assert self._process.stderr is not None
        for line in self._process.stderr:
            self._stderr.append(line)

    def __call__(self, cmd: str, timeout: float = 20.0, **args: Any) -> Any:
        self._next_id += 1
        request = {"id": self._next_id, "cmd": cmd, "timeout": int(timeout * 1000) - 500, **args}
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        while True:
            try:
                answer = self._answers.get(timeout=timeout)
            except queue.Empty:
                raise NodeCommandError(
                    f"{cmd}: no answer from node; stderr: {''.join(self._stderr)[-2000:]}"
                ) from None
            if answer.get("id") == self._next_id:
                break
        if not answer["ok"]:
            raise NodeCommandError(f"{cmd}: {answer['error']}")
        return answer["result"]

    @property
    def process(self) -> subprocess.Popen[str]:
        """The Node process (a test may signal it: kill -9, SIGSTOP, SIGCONT)."""
        return self._process

    def open(self, peer: str, ws_url: str, room: str, layer: str, token: str, **extra: Any) -> None:
        self("open", peer=peer, url=f"{ws_url}/ws/rooms/{room}", layer=layer, token=token, **extra)

    def move(self, peer: str, ws_url: str, room: str, layer: str, token: str, **extra: Any) -> None:
        """The peer's document goes on through another server (a new provider on it)."""
        self("move", peer=peer, url=f"{ws_url}/ws/rooms/{room}", layer=layer, token=token, **extra)

    def stop(self) -> None:
        if self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=5)
        for stream in (self._process.stdin, self._process.stdout, self._process.stderr):
            if stream is not None and not stream.closed:
                with contextlib.suppress(OSError):  # stdin of a process killed by a test
                    stream.close()

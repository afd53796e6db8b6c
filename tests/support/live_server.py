"""The real server in a subprocess (`python -m experience_server serve`), as a user runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.net import free_port, signal_if_running, wait_serving

ROOT = Path(__file__).resolve().parents[2]


class LiveServer:
    def __init__(
        self, data_dir: Path, env: dict[str, str] | None = None, args: list[str] | None = None
    ) -> None:
        self.data_dir = data_dir
        self.args = args or []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "READINGROOM_DATA_DIR": str(data_dir),
            "READINGROOM_LOG_LEVEL": "warning",
            **(env or {}),
        }
        self._process: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir.parent / f"server-{self.port}.log"

    def start(self, timeout: float = 30.0) -> None:
        self.spawn()
        self.wait_ready(timeout)

    def spawn(self) -> None:
        """Start the process without waiting for it (several can then start together)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "experience_server",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                *self.args,
            ],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def wait_ready(self, timeout: float = 30.0) -> None:
        wait_serving(
            self._process, self._healthy, timeout, f"readingroom on port {self.port}", self.log_path
        )

    def _healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=0.5).status_code == 200
        except httpx.HTTPError:
            return False

    def token(self, user: str, role: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "experience_server", "token", "--user", user, "--role", role],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
        return result.stdout.strip()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(timeout=10)
        self._process = None

    @property
    def exit_code(self) -> int | None:
        """None while running (or never started); the code once it ended by itself."""
        return self._process.poll() if self._process is not None else None

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL after 15 s; the exit code (None when it was not running,
        -9 when it had to be killed)."""
        code = None
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGCONT)  # a frozen process cannot stop
            self._process.terminate()
            try:
                code = self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                code = self._process.wait(timeout=10)
        self._process = None
        return code

    def freeze(self) -> None:
        """SIGSTOP: its sockets stay open and nothing answers, as in a long pause."""
        signal_if_running(self._process, signal.SIGSTOP)

    def thaw(self) -> None:
        signal_if_running(self._process, signal.SIGCONT)

    def restart(self) -> None:
        self.stop()
        self.start()

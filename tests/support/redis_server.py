"""A real redis-server in a temporary directory, with AOF on, on a free port. It can be
killed, stopped, frozen (SIGSTOP) and started again on the same port and AOF directory."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

from tests.support.net import free_port, port_open, signal_if_running, wait_serving


class RedisServer:
    def __init__(self, executable: str, directory: Path, appendfsync: str = "always") -> None:
        self.executable = executable
        self.directory = directory
        self.appendfsync = appendfsync
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._process = subprocess.Popen(
            [
                self.executable,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--appendonly",
                "yes",
                "--appendfsync",
                self.appendfsync,
                "--save",
                "",
                "--protected-mode",
                "yes",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_serving(self._process, lambda: port_open(self.port), 30.0, "redis-server")

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGCONT)  # a frozen server cannot shut down
            self._process.terminate()
            self._process.wait(timeout=10)
        self._process = None

    def kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(timeout=10)
        self._process = None

    def freeze(self) -> None:
        """SIGSTOP: the port stays open and connections hang, as on a stalled host."""
        signal_if_running(self._process, signal.SIGSTOP)

    def thaw(self) -> None:
        signal_if_running(self._process, signal.SIGCONT)

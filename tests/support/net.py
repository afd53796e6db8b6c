"""Free ports, waiting for servers on loopback, and signalling the servers tests start."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise TimeoutError(f"{what} not ready after {timeout} s")


def wait_serving(
    process: subprocess.Popen[bytes] | None,
    ready: Callable[[], bool],
    timeout: float,
    what: str,
    log: Path | None = None,
) -> None:
    """Wait until a server just started answers `ready`; when its process ends first, fail at
    once (with the end of its log, when it writes one) instead of after the whole timeout."""

    def check() -> bool:
        if process is not None and process.poll() is not None:
            tail = f": {log.read_text()[-2000:]}" if log is not None else ""
            raise RuntimeError(f"{what} exited with {process.returncode}{tail}")
        return ready()

    wait_until(check, timeout, what)


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def signal_if_running(process: subprocess.Popen[bytes] | None, sig: signal.Signals) -> bool:
    """Send `sig` to a started server that has not exited; False when there is none."""
    if process is None or process.poll() is not None:
        return False
    process.send_signal(sig)
    return True

"""A real SRU 1.2 server for the tests: Index Data's Zebra (`zebrasrv`, Debian package
idzebra-2.0 with libidzebra-2.0-mod-dom), indexing MARCXML and answering CQL."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.net import free_port
from tests.support.tools import require_tool

CONFIG = Path(__file__).parent / "zebra"


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"zebrasrv exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("zebrasrv did not start listening")


@contextmanager
def zebra_sru(workdir: Path, marcxml: bytes) -> Iterator[str]:
    """Index `marcxml` (a collection) and serve it; yields the SRU base URL."""
    zebraidx = require_tool("zebraidx")
    zebrasrv = require_tool("zebrasrv")
    for item in CONFIG.iterdir():
        shutil.copy(item, workdir / item.name)
    for name in ("reg", "lock", "tmp"):
        (workdir / name).mkdir()
    (workdir / "records.xml").write_bytes(marcxml)
    port = free_port()
    (workdir / "yazgfs.xml").write_text(
        (workdir / "yazgfs.xml.in").read_text().replace("@PORT@", str(port))
    )
    for args in (["init"], ["update", "records.xml"]):
        subprocess.run(
            [zebraidx, "-c", "zebra.cfg", *args],
            cwd=workdir,
            check=True,
            capture_output=True,
            timeout=60,
        )
    log = (workdir / "zebrasrv.log").open("wb")
    process = subprocess.Popen(
        [zebrasrv, "-f", "yazgfs.xml"], cwd=workdir, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        _wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}/Default"
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()

"""The web client's two waits a reader feels, in headless Chromium on this machine:

- navigation -> the first frame of the room shell (target 1.5 s),
- opening a book -> its first page image on screen (target 0.5 s).

Starts a real server (`python -m experience_server serve`) on a temporary data directory,
ingests a generated 60-page PDF, builds a room when the server serves rooms (else the
client's stand-in room), then measures each device mode cold (a fresh browser context, no
HTTP cache) and warm (the same context again). Prints a table with p50/p99 and the ratio
to the target.

    python -m benchmarks.web_client [--runs 8] [--modes desktop,touch,blackboard,headset]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pymupdf

from tests.support.chromium import CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[1]
TARGETS_MS = {"shell": 1500.0, "page": 500.0}
LABELS = {
    "shell": "navigation -> room shell frame",
    "page": "open book -> first page image",
    "page-reading": "open book -> reading-size image",
}


@dataclass
class Server:
    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    env: dict[str, str] = field(default_factory=dict)

    def token(self, user: str, role: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "experience_server", "token", "--user", user, "--role", role],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.strip()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running_server(data_dir: Path) -> Iterator[Server]:
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "READINGROOM_DATA_DIR": str(data_dir),
        "READINGROOM_LOG_LEVEL": "warning",
    }
    args = [sys.executable, "-m", "experience_server", "serve", "--host", "127.0.0.1"]
    process = subprocess.Popen(
        [*args, "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = Server(f"http://127.0.0.1:{port}", data_dir, process, env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{server.url}/healthz", timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")
        yield server
    finally:
        process.terminate()
        process.wait(timeout=15)


def make_pdf(path: Path, pages: int = 60) -> Path:
    doc = pymupdf.open()
    for index in range(pages):
        page = doc.new_page(width=420, height=595)
        page.insert_text((50, 70), f"Chapter {index + 1}", fontsize=22)
        for line in range(30):
            text = f"Line {line} of page {index + 1}: a measured sentence for the benchmark."
            page.insert_text((50, 110 + 15 * line), text, fontsize=9)
    doc.save(path)
    doc.close()
    return path


def prepare(server: Server, workdir: Path) -> tuple[str, str]:
    """Ingest the book and, when rooms are served, a room; returns (book id, room id)."""
    headers = {"Authorization": f"Bearer {server.token('bench', 'librarian')}"}
    pdf = make_pdf(workdir / "bench.pdf")
    with httpx.Client(base_url=server.url, headers=headers, timeout=60) as http:
        response = http.post(
            "/api/v1/books", files={"file": ("bench.pdf", pdf.read_bytes(), "application/pdf")}
        )
        if response.status_code in (404, 405):
            raise SystemExit("this server does not ingest books yet: nothing to measure")
        response.raise_for_status()
        book = str(response.json()["id"])
        deadline = time.monotonic() + 120
        while http.get(f"/api/v1/books/{book}").json().get("status", "ready") != "ready":
            if time.monotonic() > deadline:
                raise SystemExit("the benchmark book did not finish rendering")
            time.sleep(0.2)
        room = "bench-stand-in"
        templates = http.get("/api/v1/room-templates")
        if templates.status_code == 200:
            chosen = next((t for t in templates.json() if t.get("name") == "classroom"), None)
            if chosen is not None:
                template = {**chosen["template"], "id": "bench-classroom"}
                if http.post("/api/v1/rooms", json=template).status_code in (200, 201, 409):
                    room = "bench-classroom"
    return book, room


OPEN_BOOK = """async (book) => {
    const rr = window.readingroom;
    const started = performance.now();
    await rr.reader.open(book);
    await rr.stage.nextFrame();
    const first = performance.now() - started;
    const wanted = rr.profile.readingSize;
    while (!rr.reader.book.visiblePages.every(p => rr.reader.book.shownSizes()[p] === wanted)) {
        await new Promise(r => setTimeout(r, 5));
    }
    await rr.stage.nextFrame();
    return [first, performance.now() - started];
}"""


def measure(
    browser: Any, server: Server, url: str, book: str, runs: int
) -> dict[str, dict[str, list[float]]]:
    """{"cold"|"warm": {"shell"|"page"|"page-reading": [ms, ...]}}"""
    out: dict[str, dict[str, list[float]]] = {
        "cold": {k: [] for k in LABELS},
        "warm": {k: [] for k in LABELS},
    }
    for _ in range(runs):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        for kind in ("cold", "warm"):
            page.goto(url)
            page.wait_for_selector("body[data-ready='room']", state="attached", timeout=60_000)
            shell = page.evaluate(
                "() => performance.getEntriesByName('readingroom:room-shell-frame')[0].startTime"
            )
            first, reading = page.evaluate(OPEN_BOOK, book)
            out[kind]["shell"].append(float(shell))
            out[kind]["page"].append(float(first))
            out[kind]["page-reading"].append(float(reading))
        context.close()
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(q) - 1]


def print_table(results: dict[str, dict[str, dict[str, list[float]]]], runs: int) -> None:
    header = (
        f"{'mode':<11} {'cache':<5} {'measure':<33} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'target':>7} {'p50/target':>10}"
    )
    print(header)
    print("-" * len(header))
    for mode, kinds in results.items():
        for kind, measures in kinds.items():
            for key, values in measures.items():
                target = TARGETS_MS.get(key)
                p50 = percentile(values, 50)
                p99 = percentile(values, 99)
                ratio = f"{p50 / target:.2f}" if target else "-"
                target_text = f"{target:.0f}" if target else "-"
                print(
                    f"{mode:<11} {kind:<5} {LABELS[key]:<33} {p50:>8.0f} {p99:>8.0f} "
                    f"{target_text:>7} {ratio:>10}"
                )
    print(f"\n{runs} runs per mode; cold = fresh browser context, warm = reload in it.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--modes", default="desktop,touch,blackboard,headset")
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("Debian's chromium is needed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="rr-bench-web-") as tmp:
        workdir = Path(tmp)
        with running_server(workdir / "data") as server, sync_playwright() as playwright:
            book, room = prepare(server, workdir)
            token = server.token("bench-reader", "reader")
            browser = playwright.chromium.launch(
                executable_path=chromium, headless=True, args=CHROMIUM_ARGS
            )
            results = {}
            for mode in args.modes.split(","):
                url = f"{server.url}/?{urlencode({'room': room, 'mode': mode, 'token': token})}"
                results[mode] = measure(browser, server, url, book, args.runs)
            browser.close()
    print(f"room: {room}   book: 60 pages   machine load: {os.getloadavg()[0]:.1f}\n")
    print_table(results, args.runs)


if __name__ == "__main__":
    main()

"""Book rendering against poppler's pdftoppm, side by side in one run, plus the serving
figures of issue 3: upload to first `medium` page, a cold `full` page, ingest end to end,
and the peak memory of the server and its workers.

    python -m benchmarks.book_render [--rounds 2] [--uploads 7]

Makes its own documents: a text-heavy PDF of 320 pages and 1,000-page PDFs.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

import httpx
import psutil
import pymupdf

from assets.store import AssetStore
from book_renderer.formats import Format
from book_renderer.limits import RenderLimits
from book_renderer.pool import RenderPool
from book_renderer.records import PageJob
from book_renderer.sizes import PageSize
from book_renderer.task_names import RENDER_PAGE

ROOT = Path(__file__).resolve().parents[1]
_VOCABULARY = (
    "library reading room catalogue manuscript archive volume chapter section figure table "
    "index reference citation scholar research university lecture seminar student teacher "
    "knowledge history science literature philosophy language translation edition binding "
    "paper print shelf record collection reader"
)
_WORDS = _VOCABULARY.split()


def text_heavy_pdf(pages: int, seed: int = 1, title: str = "Benchmark") -> bytes:
    """Dense body text like a typeset book: 52 lines of ~95 characters a page, Times (one
    font for the whole book, as LaTeX output has)."""
    rng = random.Random(seed)
    doc = pymupdf.open()
    font = pymupdf.Font("tiro")
    for number in range(1, pages + 1):
        page = doc.new_page(width=595, height=842)
        writer = pymupdf.TextWriter(page.rect)
        writer.append((72, 60), f"{number}", font=font, fontsize=9)
        y = 90.0
        while y < 790:
            line = " ".join(rng.choice(_WORDS) for _ in range(13))
            writer.append((72, y), line[:95], font=font, fontsize=10)
            y += 13.5
        writer.write_text(page)
    doc.set_metadata({"title": title})
    return bytes(doc.tobytes(garbage=3, deflate=True))


def long_pdf_variants(pages: int, count: int) -> list[bytes]:
    """`count` 1,000-page PDFs differing only in their title (so each is a new book)."""
    template = pymupdf.open(stream=text_heavy_pdf(50, seed=7), filetype="pdf")
    doc = pymupdf.open()
    while doc.page_count < pages:
        doc.insert_pdf(template, to_page=min(49, pages - doc.page_count - 1))
    out = []
    for index in range(count):
        doc.set_metadata({"title": f"Long book {index}"})
        out.append(bytes(doc.tobytes(garbage=3, deflate=True)))
    return out


# -- rendering throughput ------------------------------------------------------------------


def readingroom_full(pdf: Path, pages: int, workers: int, store: AssetStore) -> float:
    """Seconds to render every page at `full` (2048 px, JPEG q85) through the render pool."""
    with RenderPool(workers, task_timeout=60.0) as pool:
        # start the workers (not part of the work, like an already-running server)
        warm = [
            pool.submit("book_renderer.tasks:probe_document", pdf, Format.pdf, "w", RenderLimits())
            for _ in range(workers)
        ]
        wait(warm)
        started = time.perf_counter()
        futures = [
            pool.submit(
                RENDER_PAGE,
                PageJob(pdf, Format.pdf, n, (PageSize.full,), False, RenderLimits(), store.root),
            )
            for n in range(1, pages + 1)
        ]
        wait(futures)
        elapsed = time.perf_counter() - started
        for future in futures:
            future.result()
    return elapsed


def pdftoppm(pdf: Path, pages: int, processes: int, out: Path, scale: int) -> float:
    """Seconds for `processes` pdftoppm runs over equal page ranges, in parallel."""
    bounds = [round(i * pages / processes) for i in range(processes + 1)]
    started = time.perf_counter()
    running = [
        subprocess.Popen(
            [
                "pdftoppm",
                "-scale-to",
                str(scale),
                "-jpeg",
                "-jpegopt",
                "quality=85",
                "-f",
                str(bounds[i] + 1),
                "-l",
                str(bounds[i + 1]),
                str(pdf),
                str(out / f"p{scale}-{i}"),
            ]
        )
        for i in range(processes)
        if bounds[i + 1] > bounds[i]
    ]
    for process in running:
        if process.wait() != 0:
            raise RuntimeError("pdftoppm failed")
    return time.perf_counter() - started


# -- the live server ----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, data_dir: Path, workers: int) -> None:
        self.env = {
            **os.environ,
            "READINGROOM_DATA_DIR": str(data_dir),
            "READINGROOM_RENDER_WORKERS": str(workers),
            "READINGROOM_LOG_LEVEL": "warning",
            "PYTHONPATH": str(ROOT),
        }
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        token = subprocess.run(
            [
                sys.executable,
                "-m",
                "experience_server",
                "token",
                "--user",
                "bench",
                "--role",
                "librarian",
            ],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        self.headers = {"Authorization": f"Bearer {token.stdout.strip()}"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "experience_server", "serve", "--port", str(self.port)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(self.url + "/readyz", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.1)
        while len(self.workers()) < workers:  # a running server: its workers are up
            if time.monotonic() > deadline:
                raise RuntimeError("render workers did not start")
            time.sleep(0.1)

    def workers(self) -> list[psutil.Process]:
        """Render workers: the children of the server's forkserver."""
        children = psutil.Process(self.process.pid).children()
        forkservers = [p for p in children if "forkserver" in " ".join(p.cmdline())]
        return [worker for server in forkservers for worker in server.children()]

    def processes(self) -> list[psutil.Process]:
        root = psutil.Process(self.process.pid)
        return [root, *root.children(recursive=True)]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


class PeakMemory:
    """Samples the summed RSS (and PSS: shared pages counted once) of the server tree."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.rss = 0
        self.pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = pss = 0
            for process in self.server.processes():
                with contextlib.suppress(psutil.Error):
                    info = process.memory_full_info()
                    rss += info.rss
                    pss += info.pss
            self.rss, self.pss = max(self.rss, rss), max(self.pss, pss)
            time.sleep(0.02)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def _wait_ready(client: httpx.Client, url: str, timeout: float = 300) -> float:
    started = time.perf_counter()
    while client.get(url).json()["status"] != "ready":
        if time.perf_counter() - started > timeout:
            raise RuntimeError("book did not become ready")
        time.sleep(0.05)
    return time.perf_counter() - started


def uploads(
    server: Server, books: list[bytes]
) -> tuple[list[float], list[float], list[float], list[str]]:
    """Per 1,000-page upload to an idle server: POST start -> first medium page, POST
    answered -> that page, and POST start -> every page's thumb, medium and text done."""
    first_page, after_answer, ingest, ids = [], [], [], []
    with httpx.Client(base_url=server.url, headers=server.headers, timeout=120) as client:
        for data in books:
            started = time.perf_counter()
            response = client.post("/api/v1/books", files={"file": ("long.pdf", data)})
            answered = time.perf_counter()
            book = response.json()
            page = client.get(f"/api/v1/books/{book['id']}/pages/1.jpg?size=medium")
            done = time.perf_counter()
            assert page.status_code == 200, page.text
            first_page.append(done - started)
            after_answer.append(done - answered)
            ingest.append(_wait_ready(client, book["url"]) + (done - started))
            ids.append(book["id"])
    return first_page, after_answer, ingest, ids


def cold_pages(server: Server, ids: list[str], rng: random.Random) -> list[float]:
    """`full` pages never rendered: the first request of each book starts the background
    warming from that page on, so the next picks lie behind it."""
    cold = []
    with httpx.Client(base_url=server.url, headers=server.headers, timeout=120) as client:
        for book_id in ids:
            first = rng.randint(700, 1000)
            for number in [first, *rng.sample(range(1, first - 300), 4)]:
                started = time.perf_counter()
                full = client.get(f"/api/v1/books/{book_id}/pages/{number}.jpg?size=full")
                cold.append(time.perf_counter() - started)
                assert full.status_code == 200
    return cold


def full_render_memory(server: Server, pdf: bytes, pages: int) -> tuple[PeakMemory, float]:
    with httpx.Client(base_url=server.url, headers=server.headers, timeout=120) as client:
        book = client.post("/api/v1/books?wait=true", files={"file": ("text.pdf", pdf)}).json()
        url = f"/api/v1/books/{book['id']}/pages/{{}}.jpg?size=full"
        with PeakMemory(server) as peak, ThreadPoolExecutor(8) as readers:
            started = time.perf_counter()
            codes = list(
                readers.map(lambda n: client.get(url.format(n)).status_code, range(1, pages + 1))
            )
            elapsed = time.perf_counter() - started
        assert set(codes) == {200}
    return peak, elapsed


def refusing_bombs(server: Server, bombs: list[tuple[str, Callable[[], bytes]]]) -> PeakMemory:
    made = [(name, make()) for name, make in bombs]
    with (
        httpx.Client(base_url=server.url, headers=server.headers, timeout=120) as client,
        PeakMemory(server) as peak,
    ):
        for name, data in made:
            response = client.post("/api/v1/books", files={"file": (name, data)})
            assert response.status_code == 422, response.text
    return peak


# -- bombs, made here so the benchmark does not depend on the tests --------------------------


def _zeros_flate(row: bytes, rows: int) -> bytes:
    import zlib

    compressor = zlib.compressobj(6)
    block = row * 1000
    parts = [compressor.compress(block) for _ in range(rows // 1000)]
    return b"".join(parts) + compressor.compress(row * (rows % 1000)) + compressor.flush()


def pixel_bomb_pdf(side: int = 40_000) -> bytes:
    doc = pymupdf.open()
    page = doc.new_page(width=400, height=400)
    data = _zeros_flate(bytes((side + 7) // 8), side)
    xref = doc.get_new_xref()
    doc.update_object(
        xref,
        f"<< /Type /XObject /Subtype /Image /Width {side} /Height {side} "
        f"/ColorSpace /DeviceGray /BitsPerComponent 1 >>",
    )
    doc.update_stream(xref, data, compress=False)
    doc.xref_set_key(xref, "Filter", "/FlateDecode")
    doc.xref_set_key(page.xref, "Resources", f"<< /XObject << /Im0 {xref} 0 R >> >>")
    content = doc.get_new_xref()
    doc.update_object(content, "<< >>")
    doc.update_stream(content, b"q 400 0 0 400 0 0 cm /Im0 Do Q")
    doc.xref_set_key(page.xref, "Contents", f"{content} 0 R")
    return bytes(doc.tobytes())


def pixel_bomb_png(side: int = 30_000) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        return struct.pack(">I", len(data)) + kind + data + crc

    data = _zeros_flate(b"\x00" + bytes((side + 7) // 8), side)
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


# -- the report ---------------------------------------------------------------------------


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _ms(values: list[float]) -> str:
    p50, p99 = _p(values, 0.5) * 1000, _p(values, 0.99) * 1000
    return f"p50 {p50:.0f} ms, p99 {p99:.0f} ms (n={len(values)})"


@contextlib.contextmanager
def _workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="book-render-bench-") as name:
        yield Path(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=320, help="pages of the text-heavy PDF")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds each side")
    parser.add_argument("--uploads", type=int, default=5, help="1,000-page uploads to time")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    rng = random.Random(3)
    with _workdir() as work:
        print(
            f"making documents ({args.pages} text-heavy pages, {args.uploads} x 1,000 pages)",
            flush=True,
        )
        heavy = text_heavy_pdf(args.pages)
        heavy_path = work / "heavy.pdf"
        heavy_path.write_bytes(heavy)
        long_books = long_pdf_variants(1000, args.uploads)
        (work / "long.pdf").write_bytes(long_books[0])

        ours, theirs = [], []
        for round_ in range(args.rounds):
            store = AssetStore(work / f"assets-{round_}")
            store.open()
            ours.append(readingroom_full(heavy_path, args.pages, cores, store))
            out = work / f"ppm-{round_}"
            out.mkdir()
            theirs.append(pdftoppm(heavy_path, args.pages, cores, out, 2048))
        ours_rate, theirs_rate = args.pages / min(ours), args.pages / min(theirs)

        (work / "tm").mkdir()
        thumb_medium = pdftoppm(work / "long.pdf", 1000, cores, work / "tm", 256) + pdftoppm(
            work / "long.pdf", 1000, cores, work / "tm", 1024
        )

        server = Server(work / "server", cores)
        try:
            first_page, after_answer, ingest, ids = uploads(server, long_books)
            cold = cold_pages(server, ids, rng)
            full_peak, full_seconds = full_render_memory(server, heavy, args.pages)
            bomb_peak = refusing_bombs(
                server, [("bomb.pdf", pixel_bomb_pdf), ("bomb.png", pixel_bomb_png)]
            )
        finally:
            server.stop()

    digest = hashlib.sha256(heavy).hexdigest()[:12]
    print()
    print(
        f"machine: {cores} cores; heavy PDF {len(heavy) / 1e6:.1f} MB ({digest}), "
        f"1,000-page PDF {len(long_books[0]) / 1e6:.1f} MB"
    )
    print()
    print("| measure | readingroom | pdftoppm | ratio / target |")
    print("|---|---|---|---|")
    print(
        f"| full (2048 px, q85), {args.pages} text-heavy pages, {cores} processes | "
        f"{ours_rate:.0f} pages/s ({min(ours):.2f} s) | {theirs_rate:.0f} pages/s "
        f"({min(theirs):.2f} s) | {ours_rate / theirs_rate:.2f}x (target >= 1.5x) |"
    )
    print(
        f"| ingest 1,000 pages: thumb + medium (+ text, search index, GLB for us), "
        f"{cores} processes | p50 {_p(ingest, 0.5):.2f} s (n={len(ingest)}) | "
        f"{thumb_medium:.2f} s (images only) | "
        f"{thumb_medium / _p(ingest, 0.5):.2f}x |"
    )
    print(
        f"| upload 1,000-page PDF -> first medium page (from POST start) | "
        f"{_ms(first_page)} | - | target p50 <= 300 ms |"
    )
    print(f"| ... of which after the POST was answered | {_ms(after_answer)} | - | - |")
    print(
        f"| cold full page (not rendered yet, background warming running) | {_ms(cold)} | - "
        "| target p50 <= 150 ms |"
    )
    print(
        f"| peak memory, server + workers, rendering {args.pages} pages at full via HTTP "
        f"({full_seconds:.1f} s) | RSS {full_peak.rss / 2**20:.0f} MiB, "
        f"PSS {full_peak.pss / 2**20:.0f} MiB | - | target < 1.5 GB |"
    )
    print(
        f"| peak memory, server + workers, refusing pixel bombs (40k x 40k PDF image, 30k x "
        f"30k PNG) | RSS {bomb_peak.rss / 2**20:.0f} MiB, PSS {bomb_peak.pss / 2**20:.0f} MiB"
        f" | - | target < 1.5 GB |"
    )


if __name__ == "__main__":
    main()

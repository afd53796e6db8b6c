"""The books API as a client sees it: upload, read while rendering, pages, text, search, the
3D model, IIIF, delivery headers, and every kind of bad input answered with a clear 4xx
that leaves nothing behind while the server keeps serving."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import httpx2
import psutil
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from experience_server.app import create_app
from experience_server.auth.roles import Role
from experience_server.settings import Settings
from tests.book_renderer import documents

ROOT = Path(__file__).resolve().parents[2]
Validate = Callable[[bytes], dict[str, Any]]


class Api:
    """A TestClient with tokens for each role and a view of the data directory."""

    def __init__(self, client: TestClient, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        issuer = client.app.state.services.issuer  # type: ignore[attr-defined]
        self.librarian = {"Authorization": "Bearer " + issuer.issue("lib", Role.librarian)}
        self.reader = {"Authorization": "Bearer " + issuer.issue("rd", Role.reader)}

    def upload(self, name: str, data: bytes, *, wait: bool = False) -> httpx2.Response:
        return self.client.post(
            "/api/v1/books" + ("?wait=true" if wait else ""),
            files={"file": (name, data, "application/octet-stream")},
            headers=self.librarian,
        )

    def get(self, url: str, **headers: str) -> httpx2.Response:
        return self.client.get(url, headers={**self.reader, **headers})

    def stored(self) -> set[Path]:
        root = self.settings.assets_dir
        return {p for p in root.rglob("*") if p.is_file() and "tmp" not in p.parts}

    def staging(self) -> list[Path]:
        return list((self.settings.assets_dir / "tmp").iterdir())

    def total(self) -> int:
        return int(self.get("/api/v1/books").json()["total"])


@pytest.fixture
def app_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var", render_workers=2)


def _api(settings: Settings) -> Iterator[Api]:
    with TestClient(create_app(settings)) as client:
        yield Api(client, settings)


@pytest.fixture
def api(app_settings: Settings) -> Iterator[Api]:
    yield from _api(app_settings)


def _assert_error(response: httpx2.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "detail"}
    assert body["error"]["code"] == code
    return dict(body["error"])


def _jpeg_size(data: bytes) -> tuple[int, int]:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    return image.size


def test_a_book_from_upload_to_every_asset(api: Api, gltf_validate: Validate) -> None:
    response = api.upload("reading-room.pdf", documents.text_pdf(6), wait=True)
    assert response.status_code == 201, response.text
    book = response.json()
    assert book["status"] == "ready"
    assert book["created"] is True
    assert response.headers["location"] == book["url"]

    manifest = api.get(f"/api/v1/books/{book['id']}").json()
    assert manifest["title"] == "The Reading Room"
    assert manifest["authors"] == ["Ann Lee", "Bo Chen"]
    assert manifest["page_count"] == 6
    assert manifest["text_layer"] is True
    assert manifest["outline"][1] == {"level": 2, "title": "First steps", "page": 2}
    first = manifest["pages"][0]
    assert (first["width_mm"], first["height_mm"]) == pytest.approx((148.17, 209.9), abs=0.01)
    for size, long_side in (("thumb", 256), ("medium", 1024), ("full", 2048)):
        image = api.get(first["images"][size])
        assert image.status_code == 200
        assert max(_jpeg_size(image.content)) == long_side
        assert list(_jpeg_size(image.content)) == first["pixels"][size]

    words = api.get(first["text"]).json()["words"]
    assert any(w["text"] == "书" for w in words)
    assert all(0 <= v <= 1 for w in words for v in w["box"])

    found = api.get(f"/api/v1/books/{book['id']}/search?q=读书").json()
    assert found["total"] == 6
    assert found["complete"] is True
    assert found["hits"][0]["page"] == 1
    assert "读书" in found["hits"][0]["snippet"]
    assert len(found["hits"][0]["matches"][0]["boxes"]) == 2
    assert api.get(f"/api/v1/books/{book['id']}/search?q=図書館").json()["total"] == 6

    model = api.get(manifest["model"])
    assert model.headers["content-type"] == "model/gltf-binary"
    report = gltf_validate(model.content)
    assert (report["issues"]["numErrors"], report["issues"]["numWarnings"]) == (0, 0)


def test_iiif_manifest_and_image_service(api: Api) -> None:
    book = api.upload("b.pdf", documents.text_pdf(4), wait=True).json()
    response = api.get(book["iiif_manifest"], accept="application/ld+json")
    assert response.headers["content-type"].startswith("application/ld+json")
    assert response.headers["access-control-allow-origin"] == "*"
    manifest = response.json()
    assert manifest["type"] == "Manifest"
    assert manifest["behavior"] == ["paged"]
    assert len(manifest["items"]) == 4
    assert len(manifest["structures"]) == 2
    body = manifest["items"][0]["items"][0]["items"][0]["body"]
    service = body["service"][0]["id"]

    redirect = api.client.get(service, headers=api.reader, follow_redirects=False)
    assert redirect.status_code == 303
    assert redirect.headers["location"].endswith("/info.json")
    info = api.get(service + "/info.json").json()
    assert info["id"] == service
    assert (info["width"], info["height"]) == (
        body["width"],
        body["height"],
    )

    half = api.get(service + "/full/pct:50/0/default.jpg")  # what BookReader asks for
    assert half.status_code == 200
    assert _jpeg_size(half.content) == (round(info["width"] / 2), round(info["height"] / 2))
    tile = api.get(service + "/512,512,512,512/256,/0/default.jpg")
    assert _jpeg_size(tile.content) == (256, 256)
    gray = api.get(service + "/full/!200,200/90/gray.png")
    assert gray.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(gray.content)).mode == "L"
    again = api.get(
        service + "/512,512,512,512/256,/0/default.jpg", **{"if-none-match": tile.headers["etag"]}
    )
    assert again.status_code == 304
    _assert_error(api.get(service + "/full/max/45/default.jpg"), 501, "iiif_not_implemented")
    _assert_error(api.get(service + "/full/pct:200/0/default.jpg"), 400, "iiif_bad_request")

    cookie = api.librarian["Authorization"].split()[1]
    api.client.cookies.set("readingroom_token", cookie)
    viewer = api.client.get(service + "/info.json")  # a same-site viewer sends the cookie
    api.client.cookies.clear()
    assert viewer.status_code == 200


def test_delivery_etag_immutable_range_and_304(api: Api) -> None:
    book = api.upload("b.pdf", documents.text_pdf(2), wait=True).json()
    url = book["cover"]
    whole = api.get(url)
    etag = whole.headers["etag"]
    assert etag.strip('"')
    assert len(etag.strip('"')) == 64
    # Books without a catalog record follow the default licence (campus): never `public`.
    assert whole.headers["cache-control"] == "private, max-age=31536000, immutable"
    assert api.get(url, **{"if-none-match": etag}).status_code == 304
    part = api.get(url, range="bytes=10-19")
    assert part.status_code == 206
    assert part.content == whole.content[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(whole.content)}"
    assert api.get(url, range=f"bytes={len(whole.content)}-").status_code == 416
    head = api.client.head(url, headers=api.reader)
    assert head.status_code == 200
    assert head.content == b""


def test_pages_are_served_while_the_book_renders(api: Api) -> None:
    response = api.upload("long.pdf", documents.text_pdf(300, toc=False))
    assert response.status_code == 202
    book = response.json()
    assert book["status"] == "rendering"
    last = api.get(f"/api/v1/books/{book['id']}/pages/300.jpg?size=medium")
    assert last.status_code == 200
    assert max(_jpeg_size(last.content)) == 1024
    text = api.get(f"/api/v1/books/{book['id']}/pages/299/text")
    assert any(w["text"] == "299." for w in text.json()["words"])
    assert api.get(book["url"]).json()["pages_ready"] < 300


def test_the_same_file_again_is_the_same_book_at_once(api: Api) -> None:
    data = documents.text_pdf(3)
    first = api.upload("a.pdf", data, wait=True).json()
    again = api.upload("copy-of-a.pdf", data)
    # At once: the answer is the finished book itself, not a new render to wait for (not a
    # wall-clock bound, which a loaded machine breaks).
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    assert again.json()["created"] is False
    assert again.json()["status"] == "ready"


def test_upload_needs_a_librarian_and_reading_needs_a_sign_in(api: Api) -> None:
    response = api.client.post(
        "/api/v1/books", headers=api.reader, files={"file": ("a.pdf", documents.text_pdf(1))}
    )
    assert "librarian" in _assert_error(response, 403, "forbidden")["message"]
    _assert_error(api.client.get("/api/v1/books"), 401, "unauthenticated")
    _assert_error(api.client.get("/iiif/" + "a" * 24 + "/manifest.json"), 401, "unauthenticated")
    _assert_error(api.get("/api/v1/books/" + "a" * 24), 404, "book_not_found")
    assert api.get("/api/v1/books/not-a-book-id").status_code == 422


def test_other_formats(api: Api) -> None:
    epub = api.upload("joy.epub", documents.epub(), wait=True).json()
    assert epub["title"] == "读书之乐 The Joy of Reading"
    assert epub["language"] == "zh-CN"
    hits = api.get(f"/api/v1/books/{epub['id']}/search?q=属于每一个人").json()
    assert hits["total"] > 0
    cbz = api.upload("comic.cbz", documents.cbz(3), wait=True).json()
    assert cbz["page_count"] == 3
    assert api.get(cbz["url"]).json()["text_layer"] is False
    assert api.upload("page.png", documents.png_page(), wait=True).json()["page_count"] == 1
    assert api.upload("short.fb2", documents.fb2(), wait=True).json()["language"] == "ru"


BAD_INPUTS = [
    ("noise.pdf", documents.corrupt_pdf, 422, "corrupt_document", "damaged"),
    ("half.pdf", documents.truncated_pdf, 422, "corrupt_document", "truncated"),
    ("locked.pdf", documents.encrypted_pdf, 422, "encrypted_document", "password-protected"),
    ("empty.pdf", lambda: b"", 400, "empty_file", "0 bytes"),
    ("photo.pdf", documents.png_page, 415, "format_mismatch", "its content is a PNG image"),
    ("poster.pdf", documents.huge_page_pdf, 422, "page_too_large", "10,000 x 10,000 mm"),
    ("bomb.pdf", documents.pixel_bomb_pdf, 422, "too_many_pixels", "40,000 x 40,000 pixels"),
    ("bomb.png", documents.pixel_bomb_png, 422, "too_many_pixels", "pixels"),
    ("bomb.cbz", documents.cbz_bomb, 422, "too_many_pixels", "6,000 x 6,000"),
    ("long.pdf", lambda: documents.many_pages_pdf(10_001), 422, "too_many_pages", "10,001"),
    ("../../etc/book.pdf", lambda: documents.text_pdf(1), 400, "invalid_filename", "path"),
    ("shelf/book.pdf", lambda: documents.text_pdf(1), 400, "invalid_filename", "path"),
    ("C:\\temp\\book.pdf", lambda: documents.text_pdf(1), 400, "invalid_filename", "path"),
    ("thesis.docx", lambda: documents.text_pdf(1), 415, "unsupported_format", ".docx"),
]


@pytest.mark.parametrize(
    ("name", "make", "status", "code", "words"),
    BAD_INPUTS,
    ids=[entry[3] + ":" + entry[0] for entry in BAD_INPUTS],
)
def test_bad_input_gets_a_clear_error_and_leaves_nothing(
    api: Api, name: str, make: Callable[[], bytes], status: int, code: str, words: str
) -> None:
    good = api.upload("good.pdf", documents.text_pdf(2), wait=True).json()
    before = api.stored()
    error = _assert_error(api.upload(name, make()), status, code)
    assert words in error["message"]
    assert api.stored() == before
    assert api.staging() == []
    assert api.total() == 1
    assert api.client.get("/healthz").status_code == 200
    assert api.get(f"/api/v1/books/{good['id']}/pages/2.jpg?size=full").status_code == 200


def test_an_upload_over_the_limit_is_cut_off(tmp_path: Path) -> None:
    for api in _api(Settings(data_dir=tmp_path, render_workers=1, max_upload_bytes=4096)):
        _assert_error(api.upload("big.pdf", documents.text_pdf(20)), 413, "upload_too_large")
        assert api.stored() == set()
        assert api.staging() == []


def test_a_page_that_renders_too_long_refuses_the_book_whole(tmp_path: Path) -> None:
    # A wide margin: ordinary pages render in milliseconds, the slow one in many seconds,
    # so a loaded machine cannot make the good book look slow.
    settings = Settings(data_dir=tmp_path, render_workers=2, render_timeout_seconds=1.0)
    for api in _api(settings):
        good = api.upload("good.pdf", documents.text_pdf(2), wait=True).json()
        before = api.stored()
        slow = documents.slow_pdf(leading_pages=4)
        response = api.upload("slow.pdf", slow, wait=True)
        assert "longer than 1" in _assert_error(response, 422, "render_timeout")["message"]
        assert api.stored() == before
        digest = response.request.url  # the id is the file's hash: ask for it by listing
        assert digest
        assert api.total() == 1
        refused = [b for b in api.get("/api/v1/books").json()["items"] if b["id"] != good["id"]]
        assert refused == []
        assert api.get(f"/api/v1/books/{good['id']}/pages/1.jpg?size=full").status_code == 200


def test_killed_workers_are_replaced(api: Api) -> None:
    book = api.upload("b.pdf", documents.text_pdf(3), wait=True).json()
    library = api.client.app.state.services.books.library  # type: ignore[attr-defined]
    victims = library.worker_pids()
    assert victims
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    response = api.get(f"/api/v1/books/{book['id']}/pages/3.jpg?size=full")
    assert response.status_code == 200
    assert not set(library.worker_pids()) & set(victims)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cli(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "experience_server", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "READINGROOM_DATA_DIR": str(tmp_path / "var"),
        "PYTHONPATH": str(ROOT),
        "READINGROOM_RENDER_WORKERS": "2",
    }


@pytest.mark.slow
def test_live_server_survives_bad_files_and_killed_workers(
    env: dict[str, str], tmp_path: Path
) -> None:
    port = _free_port()
    token = _cli(env, "token", "--user", "lib", "--role", "librarian").stdout.strip()
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "experience_server", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
        with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
            bomb = http.post("/api/v1/books", files={"file": ("b.pdf", documents.pixel_bomb_pdf())})
            assert bomb.status_code == 422
            book = http.post("/api/v1/books", files={"file": ("r.pdf", documents.text_pdf(40))})
            assert book.status_code == 202
            first = http.get(f"/api/v1/books/{book.json()['id']}/pages/1.jpg?size=medium")
            assert first.status_code == 200
            forkserver = [
                p
                for p in psutil.Process(server.pid).children()
                if "forkserver" in " ".join(p.cmdline())
            ]
            workers = [w for f in forkserver for w in f.children()]
            assert len(workers) == 2
            for worker in workers:
                worker.kill()
            page = http.get(f"/api/v1/books/{book.json()['id']}/pages/40.jpg?size=full")
            assert page.status_code == 200
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
    # uvicorn re-raises the signal it shut down on, after a clean shutdown
    assert server.returncode in (0, -signal.SIGTERM)
    assert b"Application shutdown complete" in (tmp_path / "server.log").read_bytes()
    leftovers = [
        p
        for p in psutil.process_iter(["cmdline"])
        if str(env["READINGROOM_DATA_DIR"]) in " ".join(p.info["cmdline"] or [])
    ]
    assert leftovers == []


@pytest.mark.slow
def test_cli_ingest_with_progress_and_json(env: dict[str, str], tmp_path: Path) -> None:
    shelf = tmp_path / "shelf"
    shelf.mkdir()
    (shelf / "one.pdf").write_bytes(documents.text_pdf(12))
    (shelf / "two.epub").write_bytes(documents.epub())
    (shelf / "locked.pdf").write_bytes(documents.encrypted_pdf())
    done = _cli(env, "ingest", str(shelf), "--jobs", "2", "--json")
    assert done.returncode == 1  # one file was refused
    reports = {Path(r["path"]).name: r for r in map(json.loads, done.stdout.splitlines())}
    assert reports["one.pdf"]["status"] == "ready"
    assert reports["one.pdf"]["pages"] == 12
    assert reports["two.epub"]["status"] == "ready"
    assert reports["locked.pdf"]["error"]["code"] == "encrypted_document"
    again = _cli(env, "ingest", str(shelf / "one.pdf"), "--json")
    assert again.returncode == 0
    report = json.loads(again.stdout)
    assert report["id"] == reports["one.pdf"]["id"]
    assert report["created"] is False

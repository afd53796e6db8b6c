"""The rooms API as librarians and clients use it: rooms are data (created, edited,
versioned by librarians), built per device profile into valid GLBs with a manifest,
rebuilt when the books their shelves select change, with previews when GL is there."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from experience_server.app import create_app
from experience_server.auth.roles import Role
from experience_server.services import build_issuer
from experience_server.settings import Settings
from scenes.glb_stats import glb_stats
from scenes.placement import BookPlacement
from scenes.profiles import PROFILES
from tests.scenes.sample_books import sample_books
from tests.scenes.support import assert_valid, image_spread, validate_glbs
from tests.support.tools import missing

ROOMS = "/api/v1/rooms"
Client = Callable[..., TestClient]


def _write_books(path: Path, books: list[BookPlacement]) -> None:
    path.write_text(json.dumps([dataclasses.asdict(b) for b in books]))


class Api:
    """A TestClient with tokens for each role."""

    def __init__(self, client: TestClient, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        issuer = build_issuer(settings)
        self.tokens = {role: issuer.issue(f"user-{role.name}", role) for role in Role}

    def auth(self, role: Role = Role.reader) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def get(self, path: str, role: Role = Role.reader, **kw: Any) -> Any:
        headers = {**self.auth(role), **kw.pop("headers", {})}
        return self.client.get(path, headers=headers, **kw)

    def send(
        self, method: str, path: str, body: Any, role: Role = Role.librarian, **kw: Any
    ) -> Any:
        headers = {**self.auth(role), **kw.pop("headers", {})}
        return self.client.request(method, path, json=body, headers=headers, **kw)


@pytest.fixture
def make_api(tmp_path: Path) -> Iterator[Callable[..., Api]]:
    clients: list[TestClient] = []

    def make(books: list[BookPlacement] | None = None, **settings: Any) -> Api:
        data_dir = tmp_path / f"data{len(clients)}"
        data_dir.mkdir()
        placements = data_dir / "books.json"
        _write_books(placements, books if books is not None else sample_books(600))
        options = {"previews": False, **settings}
        config = Settings(data_dir=data_dir, placements_file=placements, **options)
        client = TestClient(create_app(config))
        client.__enter__()
        clients.append(client)
        return Api(client, config)

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def _template(api: Api, room: str = "classroom") -> dict[str, Any]:
    body: dict[str, Any] = api.get(f"{ROOMS}/{room}").json()["template"]
    return body


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()["error"]
    assert body["code"] == code
    assert set(body) == {"code", "message", "detail"}
    return body


# -- rooms as data ---------------------------------------------------------------------


def test_shipped_rooms_are_listed_for_every_signed_in_user(make_api: Callable[..., Api]) -> None:
    api = make_api()
    listed = api.get(ROOMS, Role.guest)
    assert listed.status_code == 200
    rooms = {r["id"]: r for r in listed.json()}
    assert {"european-literature", "classroom", "quiet-carrels"} <= set(rooms)
    links = rooms["classroom"]["links"]
    assert links["scene"]["headset"] == f"{ROOMS}/classroom/scene.glb?profile=headset"
    _error(api.client.get(ROOMS), 401, "unauthenticated")


def test_librarians_create_rooms_and_others_may_not(make_api: Callable[..., Api]) -> None:
    api = make_api()
    template = _template(api)
    template.update(id="seminar-b", title="Seminar room B")
    for role in (Role.guest, Role.reader, Role.teacher):
        _error(api.send("POST", ROOMS, template, role), 403, "forbidden")
    created = api.send("POST", ROOMS, template)
    assert created.status_code == 201
    assert created.headers["location"] == f"{ROOMS}/seminar-b"
    assert created.json()["version"] == 1
    assert api.get(f"{ROOMS}/seminar-b").json()["title"] == "Seminar room B"
    _error(api.send("POST", ROOMS, template), 409, "room_exists")


def test_invalid_templates_get_422_naming_the_field(make_api: Callable[..., Api]) -> None:
    api = make_api()
    template = _template(api)
    template.update(id="crowded")
    template["tables"][2]["position"] = template["tables"][1]["position"]
    template["materials"]["walls"] = "gold_leaf"
    template["size"]["width"] = 10_000
    error = _error(api.send("POST", ROOMS, template), 422, "invalid_template")
    locs = [issue["loc"] for issue in error["detail"]]
    assert ["materials", "walls"] in locs
    assert ["size", "width"] in locs
    template["materials"]["walls"] = "plaster_white"
    template["size"]["width"] = 10.0
    error = _error(api.send("POST", ROOMS, template), 422, "invalid_template")
    assert error["detail"][0]["loc"] == ["tables", 2, "position"]
    assert "overlaps" in error["detail"][0]["msg"]
    _error(api.send("POST", ROOMS, ["not", "a", "template"]), 422, "invalid_request")
    _error(api.get(f"{ROOMS}/crowded"), 404, "room_not_found")


def test_edits_make_versions_and_stale_edits_are_refused(make_api: Callable[..., Api]) -> None:
    api = make_api()
    room = f"{ROOMS}/classroom"
    first = api.get(room)
    assert first.headers["etag"] == '"v1"'
    template = first.json()["template"]
    template["title"] = "Classroom 101"
    replaced = api.send("PUT", room, template, headers={"If-Match": '"v1"'})
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["version"] == 2
    template["title"] = "Classroom 102"
    _error(api.send("PUT", room, template, headers={"If-Match": '"v1"'}), 412, "version_conflict")
    patched = api.send(
        "PATCH",
        room,
        {"description": "Seminar room, second floor", "lights": [{"position": [5.0, 3.0, 4.0]}]},
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["version"] == 3
    assert body["title"] == "Classroom 101"
    assert len(body["template"]["lights"]) == 1
    versions = api.get(f"{room}/versions", Role.librarian).json()
    assert [v["version"] for v in versions] == [1, 2, 3]
    assert versions[0]["template"]["title"] == "Classroom"
    _error(api.get(f"{room}/versions", Role.reader), 403, "forbidden")


def test_a_refused_edit_changes_nothing(make_api: Callable[..., Api]) -> None:
    api = make_api()
    room = f"{ROOMS}/classroom"
    before = api.get(room).json()
    bad = dict(before["template"], id="another-id")
    _error(api.send("PUT", room, bad), 422, "invalid_template")
    _error(api.send("PATCH", room, {"shelf_ranges": [{"id": "x"}]}), 422, "invalid_template")
    _error(
        api.send("PUT", room, before["template"], headers={"If-Match": "soon"}),
        422,
        "invalid_request",
    )
    after = api.get(room).json()
    assert after["version"] == before["version"]
    assert after["template"] == before["template"]


# -- built rooms -----------------------------------------------------------------------


@pytest.mark.node
def test_every_profile_gets_a_valid_glb_within_its_budget(make_api: Callable[..., Api]) -> None:
    api = make_api()
    glbs = []
    for profile, limits in PROFILES.items():
        response = api.get(f"{ROOMS}/european-literature/scene.glb", params={"profile": profile})
        assert response.status_code == 200
        assert response.headers["content-type"] == "model/gltf-binary"
        glbs.append(response.content)
        stats = glb_stats(response.content)
        if limits.max_draw_calls is not None:
            assert stats.draw_calls <= limits.max_draw_calls
        if limits.max_triangles is not None:
            assert stats.triangles <= limits.max_triangles
    for report in validate_glbs(glbs):
        assert_valid(report)


def test_manifest_lists_parts_in_loading_order(make_api: Callable[..., Api]) -> None:
    api = make_api()
    manifest = api.get(
        f"{ROOMS}/european-literature/manifest", params={"profile": "headset"}
    ).json()
    assert [a["part"] for a in manifest["assets"]] == ["shell", "near", "rest"]
    assert manifest["stats"]["books"] == 600
    assert manifest["profile"]["budget"]["draw_calls"] == 100
    assert manifest["spawn_points"][0]["id"] == "entrance"
    total = 0
    for asset in manifest["assets"]:
        response = api.get(asset["url"])
        assert response.status_code == 200
        assert hashlib.sha256(response.content).hexdigest() == asset["sha256"]
        assert "immutable" in response.headers["cache-control"]
        assert response.headers["etag"] == f'"{asset["sha256"]}"'
        total += asset["books"]
    assert total == 600
    assert manifest["assets"][0]["bytes"] < manifest["scene"]["bytes"] / 10
    ranged = api.get(manifest["assets"][1]["url"], headers={"Range": "bytes=0-11"})
    assert ranged.status_code == 206
    assert ranged.content[:4] == b"glTF"
    assert len(ranged.content) == 12


def test_scene_etag_and_not_modified(make_api: Callable[..., Api]) -> None:
    api = make_api()
    url = f"{ROOMS}/quiet-carrels/scene.glb"
    first = api.get(url, params={"profile": "touch"})
    etag = first.headers["etag"]
    again = api.get(url, params={"profile": "touch"}, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""


def test_assets_of_other_rooms_and_bad_profiles_are_refused(make_api: Callable[..., Api]) -> None:
    api = make_api()
    manifest = api.get(f"{ROOMS}/classroom/manifest").json()
    digest = manifest["assets"][0]["sha256"]
    _error(api.get(f"{ROOMS}/quiet-carrels/assets/{digest}.glb"), 404, "not_found")
    _error(api.get(f"{ROOMS}/classroom/assets/{'0' * 64}.glb"), 404, "not_found")
    error = _error(
        api.get(f"{ROOMS}/classroom/scene.glb", params={"profile": "vr-goggles"}),
        422,
        "invalid_request",
    )
    assert error["detail"][0]["loc"] == ["query", "profile"]
    _error(api.get(f"{ROOMS}/no-such-room/manifest"), 404, "room_not_found")


def test_rooms_rebuild_when_their_books_change(make_api: Callable[..., Api]) -> None:
    books = sample_books(600)
    api = make_api(books)
    url = f"{ROOMS}/european-literature/manifest"
    first = api.get(url).json()
    assert api.get(url).json()["scene"]["sha256"] == first["scene"]["sha256"]  # cached
    changed = [b for b in books if not b.call_number.startswith("PR")]
    changed.append(dataclasses.replace(books[0], record_id="rec-new", title="Ulysses"))
    assert api.settings.placements_file is not None
    _write_books(api.settings.placements_file, changed)
    os.utime(api.settings.placements_file, ns=(1, 2))  # a different stamp, surely
    second = api.get(url).json()
    assert second["fingerprint"] != first["fingerprint"]
    assert second["scene"]["sha256"] != first["scene"]["sha256"]
    shelves = {s["id"]: s for s in second["shelves"]}
    assert shelves["pr-english"]["placed"] == 0
    assert second["stats"]["books"] == len(changed)


def test_editing_a_shelf_query_rebuilds_the_room(make_api: Callable[..., Api]) -> None:
    api = make_api()
    url = f"{ROOMS}/quiet-carrels/manifest"
    first = api.get(url).json()
    assert first["stats"]["books"] == 0  # no class Z in the sample
    template = _template(api, "quiet-carrels")
    template["shelf_ranges"][0]["query"] = {"call_number_range": ["PT1", "PT9999"]}
    assert api.send("PUT", f"{ROOMS}/quiet-carrels", template).status_code == 200
    second = api.get(url).json()
    assert second["room"]["version"] == 2
    assert second["stats"]["books"] > 0


@pytest.mark.slow
def test_a_query_matching_100000_books_is_capped_with_a_clear_message(
    make_api: Callable[..., Api],
) -> None:
    many = [
        BookPlacement(
            f"r{i}", None, f"Novel {i}", ("Anon",), f"PQ{1 + i % 9000} .A{i % 97}", page_count=200
        )
        for i in range(100_000)
    ]
    api = make_api(many, room_max_books=400)
    manifest = api.get(
        f"{ROOMS}/european-literature/manifest", params={"profile": "headset"}
    ).json()
    shelves = {s["id"]: s for s in manifest["shelves"]}
    assert shelves["pq-romance"]["matched"] == 100_000
    assert shelves["pq-romance"]["selected"] == 400
    assert manifest["stats"]["books"] == 400
    notice = next(n for n in manifest["notices"] if "pq-romance" in n)
    assert "100,000" in notice
    assert "400" in notice


# -- previews --------------------------------------------------------------------------


@pytest.mark.slow
def test_room_and_book_previews(make_api: Callable[..., Api]) -> None:
    api = make_api(previews=True)
    response = api.get(f"{ROOMS}/european-literature/preview.png")
    if response.status_code == 503:
        missing(response.json()["error"]["message"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    spread, commonest = image_spread(response.content)
    assert spread > 15
    assert commonest < 0.5
    again = api.get(
        f"{ROOMS}/european-literature/preview.png",
        headers={"If-None-Match": response.headers["etag"]},
    )
    assert again.status_code == 304
    manifest = api.get(f"{ROOMS}/european-literature/manifest").json()
    assert manifest["stats"]["books"] > 0
    record = sample_books(600)[0].record_id
    book = api.get(f"{ROOMS}/european-literature/books/{record}/preview.png")
    assert book.status_code == 200, book.text
    assert image_spread(book.content)[0] > 15
    _error(api.get(f"{ROOMS}/european-literature/books/not-here/preview.png"), 404, "not_found")
    ready = api.client.get("/readyz").json()
    assert ready["checks"]["previews"]["ok"] is True


def test_without_gl_the_api_works_and_readyz_says_why(
    make_api: Callable[..., Api], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("__EGL_VENDOR_LIBRARY_FILENAMES", str(tmp_path / "no-egl.json"))
    api = make_api(previews=True, preview_timeout_seconds=60)
    response = api.get(f"{ROOMS}/classroom/preview.png")
    error = _error(response, 503, "preview_unavailable")
    assert "OpenGL" in error["message"]
    ready = api.client.get("/readyz")
    assert ready.status_code == 200
    previews = ready.json()["checks"]["previews"]
    assert previews["ok"] is False
    assert "OpenGL" in previews["reason"]
    assert api.get(f"{ROOMS}/classroom/manifest").status_code == 200


def test_previews_switched_off(make_api: Callable[..., Api]) -> None:
    api = make_api(previews=False)
    error = _error(api.get(f"{ROOMS}/classroom/preview.png"), 503, "preview_unavailable")
    assert "READINGROOM_PREVIEWS" in error["message"]
    previews = api.client.get("/readyz").json()["checks"]["previews"]
    assert previews["state"] == "off"


def test_shipped_templates_and_schema_help_librarians_start(make_api: Callable[..., Api]) -> None:
    api = make_api()
    shipped = {t["name"]: t for t in api.get("/api/v1/room-templates").json()}
    assert shipped["classroom"]["kind"] == "classroom"
    schema = api.client.get("/api/v1/room-templates/schema").json()
    assert "shelf_ranges" in schema["properties"]
    assert "size" in schema["required"]
    template = shipped["quiet-carrels"]["template"]
    template.update(id="carrels-east", title="Carrels, east wing")
    assert api.send("POST", ROOMS, template).status_code == 201

"""Licences on catalog records decide who reads a book's content: page images, text, search
hits, IIIF images and the GLB; a book's metadata stays visible."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from experience_server.app import create_app
from experience_server.auth.roles import Role
from experience_server.settings import Settings
from tests.book_renderer import documents
from tests.catalog_adapter import marc_samples as ms

CLIENT_ADDRESS = ("10.9.1.2", 50000)
READING_ROOM = "10.9.0.0/16"
ELSEWHERE = "192.0.2.0/24"


class Library:
    """One app with one book; `licence()` links it to a catalog record with that licence."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        librarian = self.headers(Role.librarian)
        upload = client.post(
            "/api/v1/books?wait=true",
            files={"file": ("book.pdf", documents.text_pdf(2), "application/pdf")},
            headers=librarian,
        )
        assert upload.status_code in (200, 201), upload.text
        self.book_id: str = upload.json()["id"]

    def headers(self, role: Role) -> dict[str, str]:
        issuer = self.client.app.state.services.issuer  # type: ignore[attr-defined]
        return {"Authorization": f"Bearer {issuer.issue(f'user-{role.name}', role)}"}

    def licence(self, licence: str) -> None:
        librarian = self.headers(Role.librarian)
        data = ms.binary([ms.book("rec1", "The Reading Room", "Ann Lee", ["Libraries"])])
        imported = self.client.post(
            "/api/v1/catalog/import", files={"file": ("r.mrc", data)}, headers=librarian
        )
        assert imported.status_code == 200, imported.text
        for part, body in (("book", {"book_id": self.book_id}), ("licence", {"licence": licence})):
            answer = self.client.put(
                f"/api/v1/catalog/records/rec1/{part}", json=body, headers=librarian
            )
            assert answer.status_code == 200, answer.text

    def content(self) -> list[str]:
        book = f"/api/v1/books/{self.book_id}"
        return [
            f"{book}/pages/1.jpg",
            f"{book}/pages/1/text",
            f"{book}/search?q=Reading",
            f"{book}/model.glb",
            f"/iiif/{self.book_id}/1/info.json",
            f"/iiif/{self.book_id}/1/full/max/0/default.jpg",
        ]

    def statuses(self, role: Role) -> dict[str, int]:
        headers = self.headers(role)
        return {url: self.client.get(url, headers=headers).status_code for url in self.content()}

    def readable(self, role: Role) -> bool:
        statuses = self.statuses(role)
        assert set(statuses.values()) <= {200, 403}, statuses
        assert len(set(statuses.values())) == 1, f"content answers disagree: {statuses}"
        return set(statuses.values()) == {200}


LibraryFactory = Callable[..., Library]


@pytest.fixture
def library_factory(tmp_path: Path) -> Iterator[LibraryFactory]:
    clients: list[TestClient] = []

    def make(**settings: object) -> Library:
        app = create_app(Settings(data_dir=tmp_path / f"d{len(clients)}", **settings))  # type: ignore[arg-type]
        client = TestClient(app, client=CLIENT_ADDRESS)
        client.__enter__()
        clients.append(client)
        return Library(client)

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def test_open_books_are_read_by_guests_and_may_be_cached_publicly(
    library_factory: LibraryFactory,
) -> None:
    library = library_factory()
    library.licence("open")
    assert library.readable(Role.guest)
    page = library.client.get(library.content()[0], headers=library.headers(Role.guest))
    assert page.headers["cache-control"].startswith("public")


def test_campus_books_are_read_signed_in_but_never_cached_publicly(
    library_factory: LibraryFactory,
) -> None:
    library = library_factory()
    library.licence("campus")
    assert library.readable(Role.guest)
    for url in (library.content()[0], library.content()[3], library.content()[5]):
        answer = library.client.get(url, headers=library.headers(Role.reader))
        assert "public" not in answer.headers["cache-control"]
        assert answer.headers["cache-control"].startswith("private")
    anonymous = library.client.get(library.content()[0])
    assert anonymous.status_code == 401


def test_onsite_books_are_read_only_from_the_experience_zone(
    library_factory: LibraryFactory,
) -> None:
    inside = library_factory(onsite_networks=[READING_ROOM])
    inside.licence("onsite")
    assert inside.readable(Role.guest)
    outside = library_factory(onsite_networks=[ELSEWHERE])
    outside.licence("onsite")
    assert not outside.readable(Role.admin)
    unset = library_factory()
    unset.licence("onsite")
    assert not unset.readable(Role.reader)


def test_role_limited_books_need_that_role_or_higher(library_factory: LibraryFactory) -> None:
    library = library_factory()
    library.licence("role:teacher")
    assert [library.readable(role) for role in Role] == [False, False, True, True, True]
    denied = library.client.get(library.content()[1], headers=library.headers(Role.reader))
    assert denied.json()["error"]["code"] == "forbidden"
    assert "teacher" in denied.json()["error"]["message"]
    assert "Reading" not in denied.text
    metadata = library.client.get(
        f"/api/v1/books/{library.book_id}", headers=library.headers(Role.reader)
    )
    assert metadata.status_code == 200
    listed = library.client.get("/api/v1/books", headers=library.headers(Role.reader))
    assert [b["id"] for b in listed.json()["items"]] == [library.book_id]


def test_books_without_a_record_follow_the_default_licence(
    library_factory: LibraryFactory,
) -> None:
    library = library_factory(catalog_default_licence="role:librarian")
    assert not library.readable(Role.teacher)
    assert library.readable(Role.librarian)
    library.licence("open")
    assert library.readable(Role.guest)

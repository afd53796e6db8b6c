"""The catalog, analytics and privacy endpoints over HTTP, in-process with the real lifespan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from experience_server.app import create_app
from experience_server.auth.roles import Role
from experience_server.settings import Settings
from tests.catalog_adapter import marc_samples as ms


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, also_borrowed_min_patrons=2)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _auth(client: TestClient, role: Role, user: str = "u1") -> dict[str, str]:
    issuer = client.app.state.services.issuer  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {issuer.issue(user, role)}"}


def _import(client: TestClient) -> dict[str, object]:
    data = ms.binary(
        [
            ms.book("cn001", "红楼梦", "曹雪芹", ["中国小说"], extra=[ms.koha_item("B1")]),
            ms.book("jp001", "ノルウェイの森", "村上春樹", ["日本文学"]),
        ]
    ) + ms.iso2709([("001", b"bad1"), ("245", b"1\x01\x1faBroken")], coding="a")
    response = client.post(
        "/api/v1/catalog/import",
        files={"file": ("lib.mrc", data)},
        headers=_auth(client, Role.librarian),
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_librarian_imports_and_reader_searches(client: TestClient) -> None:
    report = _import(client)
    assert (report["format"], report["imported"]) == ("marc", 2)
    assert report["rejected"] == [
        {
            "position": 3,
            "reason": "field 245: invalid indicators '1\\x01'",
            "offset": report["rejected"][0]["offset"],  # type: ignore[index]
            "line": None,
            "control_number": "bad1",
        }
    ]
    reader = _auth(client, Role.reader)
    found = client.get("/api/v1/catalog/search", params={"q": "红楼"}, headers=reader).json()
    assert [h["id"] for h in found["hits"]] == ["cn001"]
    by_author = client.get(
        "/api/v1/catalog/search", params={"q": "村上", "field": "author"}, headers=reader
    ).json()
    assert [h["id"] for h in by_author["hits"]] == ["jp001"]
    record = client.get("/api/v1/catalog/records/cn001", headers=reader).json()
    assert record["items"][0]["item_id"] == "B1"
    assert record["licence"] == "campus"
    assert "marc" not in record


def test_errors_use_the_one_shape(client: TestClient) -> None:
    reader = _auth(client, Role.reader)
    missing = client.get("/api/v1/catalog/records/nope", headers=reader)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    empty = client.get("/api/v1/catalog/search", params={"q": ""}, headers=reader)
    assert empty.status_code == 422
    assert client.get("/api/v1/catalog/search", params={"q": "x"}).status_code == 401
    forbidden = client.post(
        "/api/v1/catalog/import", files={"file": ("a.mrc", b"x")}, headers=reader
    )
    assert forbidden.status_code == 403
    not_marc = client.post(
        "/api/v1/catalog/import",
        files={"file": ("a.pdf", b"%PDF-1.4")},
        headers=_auth(client, Role.librarian),
    )
    assert not_marc.status_code == 422
    assert not_marc.json()["error"]["code"] == "unreadable_marc"
    bad_licence = client.put(
        "/api/v1/catalog/records/nope/licence",
        json={"licence": "x"},
        headers=_auth(client, Role.librarian),
    )
    assert bad_licence.status_code == 422


def test_book_link_related_and_loans(client: TestClient) -> None:
    _import(client)
    librarian = _auth(client, Role.librarian)
    assert (
        client.put(
            "/api/v1/catalog/records/cn001/book", json={"book_id": "b-hlm"}, headers=librarian
        ).status_code
        == 200
    )
    assert (
        client.put(
            "/api/v1/catalog/records/jp001/licence", json={"licence": "onsite"}, headers=librarian
        ).json()["licence"]
        == "onsite"
    )
    when = dt.datetime.now(dt.UTC).isoformat()
    loans = [
        {"patron": p, "record": r, "loaned_at": when}
        for p in ("p1", "p2")
        for r in ("cn001", "jp001")
    ]
    stored = client.post("/api/v1/circulation/loans", json=loans, headers=librarian).json()
    assert stored["stored"] == 4
    built = client.post("/api/v1/circulation/also-borrowed/build", headers=librarian).json()
    assert built["pairs_kept"] == 1
    view = client.get("/api/v1/books/b-hlm/related", headers=_auth(client, Role.reader)).json()
    assert view["record_id"] == "cn001"
    assert [a["record_id"] for a in view["also_borrowed"]] == ["jp001"]
    hot = client.get(
        "/api/v1/analytics/hot", params={"period": "week"}, headers=_auth(client, Role.reader)
    ).json()
    assert {b["record_id"] for b in hot["books"]} == {"cn001", "jp001"}
    rates = client.get(
        "/api/v1/analytics/borrowing",
        params={"from": "2020-01-01", "until": "2040-01-01", "period": "year"},
        headers=librarian,
    )
    assert rates.status_code == 200
    assert sum(p["loans"] for p in rates.json()["series"]) == 4
    assert (
        client.get(
            "/api/v1/analytics/borrowing",
            params={"from": "2000-01-01", "until": "2001-01-01"},
            headers=_auth(client, Role.reader),
        ).status_code
        == 403
    )


def test_a_reader_exports_and_deletes_their_data(client: TestClient) -> None:
    _import(client)
    alice = _auth(client, Role.reader, user="alice")
    assert (
        client.post(
            "/api/v1/me/history", json={"book": "b-1", "page": 4}, headers=alice
        ).status_code
        == 204
    )
    client.post(
        "/api/v1/circulation/loans",
        headers=_auth(client, Role.librarian),
        json=[{"patron": "alice", "item": "B1", "loaned_at": dt.datetime.now(dt.UTC).isoformat()}],
    )
    exported = client.get("/api/v1/me/data", headers=alice).json()
    assert exported["data"]["catalog"]["reading_history"][0]["book"] == "b-1"
    assert exported["data"]["catalog"]["loans"][0]["record"] == "cn001"
    deleted = client.delete("/api/v1/me/data", headers=alice).json()
    assert deleted["deleted"]["catalog"] == {"reading_history": 1, "loans": 1}
    assert client.get("/api/v1/me/history", headers=alice).json()["events"] == []


def test_bad_analytics_and_history_input_is_refused(client: TestClient) -> None:
    librarian = _auth(client, Role.librarian)
    bogus = client.get("/api/v1/analytics/hot", params={"period": "decade"}, headers=librarian)
    assert bogus.status_code == 422
    backwards = client.get(
        "/api/v1/analytics/borrowing",
        params={"from": "2025-02-01", "until": "2025-01-01"},
        headers=librarian,
    )
    assert (backwards.status_code, backwards.json()["error"]["code"]) == (422, "invalid_query")
    bad_book = client.post("/api/v1/me/history", json={"book": "../etc/passwd"}, headers=librarian)
    assert bad_book.status_code == 422
    both = client.post(
        "/api/v1/circulation/loans",
        headers=librarian,
        json=[{"patron": "p", "item": "B1", "record": "r", "loaned_at": "2025-01-01T00:00:00Z"}],
    )
    assert both.status_code == 422
    assert client.get("/api/v1/books/..%2Fx/related", headers=librarian).status_code in (404, 422)


def test_the_sru_adapter_answers_searches_when_configured(tmp_path: Path) -> None:
    from tests.catalog_adapter.zebra_server import zebra_sru

    (tmp_path / "zebra").mkdir()
    records = [ms.book("z1", "Remote catalog record", "Zebra, Server", ["Protocols"])]
    with zebra_sru(tmp_path / "zebra", ms.marcxml(records)) as url:
        settings = Settings(data_dir=tmp_path / "var", catalog="sru", sru_url=url)
        with TestClient(create_app(settings)) as client:
            reader = _auth(client, Role.reader)
            found = client.get("/api/v1/catalog/search", params={"q": "remote"}, headers=reader)
            assert [h["id"] for h in found.json()["hits"]] == ["z1"]
            record = client.get("/api/v1/catalog/records/z1", headers=reader).json()
            assert record["authors"] == ["Zebra, Server"]
    with TestClient(create_app(settings)) as client:  # the server is gone now
        down = client.get(
            "/api/v1/catalog/search", params={"q": "remote"}, headers=_auth(client, Role.reader)
        )
        assert (down.status_code, down.json()["error"]["code"]) == (502, "catalog_unavailable")

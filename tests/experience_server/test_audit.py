"""Librarian and admin actions leave an audit entry (who, what, which target, outcome) that
admins read back; reading content never appears in it."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from experience_server.auth.roles import Role
from tests.book_renderer import documents
from tests.catalog_adapter import marc_samples as ms


def _headers(client: TestClient, role: Role, user: str) -> dict[str, str]:
    issuer = client.app.state.services.issuer  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {issuer.issue(user, role)}"}


def test_librarian_actions_are_audited_and_admins_read_them(client: TestClient) -> None:
    librarian = _headers(client, Role.librarian, "lib-7")
    admin = _headers(client, Role.admin, "adm-1")
    book = client.post(
        "/api/v1/books?wait=true",
        files={"file": ("b.pdf", documents.text_pdf(1, marker="SECRETWORD"), "application/pdf")},
        headers=librarian,
    ).json()["id"]
    data = ms.binary([ms.book("rec9", "Hidden Title", "Ann Lee", ["Libraries"])])
    client.post("/api/v1/catalog/import", files={"file": ("r.mrc", data)}, headers=librarian)
    client.put("/api/v1/catalog/records/rec9/book", json={"book_id": book}, headers=librarian)
    client.put("/api/v1/catalog/records/rec9/licence", json={"licence": "open"}, headers=librarian)
    missing = client.put(
        "/api/v1/catalog/records/nope/licence", json={"licence": "open"}, headers=librarian
    )
    assert missing.status_code == 404
    # Reading is not an audited action.
    reader = _headers(client, Role.reader, "rd-1")
    assert client.get(f"/api/v1/books/{book}/search?q=SECRETWORD", headers=reader).is_success

    assert client.get("/api/v1/admin/audit", headers=librarian).status_code == 403
    answer = client.get("/api/v1/admin/audit", headers=admin)
    assert answer.status_code == 200
    entries = answer.json()["entries"]
    seen = [(e["user_id"], e["role"], e["action"], e["target"], e["outcome"]) for e in entries]
    assert seen == [
        ("lib-7", "librarian", "licence_edit", "nope", "failed: RecordNotFoundError"),
        ("lib-7", "librarian", "licence_edit", "rec9", "ok"),
        ("lib-7", "librarian", "catalog_edit", "rec9", "ok"),
        ("lib-7", "librarian", "catalog_import", "-", "ok"),
        ("lib-7", "librarian", "book_upload", book, "ok"),
    ]
    assert all(e["at"] > 0 for e in entries)
    text = json.dumps(entries)
    assert "SECRETWORD" not in text
    assert "Hidden Title" not in text
    older = client.get(f"/api/v1/admin/audit?limit=2&before={entries[1]['id']}", headers=admin)
    assert [e["action"] for e in older.json()["entries"]] == ["catalog_edit", "catalog_import"]


def test_room_edits_and_rfid_posts_are_audited(client: TestClient) -> None:
    librarian = _headers(client, Role.librarian, "lib-8")
    admin = _headers(client, Role.admin, "adm-1")
    created = client.post("/api/v1/rooms", json={"nonsense": True}, headers=librarian)
    assert created.status_code == 422
    rfid = client.post("/api/v1/rfid/events", json=[], headers=librarian)
    entries = client.get("/api/v1/admin/audit", headers=admin).json()["entries"]
    actions = [(e["action"], e["outcome"]) for e in entries]
    assert ("rfid_post", "ok" if rfid.is_success else f"failed: {rfid.status_code}") in actions
    assert actions[-1][0] == "room_edit"
    assert actions[-1][1].startswith("failed")

"""POST /api/v1/rfid/events and GET /api/v1/catalog/records/{id}/location through the real
app (TestClient, lifespan and all), with a real SIP2 server where the ILS is involved."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from catalog_adapter.item_lookup import InMemoryItemLookup, ItemRef
from catalog_adapter.shelf_map import ShelfMapError
from experience_server.app import create_app
from experience_server.auth.roles import Role
from experience_server.routers.location import get_item_lookup
from experience_server.settings import Settings
from tests.catalog_adapter.maps import write_reader_map
from tests.catalog_adapter.sip2_acs import AcsItem, running_acs
from tests.experience_server.test_error_shape import assert_error_shape
from tests.support.net import free_port

CATALOG = InMemoryItemLookup(
    {
        "rec-1": [
            ItemRef("39001001", "PL2727 .S2 1982 c.1", "Main stacks"),
            ItemRef("39001002", "PL2727 .S2 1982 c.2", "Main stacks"),
        ],
        "rec-2": [ItemRef("39002001", "QA76 .K6", "Science library")],
        "rec-empty": [],
    }
)
Auth = Callable[[str], dict[str, str]]


@contextmanager
def running_app(tmp_path: Path, **overrides: Any) -> Iterator[tuple[TestClient, Auth]]:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "rfid_readers": write_reader_map(tmp_path),
        "rfid_debounce_seconds": 10.0,
        "rfid_departure_seconds": 120.0,
    }
    values.update(overrides)
    app = create_app(Settings(**values))
    app.dependency_overrides[get_item_lookup] = lambda: CATALOG
    with TestClient(app) as client:
        issuer = app.state.services.issuer

        def auth(role: str) -> dict[str, str]:
            token = issuer.issue(f"user-{role}", Role[role])
            return {"Authorization": f"Bearer {token}"}

        yield client, auth


def at(seconds_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds_ago)).isoformat()


def read(
    item: str | None, seconds_ago: float, antenna: str | int = 1, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "reader": "R-3-12",
        "antenna": antenna,
        "tag": f"E200-{item}",
        "item": item,
        "seen_at": at(seconds_ago),
    }
    body.update(extra)
    return body


# -- who may post ------------------------------------------------------------------------


def test_only_librarians_and_admins_post_reads(tmp_path: Path) -> None:
    with running_app(tmp_path) as (client, auth):
        reads = [read("39001001", 30)]
        anonymous = client.post("/api/v1/rfid/events", json=reads)
        assert anonymous.status_code == 401
        assert_error_shape(anonymous.json(), "unauthenticated")
        for role in ("guest", "reader", "teacher"):
            denied = client.post("/api/v1/rfid/events", json=reads, headers=auth(role))
            assert denied.status_code == 403, role
            assert_error_shape(denied.json(), "forbidden")
        for role in ("librarian", "admin"):
            ok = client.post("/api/v1/rfid/events", json=reads, headers=auth(role))
            assert ok.status_code == 200, role


# -- bad input ---------------------------------------------------------------------------


def test_unknown_readers_and_tags_are_refused_with_reasons_and_nothing_is_stored(
    tmp_path: Path,
) -> None:
    with running_app(tmp_path, rfid_debounce_seconds=0.0) as (client, auth):
        batch = [
            read("39001001", 30),
            read("39001001", 30, reader="R-9-99"),
            read("39001001", 30, antenna=7),
            read("NOT-A-COPY", 30),
            read(None, 30, tag="E200-NEVER-BOUND"),
            read("39001001", -3600),
        ]
        refused = client.post("/api/v1/rfid/events", json=batch, headers=auth("librarian"))
        assert refused.status_code == 422
        body = refused.json()
        assert_error_shape(body, "rfid_reads_refused")
        assert "nothing was stored" in body["error"]["message"]
        assert [(d["index"], d["field"]) for d in body["error"]["detail"]] == [
            (1, "reader"),
            (2, "antenna"),
            (3, "item"),
            (4, "tag"),
            (5, "seen_at"),
        ]
        reasons = [d["reason"] for d in body["error"]["detail"]]
        assert reasons[0] == "unknown reader 'R-9-99': not in the reader map"
        assert reasons[1] == "unknown antenna '7' on reader 'R-3-12': not in the reader map"
        assert reasons[2] == "unknown item 'NOT-A-COPY': not a copy in the catalog"
        assert reasons[3].startswith("unknown tag 'E200-NEVER-BOUND'")

        history = client.get("/api/v1/rfid/items/39001001/movements", headers=auth("librarian"))
        assert history.json() == [], "the good read of a refused batch was not stored"
        location = client.get("/api/v1/catalog/records/rec-1/location", headers=auth("guest"))
        assert location.json()["copies"][0]["rfid"] is None


def test_skip_refused_keeps_the_good_reads_and_lists_the_rest(tmp_path: Path) -> None:
    with running_app(tmp_path, rfid_debounce_seconds=0.0) as (client, auth):
        batch = [read("39001001", 30), read("39001001", 20, reader="R-9-99")]
        answer = client.post(
            "/api/v1/rfid/events?skip_refused=true", json=batch, headers=auth("librarian")
        )
        assert answer.status_code == 200
        body = answer.json()
        assert body["accepted"] == 1
        assert [r["index"] for r in body["refused"]] == [1]
        assert [(m["kind"], m["to"]) for m in body["movements"]] == [
            ("arrived", {"reader": "R-3-12", "antenna": "1"})
        ]


def test_a_bound_tag_needs_no_item_afterwards(tmp_path: Path) -> None:
    with running_app(tmp_path, rfid_debounce_seconds=0.0) as (client, auth):
        first = client.post(
            "/api/v1/rfid/events", json=[read("39001001", 30)], headers=auth("admin")
        )
        assert first.status_code == 200
        later = read(None, 20, tag="E200-39001001")
        again = client.post("/api/v1/rfid/events", json=[later], headers=auth("admin"))
        assert again.status_code == 200
        assert again.json()["accepted"] == 1


@pytest.mark.parametrize(
    "payload",
    [
        [{"reader": "R-3-12", "antenna": 1, "tag": "t", "item": "39001001"}],
        [{"reader": "R-3-12", "antenna": 1, "tag": "t", "seen_at": "2025-01-01T10:00:00"}],
        [{"reader": "R-3-12", "antenna": 1, "tag": "t", "seen_at": "yesterday"}],
        [{"reader": "", "antenna": 1, "tag": "t", "seen_at": "2025-01-01T10:00:00Z"}],
        [{"reader": "R-3-12", "antenna": 1, "tag": "t", "seen_at": "2025-01-01T10:00:00Z",
          "rssi": -40}],
        [{"reader": "R-3-12", "antenna": [1], "tag": "t", "seen_at": "2025-01-01T10:00:00Z"}],
        {"reader": "R-3-12"},
        "not json at all",
    ],
)  # fmt: skip
def test_malformed_reads_get_422_in_the_error_shape(tmp_path: Path, payload: Any) -> None:
    with running_app(tmp_path) as (client, auth):
        if isinstance(payload, str):
            answer = client.post(
                "/api/v1/rfid/events",
                content=payload,
                headers={**auth("librarian"), "content-type": "application/json"},
            )
        else:
            answer = client.post("/api/v1/rfid/events", json=payload, headers=auth("librarian"))
        assert answer.status_code == 422
        assert_error_shape(answer.json(), "invalid_request")


def test_more_than_ten_thousand_reads_in_one_post_are_refused(tmp_path: Path) -> None:
    with running_app(tmp_path) as (client, auth):
        reads = [read("39001001", 30)] * 10_001
        answer = client.post("/api/v1/rfid/events", json=reads, headers=auth("librarian"))
    assert answer.status_code == 422
    assert answer.json()["error"]["detail"][0]["type"] == "too_long"


# -- arrived, moved, departed --------------------------------------------------------------


def test_arrived_moved_departed_with_debouncing(tmp_path: Path) -> None:
    with running_app(tmp_path) as (client, auth):
        librarian = auth("librarian")

        def post(*reads: dict[str, Any]) -> list[tuple[str, Any, Any]]:
            answer = client.post("/api/v1/rfid/events", json=list(reads), headers=librarian)
            assert answer.status_code == 200, answer.text
            return [(m["kind"], m["from"], m["to"]) for m in answer.json()["movements"]]

        shelf1 = {"reader": "R-3-12", "antenna": "1"}
        shelf2 = {"reader": "R-3-12", "antenna": "2"}
        t0 = 1000.0  # seconds ago
        assert post(read("39001001", t0), read("39001001", t0 - 5)) == []
        assert post(read("39001001", t0 - 10)) == [("arrived", None, shelf1)]

        flicker = [read("39001001", t0 - 10 - 3 * i, antenna=1 + i % 2) for i in range(1, 30)]
        assert post(*flicker) == [], "flickering between neighbours is not a move"

        t1 = t0 - 10 - 3 * 29
        moving = [read("39001001", t1 - 2 * i, antenna=2) for i in range(1, 8)]
        assert post(*moving) == [("moved", shelf1, shelf2)]

        last_seen = t1 - 14
        neighbour = [read("39001002", last_seen - 10 * i, antenna=1) for i in range(0, 14)]
        assert post(*neighbour) == [
            ("arrived", None, shelf1),
            ("departed", shelf2, None),
        ], "its reader kept reporting for the departure window without it"

        history = client.get("/api/v1/rfid/items/39001001/movements", headers=librarian)
        assert [m["kind"] for m in history.json()] == ["departed", "moved", "arrived"]


# -- the location answer -------------------------------------------------------------------


def test_location_merges_shelf_reads_and_the_ils(tmp_path: Path) -> None:
    items = {
        "39001001": AcsItem("03", "紅樓夢", "MAIN-3F", "MAIN-3F"),
        "39001002": AcsItem("04", "紅樓夢", "MAIN-3F", "CIRC", due="20260115    235900"),
    }
    with running_acs(items) as acs:
        # A roomy SIP2 timeout: this test wants the ILS's answer, even on a loaded machine.
        settings = {
            "sip2_address": acs.address,
            "sip2_institution": "MAIN",
            "sip2_timeout_seconds": 30.0,
        }
        with running_app(tmp_path, **settings) as (client, auth):
            reads = [read("39001001", s) for s in (40, 30, 20)]
            assert client.post("/api/v1/rfid/events", json=reads, headers=auth("librarian")).json()[
                "movements"
            ]
            answer = client.get("/api/v1/catalog/records/rec-1/location", headers=auth("guest"))
    assert answer.status_code == 200
    body = answer.json()
    assert body["record_id"] == "rec-1"
    assert body["summary"] == "1 of 2 copies on the shelf"
    on_shelf, on_loan = body["copies"]

    assert on_shelf["item"] == "39001001"
    assert (on_shelf["state"], on_shelf["on_shelf"]) == ("on_shelf", True)
    assert on_shelf["summary"] == "on the shelf: Third floor, range 12, shelf 1"
    guidance = on_shelf["guidance"]
    assert guidance == {
        "source": "rfid",
        "floor": "3",
        "floor_name": "Third floor",
        "range": "12",
        "shelf": "1",
        "label": "Third floor, range 12, shelf 1",
        "x": 410.0,
        "y": 230.0,
        "plan": {"image": "/plans/3f.svg", "width": 1200.0, "height": 800.0},
        "reader": "R-3-12",
        "antenna": "1",
    }
    assert on_shelf["rfid"]["state"] == "present"
    assert 15 <= on_shelf["rfid"]["age_seconds"] < 60
    assert on_shelf["rfid"]["stale"] is False
    ils = on_shelf["ils"]
    assert (ils["status"], ils["circulation_status"], ils["circulation"]) == (
        "ok",
        "03",
        "available",
    )
    assert (ils["permanent_location"], ils["current_location"]) == ("MAIN-3F", "MAIN-3F")
    assert ils["age_seconds"] < 5

    assert on_loan["item"] == "39001002"
    assert (on_loan["state"], on_loan["on_shelf"]) == ("checked_out", False)
    assert on_loan["summary"] == "charged, due 20260115    235900"
    assert on_loan["rfid"] is None
    assert on_loan["ils"]["current_location"] == "CIRC"
    assert on_loan["call_number"] == "PL2727 .S2 1982 c.2"


def test_location_says_ils_unavailable_when_the_sip2_server_is_down(tmp_path: Path) -> None:
    settings = {"sip2_address": f"127.0.0.1:{free_port()}", "sip2_timeout_seconds": 1.0}
    with running_app(tmp_path, **settings) as (client, auth):
        answer = client.get("/api/v1/catalog/records/rec-2/location", headers=auth("guest"))
    assert answer.status_code == 200
    (copy,) = answer.json()["copies"]
    assert copy["summary"] == "unknown: ILS unavailable"
    assert copy["ils"]["status"] == "unknown: ILS unavailable"
    assert (copy["state"], copy["on_shelf"]) == ("unknown", None)


def test_location_says_ils_unavailable_within_the_timeout_when_sip2_is_slow(
    tmp_path: Path,
) -> None:
    with running_acs({"39002001": AcsItem("03", "t")}, delay=30.0) as acs:
        settings = {"sip2_address": acs.address, "sip2_timeout_seconds": 0.5}
        with running_app(tmp_path, **settings) as (client, auth):
            started = time.monotonic()
            answer = client.get("/api/v1/catalog/records/rec-2/location", headers=auth("guest"))
            elapsed = time.monotonic() - started
    assert answer.status_code == 200
    assert answer.json()["copies"][0]["summary"] == "unknown: ILS unavailable"
    # Not held for the slow ILS (30 s); the SIP2 client's own tests check the deadline
    # closely, this one leaves a loaded machine room for the HTTP round trip.
    assert elapsed < 3.0, f"answered after {elapsed:.2f} s with a 0.5 s SIP2 timeout"


def test_shelf_reads_still_place_a_copy_when_the_ils_is_down(tmp_path: Path) -> None:
    settings = {"sip2_address": f"127.0.0.1:{free_port()}", "rfid_debounce_seconds": 0.0}
    with running_app(tmp_path, **settings) as (client, auth):
        client.post("/api/v1/rfid/events", json=[read("39001001", 5)], headers=auth("librarian"))
        answer = client.get("/api/v1/catalog/records/rec-1/location", headers=auth("reader"))
    first, second = answer.json()["copies"]
    assert (first["state"], first["guidance"]["shelf"]) == ("on_shelf", "1")
    assert first["ils"]["status"] == "unknown: ILS unavailable"
    assert second["summary"] == "unknown: ILS unavailable"


def test_location_needs_a_signed_in_user_and_a_known_record(tmp_path: Path) -> None:
    with running_app(tmp_path) as (client, auth):
        anonymous = client.get("/api/v1/catalog/records/rec-1/location")
        assert anonymous.status_code == 401
        missing = client.get("/api/v1/catalog/records/nope/location", headers=auth("guest"))
        assert missing.status_code == 404
        assert_error_shape(missing.json(), "record_not_found")
        empty = client.get("/api/v1/catalog/records/rec-empty/location", headers=auth("guest"))
        assert empty.status_code == 200
        assert empty.json()["copies"] == []
        no_ils = client.get("/api/v1/catalog/records/rec-2/location", headers=auth("guest"))
        copy = no_ils.json()["copies"][0]
        assert copy["ils"]["status"] == "not configured"
        assert copy["summary"] == "unknown: no shelf read and no ILS configured"


# -- configuration -------------------------------------------------------------------------


def test_a_broken_reader_map_stops_startup_with_its_problems(tmp_path: Path) -> None:
    broken = write_reader_map(tmp_path, 'version = 1\n[[readers]]\nid = "R"\nantennas = []\n')
    app = create_app(Settings(data_dir=tmp_path / "data", rfid_readers=broken))
    problem = r"readers\[0\]\.antennas: List should have"
    with pytest.raises(ShelfMapError, match=problem), TestClient(app):
        pass


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"sip2_address": "ils.example.edu"}, "is not host:port"),
        ({"sip2_address": "127.0.0.1:6001", "sip2_encoding": "klingon"}, "klingon"),
        ({"rfid_debounce_seconds": 200.0}, "longer than the debounce window"),
        ({"rfid_stale_seconds": 60.0}, "STALE_SECONDS must be at least the departure window"),
    ],
)
def test_inconsistent_location_settings_stop_startup(
    tmp_path: Path, overrides: dict[str, Any], message: str
) -> None:
    app = create_app(Settings(data_dir=tmp_path / "data", **overrides))
    with pytest.raises((ValueError, LookupError), match=message), TestClient(app):
        pass

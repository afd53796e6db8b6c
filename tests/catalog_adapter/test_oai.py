"""Incremental OAI-PMH harvesting against a real OAI-PMH repository the test starts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from catalog_adapter.embedded import EmbeddedCatalog
from catalog_adapter.errors import UpstreamUnavailableError
from catalog_adapter.oai import OaiHarvester
from tests.catalog_adapter import marc_samples as ms
from tests.catalog_adapter.oai_server import Entry, Repository, oai_repository
from tests.support.net import free_port


def _xml(number: str, title: str) -> bytes:
    xml = ms.marcxml([ms.book(number, title, "Author")])
    start = xml.index(b"<record")
    end = xml.rindex(b"</record>") + len(b"</record>")
    return xml[start:end].replace(b"<record>", b'<record xmlns="http://www.loc.gov/MARC21/slim">')


@pytest.fixture
def repo() -> Iterator[Repository]:
    with oai_repository(free_port(), batch_size=2) as repository:
        yield repository


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[EmbeddedCatalog]:
    store = EmbeddedCatalog(tmp_path / "readingroom.sqlite3")
    yield store
    store.close()


def test_harvest_follows_resumption_tokens(repo: Repository, catalog: EmbeddedCatalog) -> None:
    day = dt.datetime(2024, 5, 1)
    repo.entries = [
        Entry(f"oai:lib:{n}", day + dt.timedelta(hours=n), _xml(f"r{n}", f"书 {n}"))
        for n in range(5)
    ]
    report = OaiHarvester(catalog).harvest(repo.base_url)
    assert report.import_report.imported == 5
    assert catalog.count() == 5
    tokens = [r for r in repo.requests if "resumptionToken" in r]
    assert len(tokens) == 2  # 5 records in pages of 2
    assert catalog.get("r3").title == "书 3"


def test_second_harvest_is_incremental_and_applies_deletions(
    repo: Repository, catalog: EmbeddedCatalog
) -> None:
    old = dt.datetime(2020, 1, 1)
    repo.entries = [
        Entry("oai:lib:1", old, _xml("r1", "First")),
        Entry("oai:lib:2", old, _xml("r2", "Second")),
    ]
    harvester = OaiHarvester(catalog)
    first = harvester.harvest(repo.base_url)
    assert first.next_from is not None
    repo.requests.clear()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(minutes=1)
    repo.entries = [
        Entry("oai:lib:1", now, _xml("r1", "First, revised")),
        Entry("oai:lib:2", now, None),
        Entry("oai:lib:3", now, _xml("r3", "Third")),
    ]
    second = harvester.harvest(repo.base_url)
    list_records = [r for r in repo.requests if r.get("verb") == "ListRecords"]
    assert list_records[0]["from"] == first.next_from
    assert (second.import_report.imported, second.import_report.updated) == (1, 1)
    assert second.deleted_upstream == 1
    assert catalog.get("r1").title == "First, revised"
    assert sorted(h.id for h in catalog.search("third").hits) == ["r3"]
    assert catalog.count() == 2


def test_from_and_until_select_a_window(repo: Repository, catalog: EmbeddedCatalog) -> None:
    repo.entries = [
        Entry(f"oai:lib:{y}", dt.datetime(y, 6, 1), _xml(f"y{y}", f"Year {y}"))
        for y in (2019, 2020, 2021, 2022)
    ]
    report = OaiHarvester(catalog).harvest(repo.base_url, from_="2020-01-01", until="2021-12-31")
    assert report.import_report.imported == 2
    assert sorted(h.id for h in catalog.search("year").hits) == ["y2020", "y2021"]


def test_bad_records_in_a_harvest_are_reported(repo: Repository, catalog: EmbeddedCatalog) -> None:
    bad = _xml("b1", "Bad").replace(b'ind1="1"', b'ind1="#"')
    repo.entries = [
        Entry("oai:lib:1", dt.datetime(2024, 1, 1), _xml("g1", "Good")),
        Entry("oai:lib:2", dt.datetime(2024, 1, 2), bad),
    ]
    report = OaiHarvester(catalog).harvest(repo.base_url)
    assert report.import_report.imported == 1
    assert [(r.position, r.control_number) for r in report.import_report.rejected] == [(2, "b1")]


def test_unreachable_repository_is_reported(catalog: EmbeddedCatalog) -> None:
    with pytest.raises(UpstreamUnavailableError):
        OaiHarvester(catalog, timeout=1.0).harvest(f"http://127.0.0.1:{free_port()}/oai")

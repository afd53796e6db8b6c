"""The SRU 1.2 client against a real SRU server (Zebra) started by the test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from catalog_adapter.errors import InvalidQueryError, RecordNotFoundError, UpstreamUnavailableError
from catalog_adapter.sru import DEFAULT_INDEXES, SruCatalog, SruClient, build_cql, cql_term
from tests.catalog_adapter import marc_samples as ms
from tests.catalog_adapter.zebra_server import zebra_sru
from tests.support.net import free_port

RECORDS = [
    ms.book("cn001", "红楼梦", "曹雪芹", ["中国小说"], "9787020002207"),
    ms.book(
        "en001", "A history of China", "Fairbank, John King", ["China History"], "9780674116702"
    ),
    ms.book("en002", "The economy of China", "Naughton, Barry", ["Economics"]),
    ms.book("en003", "Poems of the Tang dynasty", "Li, Bai", ["China Poetry"]),
]


@pytest.fixture(scope="module")
def sru_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with zebra_sru(tmp_path_factory.mktemp("zebra"), ms.marcxml(RECORDS)) as url:
        yield url


@pytest.fixture
def catalog(sru_url: str) -> Iterator[SruCatalog]:
    client = SruClient(sru_url, timeout=30.0)
    store = SruCatalog(client, default_licence="campus")
    yield store
    store.close()


def test_search_by_title_author_subject_and_isbn(catalog: SruCatalog) -> None:
    assert [h.id for h in catalog.search("history china", "title").hits] == ["en001"]
    assert [h.id for h in catalog.search("naughton", "author").hits] == ["en002"]
    assert [h.id for h in catalog.search("poetry", "subject").hits] == ["en003"]
    assert [h.id for h in catalog.search("9780674116702", "identifier").hits] == ["en001"]
    assert [h.id for h in catalog.search("0-674-11670-4", "identifier").hits] == ["en001"]
    page = catalog.search("china", "any")
    assert page.total == 3
    assert {h.id for h in page.hits} == {"en001", "en002", "en003"}


def test_records_come_back_as_marcxml_and_map_fully(catalog: SruCatalog) -> None:
    record = catalog.get("cn001")
    assert (record.title, record.authors, record.subjects) == ("红楼梦", ["曹雪芹"], ["中国小说"])
    with pytest.raises(RecordNotFoundError):
        catalog.get("nope")


def test_paging_follows_start_record(sru_url: str) -> None:
    client = SruClient(sru_url)
    try:
        first = client.search_retrieve('cql.serverChoice all "china"', start=1, maximum=2)
        second = client.search_retrieve('cql.serverChoice all "china"', start=3, maximum=2)
    finally:
        client.close()
    assert (first.total, len(first.records), first.next_position) == (3, 2, 3)
    assert (len(second.records), second.next_position) == (1, None)
    ids = {o.control_number for o in first.records + second.records}
    assert ids == {"en001", "en002", "en003"}


def test_user_input_cannot_inject_cql(catalog: SruCatalog) -> None:
    assert cql_term('a" or dc.title="b') == '"a\\" or dc.title=\\"b"'
    assert build_cql("chin*", "title", DEFAULT_INDEXES) == 'dc.title all "chin\\*"'
    assert catalog.search('china" or "poems', "title").total == 0


def test_server_diagnostics_become_errors(sru_url: str) -> None:
    client = SruClient(sru_url)
    try:
        with pytest.raises(InvalidQueryError, match="SRU diagnostic"):
            client.search_retrieve('dc.title all "china" and (')
        with pytest.raises((InvalidQueryError, UpstreamUnavailableError), match="SRU diagnostic"):
            client.search_retrieve('dc.nosuchindex all "china"')
    finally:
        client.close()


def test_a_server_that_is_down_is_reported_as_unavailable() -> None:
    client = SruClient(f"http://127.0.0.1:{free_port()}/Default", timeout=1.0)
    try:
        with pytest.raises(UpstreamUnavailableError):
            client.search_retrieve('dc.title all "x"')
    finally:
        client.close()

"""SRU 1.2 client: CQL queries, MARCXML records (recordSchema `marcxml`), diagnostics as
errors, and a catalog adapter that searches a remote catalog through it.

Index names follow the dc and bath context sets most SRU servers (Koha/Zebra, Evergreen,
Alma, the Library of Congress) understand; a server that names them differently gets its
own mapping through the constructor.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import httpx

from catalog_adapter.errors import InvalidQueryError, RecordNotFoundError, UpstreamUnavailableError
from catalog_adapter.marc_checks import Outcome
from catalog_adapter.marc_mapping import map_record, normalise_isbn
from catalog_adapter.marcxml_reader import read_marcxml
from catalog_adapter.records import (
    SEARCH_FIELDS,
    CatalogRecord,
    SearchField,
    SearchHit,
    SearchPage,
)

SRU_NS = "http://www.loc.gov/zing/srw/"
DIAG_NS = "http://www.loc.gov/zing/srw/diagnostic/"
MARC_NS = "http://www.loc.gov/MARC21/slim"
MAX_RESPONSE_BYTES = 32 * 1024 * 1024

DEFAULT_INDEXES: Mapping[str, str] = MappingProxyType(
    {
        "any": "cql.serverChoice",
        "title": "dc.title",
        "author": "dc.creator",
        "subject": "dc.subject",
        "identifier": "bath.isbn",
        "id": "rec.id",
    }
)


def cql_term(text: str) -> str:
    """A CQL search term in double quotes, with `"`, `\\` and the masking characters
    (`*`, `?`, `^`) escaped so user input is always taken literally."""
    escaped = "".join("\\" + ch if ch in '"\\*?^' else ch for ch in text)
    return f'"{escaped}"'


def build_cql(query: str, field: SearchField, indexes: Mapping[str, str]) -> str:
    """`index all "words"` for a user query in one of the search fields."""
    words = " ".join(query.split())
    if not words:
        raise InvalidQueryError("the query is empty")
    if field not in SEARCH_FIELDS:
        raise InvalidQueryError(f"field must be one of {', '.join(SEARCH_FIELDS)}")
    if field == "identifier":
        return f"{indexes[field]} = {cql_term(normalise_isbn(words) or words)}"
    return f"{indexes[field]} all {cql_term(words)}"


@dataclass(frozen=True, slots=True)
class SruResult:
    total: int
    records: list[Outcome]
    next_position: int | None


class SruClient:
    """searchRetrieve over HTTP GET."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 10.0,
        http: httpx.Client | None = None,
        record_schema: str = "marcxml",
    ) -> None:
        self.base_url = base_url
        self.record_schema = record_schema
        self._http = http or httpx.Client(timeout=timeout, follow_redirects=True)
        self._owns_http = http is None

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def search_retrieve(self, cql: str, *, start: int = 1, maximum: int = 20) -> SruResult:
        params = {
            "operation": "searchRetrieve",
            "version": "1.2",
            "query": cql,
            "startRecord": str(start),
            "maximumRecords": str(maximum),
            "recordSchema": self.record_schema,
            "recordPacking": "xml",
        }
        try:
            response = self._http.get(self.base_url, params=params)
        except httpx.HTTPError as exc:
            raise UpstreamUnavailableError(
                f"SRU server unreachable: {type(exc).__name__}"
            ) from None
        if len(response.content) > MAX_RESPONSE_BYTES:
            raise UpstreamUnavailableError("SRU response is too large")
        result = parse_search_retrieve(response.content, response.status_code)
        following = start + len(result.records)
        if result.next_position is None and result.records and following <= result.total:
            # nextRecordPosition is optional in SRU 1.2 (Zebra leaves it out).
            return SruResult(result.total, result.records, following)
        return result


def parse_search_retrieve(body: bytes, status: int = 200) -> SruResult:
    """Parse a searchRetrieveResponse; diagnostics become InvalidQueryError (the query's fault)
    or UpstreamUnavailableError (the server's)."""
    try:
        root = ET.fromstring(body)  # noqa: S314 (expat: no external entities, bounded expansion)
    except ET.ParseError:
        raise UpstreamUnavailableError(
            f"SRU server answered HTTP {status} without SRU XML"
        ) from None
    if root.tag != f"{{{SRU_NS}}}searchRetrieveResponse":
        raise UpstreamUnavailableError(
            f"SRU server answered {root.tag!r}, not searchRetrieveResponse"
        )
    total = int(root.findtext(f"{{{SRU_NS}}}numberOfRecords", "0").strip() or 0)
    diagnostics = root.findall(f"{{{SRU_NS}}}diagnostics/{{{DIAG_NS}}}diagnostic")
    if diagnostics and diagnostics[0].findtext(f"{{{DIAG_NS}}}uri", "").endswith("/61"):
        # "First record position out of range": nothing at that position (or no hits).
        return SruResult(total=total, records=[], next_position=None)
    if diagnostics:
        first = diagnostics[0]
        uri = first.findtext(f"{{{DIAG_NS}}}uri", "")
        message = first.findtext(f"{{{DIAG_NS}}}message", "") or uri
        details = first.findtext(f"{{{DIAG_NS}}}details", "")
        code = uri.rsplit("/", 1)[-1]
        text = f"SRU diagnostic {code}: {message}" + (f" ({details})" if details else "")
        # Diagnostics 10-39 are query errors (info:srw/diagnostic/1/10 "Query syntax error").
        if code.isdigit() and 10 <= int(code) < 40:
            raise InvalidQueryError(text)
        raise UpstreamUnavailableError(text)
    outcomes: list[Outcome] = []
    for n, rec in enumerate(root.iterfind(f"{{{SRU_NS}}}records/{{{SRU_NS}}}record"), start=1):
        data = rec.find(f"{{{SRU_NS}}}recordData")
        marc = data.find(f"{{{MARC_NS}}}record") if data is not None else None
        if marc is None:
            outcomes.append(Outcome(n, error="record is not MARCXML"))
            continue
        outcomes.extend(read_marcxml([ET.tostring(marc)]))
    next_text = root.findtext(f"{{{SRU_NS}}}nextRecordPosition")
    next_position = int(next_text) if next_text and next_text.strip().isdigit() else None
    return SruResult(total=total, records=outcomes, next_position=next_position)


class SruCatalog:
    """A catalog adapter over a remote SRU server (READINGROOM_CATALOG=sru): read-only;
    e-book links and imports stay with the embedded catalog."""

    def __init__(
        self,
        client: SruClient,
        *,
        default_licence: str,
        indexes: Mapping[str, str] = DEFAULT_INDEXES,
    ) -> None:
        self._client = client
        self._default_licence = default_licence
        self._indexes = indexes

    def close(self) -> None:
        self._client.close()

    def _map(self, outcome: Outcome) -> CatalogRecord | None:
        if outcome.record is None:
            return None
        try:
            record, _ = map_record(
                outcome.record, default_licence=self._default_licence, warnings=[]
            )
        except ValueError:
            return None
        record.marc = outcome.record.as_dict()
        return record

    def search(
        self, query: str, field: SearchField = "any", limit: int = 20, offset: int = 0
    ) -> SearchPage:
        cql = build_cql(query, field, self._indexes)
        result = self._client.search_retrieve(cql, start=offset + 1, maximum=limit)
        hits = []
        for rank, outcome in enumerate(result.records):
            record = self._map(outcome)
            if record is not None:
                hits.append(
                    SearchHit(
                        id=record.id,
                        title=record.title,
                        authors=record.authors,
                        year=record.year,
                        book_id=record.book_id,
                        score=float(result.total - offset - rank),
                    )
                )
        return SearchPage(query=query, field=field, total=result.total, hits=hits)

    def get(self, record_id: str) -> CatalogRecord:
        cql = f"{self._indexes['id']} = {cql_term(record_id)}"
        for outcome in self._client.search_retrieve(cql, maximum=5).records:
            record = self._map(outcome)
            if record is not None and record.id == record_id:
                return record
        raise RecordNotFoundError(f"no catalog record {record_id!r}")

    def for_book(self, book_id: str) -> CatalogRecord:
        raise RecordNotFoundError(f"the SRU catalog does not link books ({book_id!r})")

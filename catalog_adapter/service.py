"""The library service the server's routers call: the catalog (through the adapter the
settings choose), imports and harvests, recommendations, analytics and the reader's own
data. Synchronous; the server runs it in worker threads."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from catalog_adapter.also_borrowed import AlsoBorrowed, AlsoBorrowedIndex, BuildReport
from catalog_adapter.analytics import Analytics, HotBook, Period, RatePoint
from catalog_adapter.circulation import DAY, Circulation, Loan, LoanReport
from catalog_adapter.embedded import EmbeddedCatalog
from catalog_adapter.errors import RecordNotFoundError
from catalog_adapter.history import ReadingHistory
from catalog_adapter.importer import ImportReport, import_marc
from catalog_adapter.licences import parse_licence
from catalog_adapter.marc_reader import MarcFormat
from catalog_adapter.oai import HarvestReport, OaiHarvester
from catalog_adapter.patrons import PatronHasher, load_or_create_key
from catalog_adapter.ports import CatalogPort, TextSource
from catalog_adapter.records import CatalogRecord, SearchField, SearchPage
from catalog_adapter.registry import CatalogConfig, open_catalog
from catalog_adapter.related import ContentIndex


@dataclass(frozen=True, slots=True)
class LibraryConfig:
    database: Path
    patron_key: Path
    catalog: str = "embedded"
    sru_url: str | None = None
    timeout_seconds: float = 10.0
    default_licence: str = "campus"
    also_borrowed_min_patrons: int = 5
    history_retention_days: int = 180


@dataclass(frozen=True, slots=True)
class RelatedEntry:
    book_id: str
    record_id: str | None
    title: str | None
    score: float


@dataclass(slots=True)
class RelatedView:
    book_id: str
    record_id: str | None
    content: list[RelatedEntry] = field(default_factory=list)
    also_borrowed: list[AlsoBorrowed] = field(default_factory=list)


class NoText:
    """The text source until a text layer is wired in: recommendations use catalog
    metadata (title, authors, subjects, summary) alone."""

    def book_ids(self) -> list[str]:
        return []

    def text(self, book_id: str) -> str | None:
        return None


class Library:
    def __init__(self, config: LibraryConfig, text_source: TextSource | None = None) -> None:
        self.config = config
        parse_licence(config.default_licence)
        self.store = EmbeddedCatalog(config.database)
        self.catalog: CatalogPort = open_catalog(
            config.catalog,
            CatalogConfig(
                database=config.database,
                default_licence=config.default_licence,
                sru_url=config.sru_url,
                timeout_seconds=config.timeout_seconds,
            ),
            self.store,
        )
        hasher = PatronHasher(load_or_create_key(config.patron_key))
        self.circulation = Circulation(self.store, hasher)
        self.also_borrowed = AlsoBorrowedIndex(self.store)
        self.content = ContentIndex(self.store)
        self.analytics = Analytics(self.store)
        self.history = ReadingHistory(self.store, hasher)
        self.text_source: TextSource = text_source or NoText()

    def close(self) -> None:
        if self.catalog is not self.store:
            self.catalog.close()
        self.store.close()

    # -- catalog ----------------------------------------------------------------------------

    def search(
        self, query: str, field: SearchField = "any", limit: int = 20, offset: int = 0
    ) -> SearchPage:
        return self.catalog.search(query, field, limit, offset)

    def record(self, record_id: str) -> CatalogRecord:
        try:
            return self.catalog.get(record_id)
        except RecordNotFoundError:
            if self.catalog is self.store:
                raise
            return self.store.get(record_id)

    def record_for_book(self, book_id: str) -> CatalogRecord:
        return self.store.for_book(book_id)

    def link_book(self, record_id: str, book_id: str | None) -> None:
        self.store.link_book(record_id, book_id)

    def set_licence(self, record_id: str, licence: str) -> str:
        """Set and return the canonical licence."""
        self.store.set_licence(record_id, licence)
        return self.store.get(record_id).licence

    def import_marc(
        self,
        stream: IO[bytes],
        fmt: MarcFormat | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> ImportReport:
        return import_marc(
            self.store,
            stream,
            fmt=fmt,
            default_licence=self.config.default_licence,
            progress=progress,
        )

    def harvest(self, base_url: str, **options: Any) -> HarvestReport:
        harvester = OaiHarvester(
            self.store,
            timeout=max(self.config.timeout_seconds, 30.0),
            default_licence=self.config.default_licence,
        )
        return harvester.harvest(base_url, **options)

    # -- recommendations --------------------------------------------------------------------

    def _book_text(self, book_id: str) -> str | None:
        parts: list[str] = []
        try:
            record = self.store.for_book(book_id)
        except RecordNotFoundError:
            record = None
        if record is not None:
            # Metadata counts a few times over: a title word says more than a body word.
            meta = " ".join([record.title, *record.authors, *record.subjects])
            parts += [meta] * 3 + [record.summary or ""]
        text = self.text_source.text(book_id)
        if text:
            parts.append(text)
        return "\n".join(parts) if parts else None

    def index_book_text(self, book_id: str, text: str | None = None) -> bool:
        """(Re)index one book, with the given text or the text source's."""
        combined = (
            self._book_text(book_id)
            if text is None
            else "\n".join(filter(None, [self._book_text(book_id), text]))
        )
        if not combined:
            return False
        return self.content.index(book_id, combined)

    def refresh_related(self) -> int:
        """Index every known book not yet indexed (text source and catalog links)."""
        conn = self.store.connection()
        indexed = {row[0] for row in conn.execute("SELECT book_id FROM reco_docs")}
        linked = [
            row[0]
            for row in conn.execute(
                "SELECT DISTINCT book_id FROM catalog_records WHERE book_id IS NOT NULL"
            )
        ]
        done = 0
        for book_id in dict.fromkeys([*self.text_source.book_ids(), *linked]):
            if book_id not in indexed and self.index_book_text(book_id):
                done += 1
        return done

    def related(self, book_id: str, limit: int = 10) -> RelatedView:
        self.refresh_related()
        try:
            record: CatalogRecord | None = self.store.for_book(book_id)
        except RecordNotFoundError:
            record = None
        if record is None and not self.content.indexed(book_id):
            raise RecordNotFoundError(f"no book {book_id!r} in the catalog or the text index")
        view = RelatedView(book_id=book_id, record_id=record.id if record else None)
        for hit in self.content.related(book_id, limit):
            try:
                other: CatalogRecord | None = self.store.for_book(hit.book_id)
            except RecordNotFoundError:
                other = None
            view.content.append(
                RelatedEntry(
                    hit.book_id,
                    other.id if other else None,
                    other.title if other else None,
                    hit.score,
                )
            )
        if record is not None:
            pk = self.store.pk_for(record.id)
            if pk is not None:
                view.also_borrowed = self.also_borrowed.for_record(
                    pk, self.config.also_borrowed_min_patrons, limit
                )
        return view

    def add_loans(self, loans: Iterable[Loan]) -> LoanReport:
        expired: list[tuple[bytes, int]] = []
        report = self.circulation.add_loans(loans, not_before=self._horizon(), expired=expired)
        if expired:
            self.also_borrowed.fold(expired, self.config.also_borrowed_min_patrons)
        return report

    def build_also_borrowed(self) -> BuildReport:
        return self.also_borrowed.build(self.config.also_borrowed_min_patrons)

    def hot(
        self, period: Period, ending: dt.date, subject: str | None = None, limit: int = 20
    ) -> tuple[dt.date, dt.date, list[HotBook]]:
        return self.analytics.hot(period, ending, subject=subject, limit=limit)

    def rates(
        self,
        period: Period,
        start: dt.date,
        end: dt.date,
        subject: str | None = None,
        by_subject: bool = True,
    ) -> list[RatePoint]:
        return self.analytics.rates(period, start, end, subject=subject, by_subject=by_subject)

    # -- the reader's own data --------------------------------------------------------------

    def _horizon(self, now: float | None = None) -> int:
        moment = time.time() if now is None else now
        return int(moment) - self.config.history_retention_days * DAY

    def record_reading(self, user: str, book_id: str, page: int | None) -> None:
        self.history.record(user, book_id, page)

    def purge_expired(self, now: float | None = None) -> dict[str, int]:
        """Forget reading history and individual loans older than the retention setting."""
        horizon = self._horizon(now)
        expiring = self.circulation.expiring(horizon)
        if expiring:
            self.also_borrowed.fold(expiring, self.config.also_borrowed_min_patrons)
        return {
            "reading_history": self.history.purge(horizon),
            "loans": self.circulation.purge(horizon),
        }

    def export_personal_data(self, user: str) -> dict[str, Any]:
        return {
            "reading_history": self.history.export(user),
            "loans": self.circulation.export(user),
        }

    def delete_personal_data(self, user: str) -> dict[str, int]:
        return {
            "reading_history": self.history.delete(user),
            "loans": self.circulation.delete(user),
        }

    def counts(self) -> dict[str, int]:
        return {"catalog_records": self.store.count(), "loans": self.circulation.count()}

"""Incremental OAI-PMH harvesting of MARC21 (MARCXML) records into the embedded catalog.

Sickle speaks the protocol (ListRecords, resumption tokens, OAI errors). We remember, per
repository, metadata format and set, the responseDate of the last complete harvest and
start the next one `from` there, so a nightly run fetches only what changed. A harvest that
fails half-way keeps what it imported (imports are idempotent) and does not move the mark.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pymarc
import requests
from sickle import Sickle
from sickle.oaiexceptions import NoRecordsMatch, OAIError

from catalog_adapter.embedded import EmbeddedCatalog
from catalog_adapter.errors import InvalidQueryError, UpstreamUnavailableError
from catalog_adapter.importer import ImportReport, import_outcomes
from catalog_adapter.marc_checks import Outcome
from catalog_adapter.marc_mapping import record_id
from catalog_adapter.marcxml_reader import read_marcxml

OAI_NS = "{http://www.openarchives.org/OAI/2.0/}"
SCHEMA = """
CREATE TABLE IF NOT EXISTS catalog_harvests (
    source TEXT PRIMARY KEY,
    next_from TEXT,
    last_run REAL NOT NULL,
    records INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS catalog_oai_ids (
    source TEXT NOT NULL,
    oai_identifier TEXT NOT NULL,
    record_id TEXT NOT NULL,
    PRIMARY KEY (source, oai_identifier)
) WITHOUT ROWID;
"""


@dataclass(slots=True)
class HarvestReport:
    source: str
    from_: str | None
    until: str | None
    next_from: str | None
    deleted_upstream: int
    import_report: ImportReport


def _source_key(base_url: str, prefix: str, set_spec: str | None) -> str:
    return f"{base_url}|{prefix}|{set_spec or ''}"


def _datestamp(value: str, granularity: str) -> str:
    """`value` (a date or UTC timestamp) at the repository's granularity."""
    text = value.strip()
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidQueryError(f"{value!r} is not a date (YYYY-MM-DD) or UTC timestamp") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    if "hh:mm:ss" in granularity:
        return parsed.strftime("%Y-%m-%dT%H:%M:%SZ")
    return parsed.strftime("%Y-%m-%d")


class OaiHarvester:
    """Harvests one repository into the embedded catalog."""

    def __init__(
        self, catalog: EmbeddedCatalog, *, timeout: float = 30.0, default_licence: str = "campus"
    ) -> None:
        self._catalog = catalog
        self._timeout = timeout
        self._default_licence = default_licence
        with catalog.transaction() as conn:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)

    def harvest(
        self,
        base_url: str,
        *,
        metadata_prefix: str = "marc21",
        set_spec: str | None = None,
        from_: str | None = None,
        until: str | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> HarvestReport:
        source = _source_key(base_url, metadata_prefix, set_spec)
        client = Sickle(base_url, timeout=self._timeout)
        try:
            granularity = str(getattr(client.Identify(), "granularity", "YYYY-MM-DD"))
        except (requests.RequestException, OAIError) as exc:
            raise UpstreamUnavailableError(
                f"OAI-PMH Identify failed: {type(exc).__name__}"
            ) from None
        start = from_ if from_ is not None else self._next_from(source)
        params: dict[str, Any] = {"metadataPrefix": metadata_prefix}
        if start:
            params["from"] = _datestamp(start, granularity)
        if until:
            params["until"] = _datestamp(until, granularity)
        if set_spec:
            params["set"] = set_spec
        report = ImportReport(format="oai-pmh")
        deleted: list[str] = []
        response_date: str | None = None
        try:
            records = client.ListRecords(ignore_deleted=False, **params)
            response_date = records.oai_response.xml.findtext(f"{OAI_NS}responseDate")
            outcomes = self._outcomes(source, records, deleted, progress)
            import_outcomes(self._catalog, outcomes, report, self._default_licence)
        except NoRecordsMatch:
            response_date = None
        except (requests.RequestException, OAIError) as exc:
            raise UpstreamUnavailableError(
                f"OAI-PMH harvest failed: {type(exc).__name__}: {exc}"
            ) from None
        upstream_deleted = self._catalog.delete(deleted) if deleted else 0
        report.deleted += upstream_deleted
        next_from = _datestamp(response_date, granularity) if response_date else start
        if until is None:
            self._save(source, next_from, report.imported + report.updated)
        return HarvestReport(
            source=source,
            from_=params.get("from"),
            until=params.get("until"),
            next_from=next_from,
            deleted_upstream=upstream_deleted,
            import_report=report,
        )

    def _outcomes(
        self,
        source: str,
        records: Iterator[Any],
        deleted: list[str],
        progress: Callable[[int], None] | None,
    ) -> Iterator[Outcome]:
        position = 0
        for item in records:
            position += 1
            if progress is not None:
                progress(1)
            oai_id = str(item.header.identifier or "")
            if item.header.deleted:
                known = self._known_id(source, oai_id)
                if known:
                    deleted.append(known)
                continue
            found = list(read_marcxml([item.raw.encode("utf-8")]))
            if not found:
                yield Outcome(
                    position,
                    error=f"{oai_id}: no MARCXML record in the metadata",
                    control_number=oai_id,
                )
                continue
            for outcome in found:
                outcome.position = position
                if outcome.record is not None and outcome.record.get("001") is None:
                    outcome.record.add_ordered_field(pymarc.Field(tag="001", data=oai_id))
                control = outcome.record.get("001") if outcome.record is not None else None
                if control is not None and control.data:
                    outcome.control_number = control.data.strip()
                    self._remember(source, oai_id, record_id(outcome.control_number, b""))
                yield outcome

    def _next_from(self, source: str) -> str | None:
        row = (
            self._catalog.connection()
            .execute("SELECT next_from FROM catalog_harvests WHERE source = ?", (source,))
            .fetchone()
        )
        return str(row[0]) if row and row[0] else None

    def _known_id(self, source: str, oai_id: str) -> str | None:
        row = (
            self._catalog.connection()
            .execute(
                "SELECT record_id FROM catalog_oai_ids WHERE source = ? AND oai_identifier = ?",
                (source, oai_id),
            )
            .fetchone()
        )
        return str(row[0]) if row else None

    def _remember(self, source: str, oai_id: str, rid: str) -> None:
        self._catalog.connection().execute(
            "INSERT OR REPLACE INTO catalog_oai_ids (source, oai_identifier, record_id) "
            "VALUES (?, ?, ?)",
            (source, oai_id, rid),
        )

    def _save(self, source: str, next_from: str | None, count: int) -> None:
        with self._catalog.transaction() as conn:
            conn.execute(
                "INSERT INTO catalog_harvests (source, next_from, last_run, records) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(source) DO UPDATE SET "
                "next_from = excluded.next_from, last_run = excluded.last_run, "
                "records = catalog_harvests.records + excluded.records",
                (source, next_from, time.time(), count),
            )

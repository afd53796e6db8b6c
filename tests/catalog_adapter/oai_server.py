# ruff: noqa: N802, N803 (the oaipmh IOAI interface names its methods and arguments)
"""A real OAI-PMH 2.0 repository for the tests: the `oaipmh` package's server (the
maintained fork of pyoai) over a small HTTP server on 127.0.0.1, serving MARCXML
(`marc21`) with resumption tokens and from/until filtering done by the library."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from lxml import etree
from oaipmh import common, error, metadata, server


@dataclass
class Entry:
    identifier: str
    datestamp: dt.datetime
    marcxml: bytes | None  # None: deleted


@dataclass
class Repository:
    """The IOAI interface over a list the test edits between harvests."""

    base_url: str = ""
    entries: list[Entry] = field(default_factory=list)
    requests: list[dict[str, str]] = field(default_factory=list)

    def identify(self) -> common.Identify:
        return common.Identify(
            repositoryName="readingroom test repository",
            baseURL=self.base_url,
            protocolVersion="2.0",
            adminEmails=["catalog@example.org"],
            earliestDatestamp=dt.datetime(2000, 1, 1),
            deletedRecord="persistent",
            granularity="YYYY-MM-DDThh:mm:ssZ",
            compression=["identity"],
        )

    def listMetadataFormats(self, identifier: str | None = None) -> list[tuple[str, str, str]]:
        return [
            (
                "marc21",
                "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd",
                "http://www.loc.gov/MARC21/slim",
            )
        ]

    def listSets(self) -> list[Any]:
        raise error.NoSetHierarchyError("no sets")

    def _matching(self, from_: dt.datetime | None, until: dt.datetime | None) -> list[Entry]:
        return [
            e
            for e in sorted(self.entries, key=lambda e: e.datestamp)
            if (from_ is None or e.datestamp >= from_) and (until is None or e.datestamp <= until)
        ]

    def _record(self, entry: Entry) -> tuple[common.Header, Any, None]:
        header = common.Header(None, entry.identifier, entry.datestamp, [], entry.marcxml is None)
        return header, entry.marcxml, None

    def listRecords(
        self,
        metadataPrefix: str,
        set: str | None = None,
        from_: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> list[Any]:
        if metadataPrefix != "marc21":
            raise error.CannotDisseminateFormatError(metadataPrefix)
        return [self._record(e) for e in self._matching(from_, until)]

    def listIdentifiers(
        self,
        metadataPrefix: str,
        set: str | None = None,
        from_: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> list[Any]:
        return [self._record(e)[0] for e in self._matching(from_, until)]

    def getRecord(self, metadataPrefix: str, identifier: str) -> Any:
        for entry in self.entries:
            if entry.identifier == identifier:
                return self._record(entry)
        raise error.IdDoesNotExistError(identifier)


def _write_marc(element: Any, value: bytes) -> None:
    element.append(etree.fromstring(value))


@contextmanager
def oai_repository(port: int, batch_size: int = 2) -> Iterator[Repository]:
    repository = Repository(base_url=f"http://127.0.0.1:{port}/oai")
    registry = metadata.MetadataRegistry()
    registry.registerWriter("marc21", _write_marc)
    oai = server.Server(repository, registry, resumption_batch_size=batch_size)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            params = dict(parse_qsl(urlsplit(self.path).query))
            repository.requests.append(params)
            body = oai.handleRequest(params)
            self.send_response(200)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield repository
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)

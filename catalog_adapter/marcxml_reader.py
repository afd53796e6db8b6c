"""MARCXML, streamed through pymarc's SAX handler: a collection, a single record, or
records inside any envelope (SRU, OAI-PMH). A bad record is reported with its position and
line and the parse goes on; XML that is not well-formed stops the parse at that point, and
that is reported too."""

from __future__ import annotations

import xml.sax
from collections.abc import Iterable, Iterator
from xml.sax.handler import feature_external_ges, feature_external_pes, feature_namespaces
from xml.sax.xmlreader import AttributesNSImpl, IncrementalParser, Locator

import pymarc

from catalog_adapter.errors import UnreadableMarcError
from catalog_adapter.marc_checks import INDICATORS, MARC_NS, Outcome, record_problem


class _StreamingHandler(pymarc.XmlHandler):
    """pymarc's SAX handler, made to survive a bad record: errors are kept per record and
    every record (good or bad) is queued with its position and line."""

    def __init__(self) -> None:
        super().__init__(strict=False)  # type: ignore[no-untyped-call]
        self.queue: list[Outcome] = []
        self._locator: Locator | None = None
        self._current: Outcome | None = None
        self._position = 0

    def setDocumentLocator(self, locator: Locator) -> None:  # noqa: N802 (SAX API)
        self._locator = locator

    def startElementNS(  # noqa: N802 (SAX API)
        self, name: tuple[str | None, str], qname: str | None, attrs: AttributesNSImpl
    ) -> None:
        if name[0] not in (None, "", MARC_NS):
            return
        if name[1] == "record":
            self._position += 1
            line = self._locator.getLineNumber() if self._locator else None
            self._current = Outcome(self._position, line=line)
        if self._current is None or self._current.error:
            return
        try:
            if name[1] == "datafield":
                ind = (attrs.get((None, "ind1"), " "), attrs.get((None, "ind2"), " "))
                tag = attrs.get((None, "tag"), "")
                for value in ind:
                    if len(value) != 1 or value not in INDICATORS:
                        raise ValueError(f"field {tag}: invalid indicator {value!r}")
            super().startElementNS(name, qname, attrs)  # type: ignore[no-untyped-call]
        except Exception as exc:
            self._fail(exc)

    def endElementNS(self, name: tuple[str | None, str], qname: str | None) -> None:  # noqa: N802
        if name[0] not in (None, "", MARC_NS) or self._current is None:
            return
        current = self._current
        if name[1] == "record":
            if current.error is None:
                try:
                    super().endElementNS(name, qname)  # type: ignore[no-untyped-call]
                except Exception as exc:
                    self._fail(exc)
            if current.record is None and current.error is None:
                current.error = "empty record"
            self._record = None
            self._field = None
            self.queue.append(current)
            self._current = None
            return
        if current.error:
            return
        try:
            if name[1] == "leader":
                text = "".join(self._text)
                if len(text) != 24 or not text.isascii():
                    raise ValueError(f"leader {text!r} is not 24 ASCII characters")
            elif name[1] == "controlfield" and self._field is not None and self._field.tag == "001":
                current.control_number = "".join(self._text).strip() or None
            super().endElementNS(name, qname)  # type: ignore[no-untyped-call]
        except Exception as exc:
            self._fail(exc)

    def _fail(self, exc: Exception) -> None:
        if self._current is not None and self._current.error is None:
            self._current.error = str(exc) or type(exc).__name__
        self._field = None
        self._subfield_code = None

    def process_record(self, record: pymarc.Record) -> None:
        if self._current is not None:
            self._current.record = record


def read_marcxml(blocks: Iterable[bytes]) -> Iterator[Outcome]:
    """Stream MARCXML (a collection, a single record, or records inside any envelope)."""
    # Expat with external entities off; it bounds entity expansion itself (expat >= 2.4).
    parser = xml.sax.make_parser()  # noqa: S317
    if not isinstance(parser, IncrementalParser):
        raise UnreadableMarcError("no incremental XML parser available")
    parser.setFeature(feature_namespaces, True)
    parser.setFeature(feature_external_ges, False)
    parser.setFeature(feature_external_pes, False)
    handler = _StreamingHandler()
    parser.setContentHandler(handler)
    if isinstance(parser, Locator):  # feed() never hands the handler a locator itself
        handler.setDocumentLocator(parser)
    try:
        for block in blocks:
            parser.feed(block)
            yield from _drain(handler)
        parser.close()
    except xml.sax.SAXParseException as exc:
        yield from _drain(handler)
        where = f"line {exc.getLineNumber()}, column {exc.getColumnNumber()}"
        yield Outcome(
            handler._position + 1,
            line=exc.getLineNumber(),
            error=f"XML is not well-formed at {where}: {exc.getMessage()}; "
            "nothing after this point could be read",
        )
        return
    yield from _drain(handler)


def _drain(handler: _StreamingHandler) -> Iterator[Outcome]:
    queue, handler.queue = handler.queue, []
    yield from _checked(queue)


def _checked(outcomes: list[Outcome]) -> Iterator[Outcome]:
    for outcome in outcomes:
        if outcome.record is not None and outcome.error is None:
            outcome.error = record_problem(outcome.record)
            if outcome.error:
                outcome.record = None
        yield outcome

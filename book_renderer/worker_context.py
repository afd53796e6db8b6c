"""What a render worker keeps between tasks: a few open documents, so rendering page after
page of one book opens (and lays out) it once."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import pymupdf

from book_renderer.document import open_document
from book_renderer.formats import Format

_OPEN_DOCUMENTS = 4


class WorkerContext:
    def __init__(self, capacity: int = _OPEN_DOCUMENTS) -> None:
        self._capacity = capacity
        self._documents: OrderedDict[tuple[str, Format], pymupdf.Document] = OrderedDict()

    def document(self, path: Path, fmt: Format) -> pymupdf.Document:
        key = (str(path), fmt)
        doc = self._documents.get(key)
        if doc is not None:
            self._documents.move_to_end(key)
            return doc
        doc = open_document(path, fmt)
        self._documents[key] = doc
        while len(self._documents) > self._capacity:
            _, old = self._documents.popitem(last=False)
            old.close()
        return doc

    def close(self) -> None:
        for doc in self._documents.values():
            doc.close()
        self._documents.clear()

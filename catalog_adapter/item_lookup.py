"""The port location needs from the catalog: a record's print copies, and whether a barcode
is a copy we hold. The catalog adapter implements it; `InMemoryItemLookup` serves tests and
deployments that have no catalog yet."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from catalog_adapter.records import Item


@dataclass(frozen=True, slots=True)
class ItemRef:
    """One print copy as the catalog holds it (852/952 holdings)."""

    barcode: str
    call_number: str | None = None
    home_location: str | None = None


class ItemLookup(Protocol):
    """Synchronous (it may hit SQLite): callers run it in a worker thread."""

    def items_for_record(self, record_id: str) -> list[ItemRef] | None:
        """The record's copies in shelf order; None when there is no such record."""
        ...

    def items_by_barcode(self, barcodes: Collection[str]) -> dict[str, ItemRef]:
        """The copies among `barcodes` that the catalog holds (unknown ones are absent)."""
        ...


class InMemoryItemLookup:
    """A fixed record -> copies table."""

    def __init__(self, records: Mapping[str, Iterable[ItemRef]] | None = None) -> None:
        self._records = {rid: list(items) for rid, items in (records or {}).items()}
        self._items = {item.barcode: item for items in self._records.values() for item in items}

    def items_for_record(self, record_id: str) -> list[ItemRef] | None:
        items = self._records.get(record_id)
        return None if items is None else list(items)

    def items_by_barcode(self, barcodes: Collection[str]) -> dict[str, ItemRef]:
        return {code: self._items[code] for code in barcodes if code in self._items}


class CatalogItems(Protocol):
    """What the embedded catalog offers (catalog_adapter.embedded.EmbeddedCatalog)."""

    def items_for_record(self, record_id: str) -> list[Item] | None: ...

    def items_by_barcode(self, barcodes: Iterable[str]) -> dict[str, Item]: ...


def _ref(item: Item) -> ItemRef:
    return ItemRef(barcode=item.item_id, call_number=item.call_number, home_location=item.location)


class CatalogItemLookup:
    """The location port over the catalog's holdings (852/952 items; barcode = item id)."""

    def __init__(self, catalog: CatalogItems) -> None:
        self._catalog = catalog

    def items_for_record(self, record_id: str) -> list[ItemRef] | None:
        items = self._catalog.items_for_record(record_id)
        return None if items is None else [_ref(item) for item in items]

    def items_by_barcode(self, barcodes: Collection[str]) -> dict[str, ItemRef]:
        return {code: _ref(item) for code, item in self._catalog.items_by_barcode(barcodes).items()}

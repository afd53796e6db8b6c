"""Loans from an ILS export (CSV), whatever the ILS calls its columns."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from catalog_adapter.circulation import Loan


def _column(row: dict[str, str], *names: str) -> str | None:
    for name in names:
        value = (row.get(name) or "").strip()
        if value:
            return value
    return None


def read_loans_csv(path: Path) -> Iterator[Loan]:
    """Loans from a CSV export; column names as ILSs write them (Koha's `issuedate`,
    `borrowernumber`, `barcode`, or `patron`, `item`/`item_barcode`, `record`/`record_id`,
    `loaned_at`/`borrowed_at`)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for n, row in enumerate(csv.DictReader(handle), start=2):
            stamp = _column(row, "loaned_at", "borrowed_at", "issuedate", "date")
            patron = _column(row, "patron", "borrowernumber", "cardnumber")
            if stamp is None or patron is None:
                raise ValueError(f"line {n}: needs a patron and a loan time")
            when = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            yield Loan(
                patron=patron,
                loaned_at=when,
                item=_column(row, "item", "item_barcode", "barcode"),
                record=_column(row, "record", "record_id", "biblionumber"),
            )

"""Borrowing analytics for acquisitions: hot books in a period and borrowing rates by period
and subject. They read only the anonymous daily totals, never individual loans."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from catalog_adapter.circulation import DAY
from catalog_adapter.embedded import EmbeddedCatalog
from catalog_adapter.errors import InvalidQueryError

Period = Literal["day", "week", "month", "year"]
PERIODS: tuple[Period, ...] = ("day", "week", "month", "year")
_BUCKET = {"day": "%Y-%m-%d", "week": "%Y-W%W", "month": "%Y-%m", "year": "%Y"}
MAX_SPAN_DAYS = 366 * 20


@dataclass(frozen=True, slots=True)
class HotBook:
    record_id: str
    title: str
    book_id: str | None
    subject: str | None
    loans: int


@dataclass(frozen=True, slots=True)
class RatePoint:
    period: str
    subject: str | None
    loans: int
    items: int
    rate: float | None


def period_window(period: Period, ending: dt.date) -> tuple[dt.date, dt.date]:
    """[start, end) of the period that contains `ending`."""
    if period == "day":
        return ending, ending + dt.timedelta(days=1)
    if period == "week":
        start = ending - dt.timedelta(days=ending.weekday())
        return start, start + dt.timedelta(days=7)
    if period == "month":
        start = ending.replace(day=1)
        return start, (start + dt.timedelta(days=32)).replace(day=1)
    if period == "year":
        return ending.replace(month=1, day=1), ending.replace(year=ending.year + 1, month=1, day=1)
    raise InvalidQueryError(f"period must be one of {', '.join(PERIODS)}")


def _day(date: dt.date) -> int:
    return (date - dt.date(1970, 1, 1)).days


class Analytics:
    def __init__(self, catalog: EmbeddedCatalog) -> None:
        self._catalog = catalog

    def hot(
        self, period: Period, ending: dt.date, *, subject: str | None = None, limit: int = 20
    ) -> tuple[dt.date, dt.date, list[HotBook]]:
        start, end = period_window(period, ending)
        sql = (
            "SELECT r.id, r.title, r.book_id, r.subject_key, sum(d.loans) AS n "
            "FROM circ_daily d JOIN catalog_records r ON r.pk = d.record_pk "
            "WHERE d.day >= ? AND d.day < ?"
        )
        params: list[object] = [_day(start), _day(end)]
        if subject:
            sql += " AND r.subject_key = ?"
            params.append(subject)
        sql += " GROUP BY d.record_pk ORDER BY n DESC, r.pk LIMIT ?"
        params.append(limit)
        rows = self._catalog.connection().execute(sql, params).fetchall()
        return (
            start,
            end,
            [HotBook(rid, title, book, subj, int(n)) for rid, title, book, subj, n in rows],
        )

    def rates(
        self,
        period: Period,
        start: dt.date,
        end: dt.date,
        *,
        subject: str | None = None,
        by_subject: bool = True,
    ) -> list[RatePoint]:
        """Loans per period (and subject), with the rate: loans per print item held."""
        if period not in PERIODS:
            raise InvalidQueryError(f"period must be one of {', '.join(PERIODS)}")
        if end <= start:
            raise InvalidQueryError("'until' must be after 'from'")
        if (end - start).days > MAX_SPAN_DAYS:
            raise InvalidQueryError("the range is longer than 20 years")
        group = "r.subject_key" if by_subject else "NULL"
        where = "d.day >= ? AND d.day < ?"
        params: list[object] = [_day(start), _day(end)]
        if subject:
            where += " AND r.subject_key = ?"
            params.append(subject)
        conn = self._catalog.connection()
        rows = conn.execute(
            f"SELECT strftime('{_BUCKET[period]}', d.day * {DAY}, 'unixepoch') AS bucket, "  # noqa: S608
            f"{group} AS subject, sum(d.loans) FROM circ_daily d "
            f"JOIN catalog_records r ON r.pk = d.record_pk WHERE {where} "
            "GROUP BY bucket, subject ORDER BY bucket, subject",
            params,
        ).fetchall()
        item_sql = (
            f"SELECT {group}, count(*) FROM catalog_items i "  # noqa: S608
            "JOIN catalog_records r ON r.pk = i.record_pk"
        )
        item_params: list[object] = []
        if subject:
            item_sql += " WHERE r.subject_key = ?"
            item_params.append(subject)
        items = {
            key: int(n) for key, n in conn.execute(item_sql + f" GROUP BY {group}", item_params)
        }
        return [
            RatePoint(
                bucket,
                subj,
                int(loans),
                items.get(subj, 0),
                round(loans / items[subj], 4) if items.get(subj) else None,
            )
            for bucket, subj, loans in rows
        ]

"""A synthetic loan log: two academic years of borrowing that behaves like the real thing.

Popularity is skewed (Zipf within each topic zone), borrowing follows the teaching year
(busy in term, quiet in the breaks, slower at weekends), readers keep to their subjects and
often borrow two or three related books at once, so "also borrowed" recommendations built
on it are meaningful. A copy is never on two loans at once. Patrons are opaque pseudonyms.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

START = datetime(2023, 9, 1, tzinfo=UTC)
END = datetime(2025, 8, 31, 23, 59, 59, tzinfo=UTC)
PATRONS = 700
CSV_FIELDS = ("loan_id", "item_barcode", "record_id", "patron", "borrowed_at", "returned_at")


@dataclass(frozen=True)
class Lendable:
    """What circulation needs to know about a record: its subject and its copies."""

    record_id: str
    zone: str
    cluster: str
    barcodes: tuple[str, ...]


@dataclass(frozen=True)
class Loan:
    loan_id: str
    item_barcode: str
    record_id: str
    patron: str
    borrowed_at: datetime
    returned_at: datetime | None  # None while the loan is open


@dataclass(frozen=True)
class _Patron:
    pid: str
    primary: str
    secondary: str
    activity: float


def simulate_loans(records: list[Lendable], seed: str, target: int = 5000) -> list[Loan]:
    """About `target` loans between START and END, in borrowing order."""
    sessions = round(target / 1.4)
    loans = _simulate(records, seed, sessions)
    for _ in range(3):  # demand saturates when copies run out, so calibrate a few times
        if abs(len(loans) - target) < target * 0.02:
            break
        sessions = round(sessions * target / max(len(loans), 1))
        loans = _simulate(records, seed, sessions)
    return loans


def write_loans_csv(loans: Iterable[Loan], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_FIELDS)
        for loan in loans:
            writer.writerow(
                (
                    loan.loan_id,
                    loan.item_barcode,
                    loan.record_id,
                    loan.patron,
                    iso(loan.borrowed_at),
                    iso(loan.returned_at) if loan.returned_at else "",
                )
            )


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def term_weight(day: date) -> float:
    """Relative borrowing on a day: two terms, exam peaks, quiet breaks and weekends."""
    md = (day.month, day.day)
    if (9, 15) <= md <= (12, 20) or (3, 1) <= md <= (6, 20):
        season = 1.0
        if (12, 1) <= md <= (12, 20) or (5, 25) <= md <= (6, 20):
            season = 1.35  # essays and exams
    elif (1, 10) <= md <= (1, 20) or (2, 20) <= md < (3, 1) or (9, 1) <= md < (9, 15):
        season = 0.5  # term about to start
    else:
        season = 0.25  # winter and summer breaks
    return season * (0.35 if day.weekday() >= 5 else 1.0)


def _simulate(records: list[Lendable], seed: str, sessions: int) -> list[Loan]:
    rng = random.Random(f"{seed}:circulation")
    zones = sorted({r.zone for r in records})
    ranked = {z: _ranked([r for r in records if r.zone == z], rng) for z in zones}
    zone_weights = [len(ranked[z]) for z in zones]
    patrons = []
    for n in range(1, PATRONS + 1):
        primary, secondary = rng.choices(zones, zone_weights, k=2)
        patrons.append(_Patron(f"p-{n:04d}", primary, secondary, min(rng.paretovariate(1.3), 40.0)))
    patron_weights = [p.activity for p in patrons]
    days = [START.date() + timedelta(days=n) for n in range((END - START).days + 1)]
    day_weights = [term_weight(d) for d in days]
    total_weight = sum(day_weights)
    busy_until: dict[str, datetime] = {}
    loans: list[Loan] = []
    for day, weight in zip(days, day_weights, strict=True):
        expected = sessions * weight / total_weight
        count = int(expected) + (1 if rng.random() < expected % 1 else 0)
        opening = datetime(day.year, day.month, day.day, 8, tzinfo=UTC)
        moments = sorted(opening + timedelta(minutes=rng.randrange(13 * 60)) for _ in range(count))
        for moment in moments:
            patron = rng.choices(patrons, patron_weights)[0]
            for wanted in _session_books(rng, patron, zones, ranked):
                found = _on_shelf(rng, wanted, ranked[wanted.zone], busy_until, moment)
                if found is None:
                    continue
                record, barcode = found
                returned = _return_time(rng, moment)
                busy_until[barcode] = returned if returned else END + timedelta(days=1)
                loans.append(
                    Loan(
                        f"L{len(loans) + 1:06d}",
                        barcode,
                        record.record_id,
                        patron.pid,
                        moment,
                        returned,
                    )
                )
    return loans


def _on_shelf(
    rng: random.Random,
    wanted: Lendable,
    zone: list[Lendable],
    busy_until: dict[str, datetime],
    moment: datetime,
) -> tuple[Lendable, str] | None:
    """A free copy of the wanted book, or else (as readers do) of another book on the same
    subject that is on the shelf; None when the reader leaves empty-handed."""
    similar = [r for r in zone if r.cluster == wanted.cluster and r is not wanted]
    fallback = rng.sample(similar, 1) if similar and rng.random() < 0.5 else []
    for record in [wanted, *fallback]:
        for barcode in record.barcodes:
            if busy_until.get(barcode, START) <= moment:
                return record, barcode
    return None


def _ranked(records: list[Lendable], rng: random.Random) -> list[Lendable]:
    """Popularity order within a zone: libraries buy more copies of what is borrowed most,
    so titles with more copies come first, ties in seeded random order."""
    order = sorted(records, key=lambda r: r.record_id)
    rng.shuffle(order)
    return sorted(order, key=lambda r: -len(r.barcodes))


def _zipf_pick(rng: random.Random, ranked: list[Lendable]) -> Lendable:
    weights = [1.0 / (rank + 1) ** 1.1 for rank in range(len(ranked))]
    return rng.choices(ranked, weights)[0]


def _session_books(
    rng: random.Random, patron: _Patron, zones: list[str], ranked: dict[str, list[Lendable]]
) -> list[Lendable]:
    """One visit: a first book from the reader's subjects, sometimes companions beside it."""
    roll = rng.random()
    zone = patron.primary if roll < 0.75 else patron.secondary if roll < 0.95 else rng.choice(zones)
    first = _zipf_pick(rng, ranked[zone])
    chosen = [first]
    extra = rng.choices((0, 1, 2), (0.6, 0.28, 0.12))[0]
    for _ in range(extra):
        same_cluster = [r for r in ranked[zone] if r.cluster == first.cluster]
        pool = same_cluster if rng.random() < 0.7 and len(same_cluster) > 1 else ranked[zone]
        candidate = _zipf_pick(rng, pool)
        if candidate not in chosen:
            chosen.append(candidate)
    return chosen


def _return_time(rng: random.Random, borrowed: datetime) -> datetime | None:
    """Most of these books are teaching material on the course-reserve shelves, lent for
    hours to two days; the rest go out for a week or two, a few for a month, and a handful
    never come back. None while the book is still out when the log ends."""
    kind = rng.random()
    if kind < 0.01 and borrowed > END - timedelta(days=150):
        return None  # overdue
    if kind < 0.6:
        hours = rng.uniform(2, 48)
    elif kind < 0.92:
        hours = rng.uniform(3, 10) * 24
    else:
        hours = rng.uniform(11, 28) * 24
    returned = borrowed + timedelta(minutes=math.floor(hours * 60))
    return returned if returned <= END else None

"""Catalog benchmark (issue 7): import 100,000 generated MARC records, search them (p50/p99
over a mix of English, Chinese, Japanese, author, subject and ISBN queries), then load and
build recommendations from 1,000,000 generated loans. Prints a table against the targets.

    python -m benchmarks.catalog [--records N] [--loans N] [--queries N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pymarc
from pymarc import Field, Indicators, Leader, Subfield

from catalog_adapter.circulation import Loan
from catalog_adapter.service import Library, LibraryConfig

EN_WORDS = [
    "history",
    "theory",
    "practice",
    "introduction",
    "china",
    "japan",
    "economy",
    "science",
    "music",
    "art",
    "poetry",
    "physics",
    "chemistry",
    "biology",
    "library",
    "digital",
    "culture",
    "modern",
    "ancient",
    "war",
    "peace",
    "language",
    "learning",
    "mathematics",
    "algebra",
    "geometry",
    "network",
    "computer",
    "design",
    "philosophy",
    "religion",
    "society",
    "politics",
    "law",
    "medicine",
    "health",
    "ocean",
    "climate",
    "city",
    "river",
    "mountain",
    "garden",
    "literature",
    "novel",
    "drama",
    "painting",
    "architecture",
]
ZH_WORDS = [
    "历史",
    "文化",
    "经济",
    "社会",
    "中国",
    "文学",
    "哲学",
    "科学",
    "技术",
    "教育",
    "艺术",
    "音乐",
    "政治",
    "法律",
    "医学",
    "数学",
    "物理",
    "化学",
    "生物",
    "地理",
    "语言",
    "小说",
    "诗歌",
    "戏剧",
    "图书馆",
    "信息",
    "网络",
    "管理",
    "研究",
    "发展",
]
JA_WORDS = [
    "日本",
    "文学",
    "歴史",
    "東京",
    "京都",
    "社会",
    "経済",
    "物語",
    "研究",
    "入門",
    "音楽",
    "美術",
    "哲学",
    "科学",
    "ことば",
    "こころ",
    "せかい",
    "くらし",
    "まなび",
]
SURNAMES_EN = [
    "Smith",
    "Jones",
    "Brown",
    "Taylor",
    "Wilson",
    "Evans",
    "Thomas",
    "Roberts",
    "Walker",
    "Wright",
]
SURNAMES_ZH = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"]
GIVEN_ZH = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
]
SURNAMES_JA = ["佐藤", "鈴木", "高橋", "田中", "渡辺", "伊藤", "山本", "中村", "小林", "加藤"]
SUBJECTS = [
    "History",
    "Economics",
    "Literature",
    "Physics",
    "Computer science",
    "Music",
    "中国文学",
    "中国历史",
    "日本文学",
    "教育",
    "Philosophy",
    "Medicine",
]


def _isbn13(n: int) -> str:
    core = f"978{n:09d}"
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(core))
    return core + str((10 - total % 10) % 10)


def _title_and_author(rng: random.Random) -> tuple[str, str]:
    kind = rng.random()
    if kind < 0.6:
        words = rng.sample(EN_WORDS, rng.randint(2, 6))
        title = " ".join(words).capitalize()
        author = f"{rng.choice(SURNAMES_EN)}, {rng.choice(EN_WORDS).capitalize()}"
    elif kind < 0.85:
        title = "".join(rng.sample(ZH_WORDS, rng.randint(2, 4)))
        author = rng.choice(SURNAMES_ZH) + "".join(rng.sample(GIVEN_ZH, 2))
    else:
        title = "の".join(rng.sample(JA_WORDS, rng.randint(2, 3)))
        author = rng.choice(SURNAMES_JA) + rng.choice(["太郎", "花子", "健", "陽子"])
    return title, author


def generate_marc(path: Path, count: int, seed: int = 7) -> list[tuple[str, str, str]]:
    """Write `count` UTF-8 MARC21 records with pymarc; returns (title, author, isbn)."""
    rng = random.Random(seed)
    catalog: list[tuple[str, str, str]] = []
    with path.open("wb") as out:
        writer = pymarc.MARCWriter(out)
        for n in range(count):
            title, author = _title_and_author(rng)
            isbn = _isbn13(n)
            record = pymarc.Record(force_utf8=True)
            record.leader = Leader("00000nam a2200000 a 4500")
            record.add_field(Field(tag="001", data=f"bench{n:07d}"))
            record.add_field(
                Field(tag="008", data=f"240101s{1950 + n % 75}    xx            000 0 eng d")
            )
            record.add_field(
                Field(tag="020", indicators=Indicators(" ", " "), subfields=[Subfield("a", isbn)])
            )
            record.add_field(
                Field(tag="100", indicators=Indicators("1", " "), subfields=[Subfield("a", author)])
            )
            record.add_field(
                Field(tag="245", indicators=Indicators("1", "0"), subfields=[Subfield("a", title)])
            )
            record.add_field(
                Field(
                    tag="264",
                    indicators=Indicators(" ", "1"),
                    subfields=[Subfield("b", "Campus Press"), Subfield("c", str(1950 + n % 75))],
                )
            )
            for subject in rng.sample(SUBJECTS, 2):
                record.add_field(
                    Field(
                        tag="650",
                        indicators=Indicators(" ", "0"),
                        subfields=[Subfield("a", subject)],
                    )
                )
            for copy in range(rng.randint(1, 2)):
                record.add_field(
                    Field(
                        tag="952",
                        indicators=Indicators(" ", " "),
                        subfields=[
                            Subfield("a", "MAIN"),
                            Subfield("c", "STACKS"),
                            Subfield("o", f"Z{n % 999}.{copy}"),
                            Subfield("p", f"BC{n:07d}{copy}"),
                        ],
                    )
                )
            writer.write(record)
            catalog.append((title, author, isbn))
    return catalog


def queries(
    catalog: list[tuple[str, str, str]], count: int, seed: int = 11
) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    for _ in range(count):
        title, author, isbn = rng.choice(catalog)
        kind = rng.random()
        if kind < 0.35:
            words = title.split() if " " in title else [title[:4]]
            out.append((" ".join(rng.sample(words, min(2, len(words)))), "any"))
        elif kind < 0.55:
            out.append((rng.choice(ZH_WORDS + JA_WORDS), "any"))  # 2-character CJK words
        elif kind < 0.65:
            out.append((rng.choice(ZH_WORDS)[:1], "title"))  # one character
        elif kind < 0.8:
            out.append((author.split(",")[0], "author"))
        elif kind < 0.9:
            out.append((rng.choice(SUBJECTS), "subject"))
        else:
            out.append((isbn, "identifier"))
    return out


def generate_loans(count: int, records: int, patrons: int, seed: int = 3) -> Iterator[Loan]:
    """Zipf-like popularity, readers with a few favourite subjects' worth of loans."""
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, records + 1) ** 0.8
    popularity /= popularity.sum()
    books = rng.choice(records, size=count, p=popularity)
    readers = rng.integers(0, patrons, size=count)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp()
    stamps = start + rng.integers(0, 300 * 86400, size=count)
    for reader, book, stamp in zip(readers.tolist(), books.tolist(), stamps.tolist(), strict=True):
        yield Loan(
            patron=f"patron{reader}",
            item=f"BC{book:07d}0",
            loaned_at=dt.datetime.fromtimestamp(stamp, dt.UTC),
        )


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--loans", type=int, default=1_000_000)
    parser.add_argument("--patrons", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=2_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="readingroom-bench-") as tmp:
        work = Path(tmp)
        marc = work / "catalog.mrc"
        t0 = time.perf_counter()
        catalog = generate_marc(marc, args.records)
        generated = time.perf_counter() - t0
        library = Library(
            LibraryConfig(
                database=work / "readingroom.sqlite3",
                patron_key=work / "patron-key",
                also_borrowed_min_patrons=5,
                history_retention_days=3650,
            )
        )
        try:
            t0 = time.perf_counter()
            with marc.open("rb") as stream:
                report = library.import_marc(stream)
            imported = time.perf_counter() - t0
            load_at_import = os.getloadavg()[0]
            assert report.imported == args.records, report.rejected[:3]

            timings: list[float] = []
            hits = 0
            for text, field in queries(catalog, args.queries):
                t0 = time.perf_counter()
                page = library.search(text, field)  # type: ignore[arg-type]
                timings.append((time.perf_counter() - t0) * 1000)
                hits += bool(page.hits)

            t0 = time.perf_counter()
            loans = library.add_loans(generate_loans(args.loans, args.records, args.patrons))
            loaded = time.perf_counter() - t0
            t0 = time.perf_counter()
            build = library.build_also_borrowed()
            built = time.perf_counter() - t0
        finally:
            library.close()
    p50, p99 = _percentile(timings, 50), _percentile(timings, 99)
    rows = [
        ("generate MARC (pymarc, not timed)", f"{generated:.1f} s", "-", "-"),
        (
            f"import {args.records:,} MARC records",
            f"{imported:.1f} s",
            "60 s",
            f"{imported / 60:.2f}",
        ),
        ("  records per second", f"{args.records / imported:,.0f}", "1,667", "-"),
        ("  load average when the import ended", f"{load_at_import:.1f}", "-", "-"),
        (
            f"search p50 ({len(timings):,} queries, {hits / len(timings):.0%} with hits)",
            f"{p50:.2f} ms",
            "20 ms",
            f"{p50 / 20:.2f}",
        ),
        ("search p99", f"{p99:.2f} ms", "100 ms", f"{p99 / 100:.2f}"),
        (
            f"load {loans.stored:,} loans (hash, resolve item, daily totals)",
            f"{loaded:.1f} s",
            "-",
            "-",
        ),
        (
            f"build also-borrowed from {build.loans:,} loans",
            f"{built:.1f} s",
            "30 s",
            f"{built / 30:.2f}",
        ),
        (
            f"  pairs counted / kept (k={build.k})",
            f"{build.pairs_counted:,} / {build.pairs_kept:,}",
            "-",
            "-",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'readingroom':>14}  {'target':>8}  {'ratio':>6}")
    for name, value, target, ratio in rows:
        print(f"{name:<{width}}  {value:>14}  {target:>8}  {ratio:>6}")
    print(
        f"median search {statistics.median(timings):.2f} ms; ratio < 1 meets the target; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()

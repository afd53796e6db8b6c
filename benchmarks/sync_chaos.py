"""Rooms across processes under chaos (issue 8: "tried with processes killed and Redis
restarted at moments the tests do not choose").

A real redis-server (AOF, fsync every second) and three `readingroom serve` processes
sharing rooms through it; official y-websocket clients (Node) spread over them write map
entries, overwrites, deletions and text inserts and deletions continuously. At moments the
seed chooses, faults hit: a process killed with -9 or stopped with SIGTERM and restarted,
Redis killed with -9 (losing up to its last second) or shut down for a few seconds or
frozen (SIGSTOP), everything killed and restarted, clients moved between processes; half
the clients of a dead process go to a live one, as a load balancer would send them, the
others reconnect by themselves once it is back. After each round of faults the writers
pause and the run times how long every client takes to hold one state with every edit.

At the end: a fresh process with an empty data directory must show the same state (Redis
holds everything), and so must one started after clients leave and Redis and every
process are killed once more (the AOF holds everything); no log line may be a traceback
or an error; no Redis stream may hold an entry longer than compaction and trimming
allow (quiet rooms included: the writers pause between rounds), and once the last
readers have left, every room's stream must end up empty, though the processes that
compacted it were killed holding its lease. Strict: every edit made must be present
(see tests/support/chaos.py for why nothing is excused).

    python -m benchmarks.sync_chaos [--seconds 120] [--seed 1] [--own-data-dirs]
        [--trim-lag 10] [--lease 5]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from tests.support.chaos import ChaosConfig, ChaosReport, run_chaos
from tests.support.chaos_cluster import ClusterConfig


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="of chaos (then checks)")
    parser.add_argument("--seed", type=int, action="append", help="repeat for several runs")
    parser.add_argument("--rate", type=float, default=6.0, help="edits a second per client")
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--rooms", type=int, default=2)
    parser.add_argument(
        "--own-data-dirs",
        action="store_true",
        help="a data directory per process (several hosts) instead of one shared",
    )
    parser.add_argument("--compact-after", type=int, default=50, help="entries")
    parser.add_argument("--trim-lag", type=float, default=10.0, help="seconds (serve: 60)")
    parser.add_argument("--lease", type=float, default=5.0, help="seconds (serve: 15)")
    parser.add_argument("--events", type=int, default=3, help="at most, per round")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    args = parser.parse_args()
    redis_server, node = shutil.which("redis-server"), shutil.which("node")
    if redis_server is None or node is None:
        print("needs redis-server and node on PATH", file=sys.stderr)
        return 2
    reports = []
    for seed in args.seed or [1]:
        config = ChaosConfig(
            seed=seed,
            seconds=args.seconds,
            rate=args.rate,
            events_per_round=(1, args.events),
            cluster=ClusterConfig(
                processes=args.processes,
                clients=args.clients,
                rooms=args.rooms,
                shared_data_dir=not args.own_data_dirs,
                compact_after=args.compact_after,
                trim_lag_seconds=args.trim_lag,
                lease_seconds=args.lease,
            ),
        )
        workdir = Path(tempfile.mkdtemp(prefix=f"sync-chaos-{seed}-"))
        began = time.monotonic()
        try:
            report = run_chaos(config, workdir, redis_server, node)
        finally:
            if args.keep:
                print(f"work directory: {workdir}")
            else:
                shutil.rmtree(workdir, ignore_errors=True)
        reports.append(report)
        print_report(report, time.monotonic() - began)
    if len(reports) > 1:
        print_summary(reports)
    return 0 if all(r.ok for r in reports) else 1


def print_report(report: ChaosReport, elapsed: float) -> None:
    times = report.convergence()
    p50, p99 = np.percentile(times, [50, 99]) if times else (float("nan"),) * 2
    print(f"\nseed {report.seed}: {len(report.rounds)} rounds in {elapsed:.0f} s")
    print(f"{'event':<22}{'count':>6}")
    for event, count in sorted(report.events.items()):
        print(f"{event:<22}{count:>6}")
    shutdowns = [seconds for seconds, _ in report.shutdowns]
    rows = [
        ("events injected", f"{sum(report.events.values())}"),
        ("edits made", f"{report.edits_made}"),
        ("edits present (fresh process)", f"{report.edits_present}"),
        ("edits present (cold restart)", _or_dash(report.cold_present)),
        ("convergence p50 / p99 s", f"{p50:.2f} / {p99:.2f} over {len(times)} rounds"),
        ("Redis in step p50 / p99 s", _p50_p99(report.redis_times())),
        ("fresh process in step after s", _seconds(report.fresh_seconds)),
        ("presence right after s", _seconds(report.presence_seconds)),
        ("marks cleared after s", _seconds(report.marks_seconds)),
        ("SIGTERM shutdown max s", _seconds(max(shutdowns) if shutdowns else None)),
        ("stream max length / added", f"{report.stream_max_len} / {report.stream_added}"),
        (
            "stream oldest entry s / limit",
            f"{report.stream_max_age:.0f} / {report.stream_age_limit:.0f}",
        ),
        ("stream lengths at the end", _lengths(report.stream_final)),
        ("streams empty after all left s", _seconds(report.drained_seconds)),
        ("client closes by code", _codes(report)),
        ("log problems", f"{len(report.log_problems)}"),
        ("result", "pass" if report.ok else "FAIL"),
    ]
    width = max(len(name) for name, _ in rows) + 2
    for name, value in rows:
        print(f"{name:<{width}}{value}")
    for failure in [*report.failures, *report.stream_findings]:
        print(f"  failure: {failure}")
    for line in report.log_problems[:20]:
        print(f"  log: {line}")


def _lengths(final: dict[str, int]) -> str:
    return ", ".join(str(n) for _, n in sorted(final.items())) or "-"


def print_summary(reports: list[ChaosReport]) -> None:
    print(
        f"\n{'seed':>6}{'events':>8}{'edits made':>12}{'present':>10}"
        f"{'conv p50 s':>12}{'conv p99 s':>12}  result"
    )
    for r in reports:
        times = r.convergence()
        p50, p99 = np.percentile(times, [50, 99]) if times else (float("nan"),) * 2
        print(
            f"{r.seed:>6}{sum(r.events.values()):>8}{r.edits_made:>12}{r.edits_present:>10}"
            f"{p50:>12.2f}{p99:>12.2f}  {'pass' if r.ok else 'FAIL'}"
        )


def _p50_p99(times: list[float]) -> str:
    if not times:
        return "-"
    p50, p99 = np.percentile(times, [50, 99])
    return f"{p50:.2f} / {p99:.2f}"


def _codes(report: ChaosReport) -> str:
    return " ".join(f"{code}:{n}" for code, n in sorted(report.client_closes.items())) or "-"


def _or_dash(value: int | None) -> str:
    return "-" if value is None else str(value)


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


if __name__ == "__main__":
    sys.exit(main())

"""Fan-out of live-session updates: readingroom against the Node reference server
(`@y/websocket-server` 0.1.1 on yjs 13), side by side in one run, with the same Node client
script (tests/js/sync-fanout.mjs) for both.

One writer sets a map entry `rate` times a second for `seconds`; every reader records when
each entry arrives. Printed per server: p50/p99/max fan-out latency, lost updates, server
CPU and the clients' CPU (when the clients saturate the machine, latencies measure them,
not the server: compare with the Node row); then, with many readers, the latency per time
window and its trend (it must not grow over the run): p50/p99 of the first third of the
updates sent against the last third, and the slope of the per-window p50.

    python -m benchmarks.sync_fanout [--readers 50] [--many 200] [--rate 100] [--seconds 10]
                                     [--many-seconds 30] [--many-warmup 3] [--rounds 1]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks._fanout import Result, Server, node_reference, readingroom, run


def measure(
    server: Server, node: str, readers: int, rate: float, seconds: float, warmup: float
) -> Result:
    """All clients on `server`: one row of the table."""
    return run(node, server, [(server, readers)], rate, seconds, warmup).result(server.name)


def send_times(result: Result) -> np.ndarray:
    """Seconds from the first measured update to each update's sending: a backlog shows as
    high latency of late updates, not as updates that arrive after the run."""
    data = result.latencies
    sent = data[:, 0] - data[:, 1]
    return np.asarray((sent - sent.min()) / 1000.0) if len(sent) else sent


def windows(result: Result, width: float) -> list[tuple[float, float, float]]:
    """(window start s, p50 ms, p99 ms) by send time over the run."""
    at, latency = send_times(result), result.latencies[:, 1]
    out = []
    for begin in np.arange(0.0, result.seconds, width):
        mask = (at >= begin) & (at < begin + width)
        if mask.any():
            lat = latency[mask]
            out.append((float(begin), float(np.percentile(lat, 50)), float(np.percentile(lat, 99))))
    return out


@dataclass(frozen=True)
class Trend:
    """Whether latency grows over a long run, robust to one noisy window: percentiles of
    the first and the last third of the updates sent, and the least-squares slope of the
    per-window p50."""

    first_p50: float
    first_p99: float
    last_p50: float
    last_p99: float
    p50_slope_ms_per_min: float

    @classmethod
    def of(cls, result: Result, width: float) -> Trend:
        at, latency = send_times(result), result.latencies[:, 1]
        third = result.seconds / 3
        first, last = latency[at < third], latency[at >= 2 * third]
        spans = windows(result, width)
        slope = 0.0
        if len(spans) > 1:
            starts, p50s = np.array([s[0] for s in spans]), np.array([s[1] for s in spans])
            slope = float(np.polyfit(starts / 60.0, p50s, 1)[0])
        return cls(
            _percentile(first, 50),
            _percentile(first, 99),
            _percentile(last, 50),
            _percentile(last, 99),
            slope,
        )


def _percentile(latencies: np.ndarray, q: float) -> float:
    return float(np.percentile(latencies, q)) if len(latencies) else 0.0


def print_windows(result: Result, width: float) -> None:
    print(f"\n{result.label}, {result.readers} readers: latency by {width:g} s window (send time)")
    print(f"{'from s':>6} {'p50 ms':>8} {'p99 ms':>8}")
    for begin, p50, p99 in windows(result, width):
        print(f"{begin:>6.0f} {p50:>8.2f} {p99:>8.2f}")


def print_trends(results: list[Result], width: float) -> None:
    """One row per run: flat latency shows ratios near 1 and a slope near 0 ms/min."""
    print("\nlatency trend: first vs last third of the updates sent (ms), slope of window p50")
    print(
        f"{'server':<32} {'readers':>7} {'p50 first':>9} {'p50 last':>9} {'ratio':>6} "
        f"{'p99 first':>9} {'p99 last':>9} {'ratio':>6} {'p50 ms/min':>10}"
    )
    for r in results:
        t = Trend.of(r, width)
        p50_ratio = t.last_p50 / t.first_p50 if t.first_p50 else 0.0
        p99_ratio = t.last_p99 / t.first_p99 if t.first_p99 else 0.0
        print(
            f"{r.label:<32} {r.readers:>7} {t.first_p50:>9.2f} {t.last_p50:>9.2f} "
            f"{p50_ratio:>6.2f} {t.first_p99:>9.2f} {t.last_p99:>9.2f} {p99_ratio:>6.2f} "
            f"{t.p50_slope_ms_per_min:>+10.2f}"
        )


def print_table(results: list[Result]) -> None:
    """Each readingroom row is compared with the Node row of its round."""
    reference: dict[int, Result] = {}
    print(
        f"{'server':<32} {'readers':>7} {'sent':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'lost':>6} {'closed':>6} {'cpu %':>6} {'clients':>7} {'p99/node':>8}"
    )
    for index, r in enumerate(results):
        pair = results[index - 1 : index + 2]
        if r.label.startswith("node"):
            reference[r.readers] = r
        else:
            for other in pair:
                if other.label.startswith("node") and other.readers == r.readers:
                    reference[r.readers] = other
        ref = reference.get(r.readers)
        ratio = r.percentile(99) / ref.percentile(99) if ref and ref.percentile(99) else 1.0
        print(
            f"{r.label:<32} {r.readers:>7} {r.sent:>6} {r.percentile(50):>8.2f} "
            f"{r.percentile(99):>8.2f} {r.max():>8.1f} {r.lost:>6} {r.closes:>6} "
            f"{sum(r.cpu_percent.values()):>6.0f} {r.client_cpu_percent:>7.0f} {ratio:>8.2f}"
        )


def print_medians(results: list[Result]) -> None:
    by_server: dict[str, list[Result]] = {}
    for r in results:
        by_server.setdefault(r.label, []).append(r)
    print(f"\nmedian over {len(next(iter(by_server.values())))} alternating rounds")
    print(f"{'server':<32} {'p50 ms':>8} {'p99 ms':>8} {'lost':>6} {'p99/node':>8}")
    node_p99 = None
    for server, runs in by_server.items():
        p50 = float(np.median([r.percentile(50) for r in runs]))
        p99 = float(np.median([r.percentile(99) for r in runs]))
        if server.startswith("node"):
            node_p99 = p99
        ratio = p99 / node_p99 if node_p99 else 1.0
        lost = sum(r.lost for r in runs)
        print(f"{server:<32} {p50:>8.2f} {p99:>8.2f} {lost:>6} {ratio:>8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--many", type=int, default=200, help="0 skips the long-run check")
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--many-seconds", type=float, default=None)
    parser.add_argument("--window", type=float, default=2.0)
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds not measured")
    parser.add_argument(
        "--many-warmup",
        type=float,
        default=3.0,
        help="seconds not measured with many readers: right after they join, the first "
        "updates wait behind the join traffic, which is start-up, not sustained fan-out",
    )
    parser.add_argument("--rounds", type=int, default=1, help="repeat the 50-reader pair")
    parser.add_argument("--timeline", action="store_true", help="windows for every run")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting for the readingroom server (repeatable)",
    )
    args = parser.parse_args()
    node = shutil.which("node")
    if node is None:
        sys.exit("node is not installed")
    many_seconds = args.many_seconds or args.seconds
    results: list[Result] = []
    many: list[Result] = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        node_reference(node) as ref,
        readingroom(Path(tmp), dict(item.split("=", 1) for item in args.env)) as ours,
    ):
        for round_ in range(args.rounds):
            for server in (ref, ours) if round_ % 2 == 0 else (ours, ref):
                results.append(
                    measure(server, node, args.readers, args.rate, args.seconds, args.warmup)
                )
        if args.many:
            for server in (ref, ours):
                many.append(
                    measure(server, node, args.many, args.rate, many_seconds, args.many_warmup)
                )
    print(f"\n1 writer, {args.rate:g} updates/s for {args.seconds:g} s")
    print_table(results + many)
    if args.rounds > 1:
        print_medians(results)
    timed = (results + many) if args.timeline else many
    for r in timed:
        print_windows(r, args.window)
    if timed:
        print_trends(timed, args.window)


if __name__ == "__main__":
    main()

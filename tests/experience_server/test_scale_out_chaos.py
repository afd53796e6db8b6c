"""A short seeded chaos round (benchmarks/sync_chaos.py): three real server processes and a
real redis-server (AOF, fsync every second) under official y-websocket writers, with
processes and Redis killed, stopped and frozen at moments the seed chooses. Every edit
must survive and every client converge; a fresh process and one after a cold restart see
the same. Deadlines are generous and everything is polled: it must hold on a loaded
machine."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.chaos import ChaosConfig, run_chaos
from tests.support.chaos_cluster import ClusterConfig
from tests.support.node import Node
from tests.support.tools import require_tool

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.node]


def test_rooms_across_processes_survive_seeded_chaos(tmp_path: Path, node: Node) -> None:
    config = ChaosConfig(
        seed=2,  # kill -9 of a process and of Redis, a room emptied, everything restarted
        seconds=25.0,
        rate=5.0,
        cluster=ClusterConfig(processes=3, clients=4, rooms=2, compact_after=20),
        settle_timeout=120.0,
        events_per_round=(1, 2),
        round_span=4.0,
    )
    report = run_chaos(config, tmp_path, require_tool("redis-server"), node.executable)
    summary = f"events {dict(report.events)}, failures {report.failures}"
    assert not report.failures, summary
    assert not report.log_problems, report.log_problems[:20]
    assert sum(report.events.values()) >= 2, summary
    assert report.rounds and all(r.convergence_seconds is not None for r in report.rounds)
    assert report.edits_made > 0
    assert report.edits_present == report.edits_made
    assert report.cold_present == report.edits_made
    # Compaction and trimming kept every stream short (quiet rooms included: the writers
    # pause between rounds and during the checks).
    assert not report.stream_findings, report.stream_findings

"""Rooms benchmark: the 1,000-book European-literature topic room built in all four
device profiles, its costs counted from the GLBs, and a preview rendered on the CPU,
each beside the budget issue #4 sets.

    python -m benchmarks.rooms [--runs 3] [--books 1000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from experience_server.placements import InMemoryPlacementSource, select_room_books
from scenes.compose import build_room
from scenes.glb_stats import glb_stats
from scenes.labels import SpineTypesetter
from scenes.preview.camera import room_camera
from scenes.preview.renderer import PreviewRenderer
from scenes.profiles import PROFILE_NAMES, PROFILES
from scenes.template import load_builtin_template
from tests.scenes.sample_books import sample_books

BUILD_BUDGET_S = 2.0
PREVIEW_BUDGET_S = 2.0


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _ok(value: float, limit: float | None) -> str:
    if limit is None:
        return "-"
    return "yes" if value <= limit else "NO"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--books", type=int, default=1000)
    args = parser.parse_args()
    console = Console(width=200)

    template = load_builtin_template("european-literature")
    books = select_room_books(template, InMemoryPlacementSource(sample_books(args.books)), 5000)
    typesetter = SpineTypesetter()
    build_room(template, books, profiles=["headset"], typesetter=typesetter)  # warm fonts

    timings: list[float] = []
    cpu: list[float] = []
    single: list[float] = []
    single_cpu: list[float] = []
    build = None
    for _ in range(args.runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        build = build_room(template, books, typesetter=typesetter)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        started, started_cpu = time.perf_counter(), time.process_time()
        build_room(template, books, profiles=["headset"], typesetter=typesetter)
        single.append(time.perf_counter() - started)
        single_cpu.append(time.process_time() - started_cpu)
    assert build is not None

    speed = Table(title=f"Build: {len(build.layout):,}-book topic room, {args.runs} runs")
    for column in ("what", "wall p50 s", "wall max s", "cpu p50 s", "budget s", "within"):
        speed.add_column(column, justify="right" if column != "what" else "left")
    speed.add_row(
        "all four profiles",
        f"{statistics.median(timings):.3f}",
        f"{max(timings):.3f}",
        f"{statistics.median(cpu):.3f}",
        f"{BUILD_BUDGET_S:.1f}",
        _ok(statistics.median(timings), BUILD_BUDGET_S),
    )
    speed.add_row(
        "headset only (for scale)",
        f"{statistics.median(single):.3f}",
        f"{max(single):.3f}",
        f"{statistics.median(single_cpu):.3f}",
        "-",
        "-",
    )
    speed.caption = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    console.print(speed)

    costs = Table(title="Per profile, counted from the GLB")
    for column in (
        "profile",
        "draw calls",
        "budget",
        "triangles",
        "budget",
        "textures MB",
        "budget",
        "GLB bytes",
        "shell",
        "near",
        "rest",
        "within",
    ):
        costs.add_column(column, justify="right")
    for name in PROFILE_NAMES:
        result = build.profiles[name]
        limits = PROFILES[name]
        stats = glb_stats(result.scene)
        parts = {p.name: len(p.glb) for p in result.parts}
        within = all(
            _ok(v, lim) != "NO"
            for v, lim in (
                (stats.draw_calls, limits.max_draw_calls),
                (stats.triangles, limits.max_triangles),
                (stats.texture_bytes, limits.max_texture_bytes),
            )
        )
        costs.add_row(
            name,
            str(stats.draw_calls),
            str(limits.max_draw_calls or "-"),
            f"{stats.triangles:,}",
            f"{limits.max_triangles:,}" if limits.max_triangles else "-",
            f"{stats.texture_bytes / 2**20:.1f}",
            f"{limits.max_texture_bytes / 2**20:.0f}" if limits.max_texture_bytes else "-",
            f"{stats.glb_bytes:,}",
            f"{parts.get('shell', 0):,}",
            f"{parts.get('near', 0):,}",
            f"{parts.get('rest', 0):,}",
            "yes" if within else "NO",
        )
    console.print(costs)

    preview = Table(title="Preview on the CPU (Panda3D, llvmpipe), touch GLB, 1280x720")
    for column in ("what", "wall p50 s", "wall max s", "cpu p50 s", "budget s", "within"):
        preview.add_column(column, justify="right" if column != "what" else "left")
    with tempfile.TemporaryDirectory() as scratch:
        renderer = PreviewRenderer(Path(scratch))
        try:
            started = time.perf_counter()
            status = renderer.start()
            start_s = time.perf_counter() - started
            if not status.ok:
                preview.add_row(f"unavailable: {status.detail}", "-", "-", "-", "-", "-")
            else:
                glb = build.profiles["touch"].scene
                camera = room_camera(template)
                renders, cpus = [], []
                for _ in range(args.runs):
                    started = time.perf_counter()
                    renderer.render(glb, camera)
                    renders.append(time.perf_counter() - started)
                    cpus.append(renderer.last_cpu_s)
                cold, cold_cpu = start_s + renders[0], renderer.start_cpu_s + cpus[0]
                preview.add_row(
                    "cold: worker start + first render",
                    f"{cold:.3f}",
                    f"{cold:.3f}",
                    f"{cold_cpu:.3f}",
                    f"{PREVIEW_BUDGET_S:.1f}",
                    _ok(cold, PREVIEW_BUDGET_S),
                )
                preview.add_row(
                    "warm worker: render",
                    f"{statistics.median(renders):.3f}",
                    f"{max(renders):.3f}",
                    f"{statistics.median(cpus):.3f}",
                    f"{PREVIEW_BUDGET_S:.1f}",
                    _ok(statistics.median(renders), PREVIEW_BUDGET_S),
                )
                preview.caption = status.detail
        finally:
            renderer.close()
    console.print(preview)


if __name__ == "__main__":
    main()

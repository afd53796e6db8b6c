"""Helpers for the scenes tests: batch validation of many GLBs in one Node process, and
image checks for previews."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from tests.support.tools import require_tool

JS_DIR = Path(__file__).resolve().parents[1] / "js"


def validate_glbs(glbs: list[bytes]) -> list[dict[str, Any]]:
    """Khronos gltf-validator reports, one per GLB, from one Node process."""
    node = require_tool("node")
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, glb in enumerate(glbs):
            path = Path(tmp) / f"{i}.glb"
            path.write_bytes(glb)
            paths.append(str(path))
        done = subprocess.run(
            [node, "scenes-validate.mjs", *paths],
            cwd=JS_DIR,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    reports: list[dict[str, Any]] = json.loads(done.stdout)
    return reports


def assert_valid(report: dict[str, Any]) -> None:
    issues = report["issues"]
    problems = [m for m in issues["messages"] if m["severity"] <= 1]
    assert issues["numErrors"] == 0, problems
    assert issues["numWarnings"] == 0, problems


def image_spread(png: bytes) -> tuple[float, float]:
    """Standard deviation of the pixels and the share of the commonest colour: a blank
    render has (about) zero of the first and all of the second."""
    import io

    with Image.open(io.BytesIO(png)) as image:
        pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    _, counts = np.unique(pixels, axis=0, return_counts=True)
    return float(pixels.std()), float(counts.max() / len(pixels))

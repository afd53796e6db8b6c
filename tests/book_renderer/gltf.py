"""Khronos gltf-validator (npm) run from Python; the shared `gltf_validate` fixture will
replace this when it lands in tests/conftest.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

JS_DIR = Path(__file__).resolve().parents[1] / "js"


def require_tool(name: str) -> str:
    """Path of an executable; skips when missing, but fails under CI=true."""
    found = shutil.which(name)
    if found is None:
        message = f"{name} is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


def make_validator() -> Callable[[bytes], dict[str, Any]]:
    node = require_tool("node")
    if not (JS_DIR / "node_modules" / "gltf-validator").exists():
        message = "tests/js/node_modules/gltf-validator is missing (make js-deps)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)

    def validate(glb: bytes) -> dict[str, Any]:
        done = subprocess.run(
            [node, "books-validate.mjs"],
            input=glb,
            cwd=JS_DIR,
            capture_output=True,
            timeout=60,
            check=True,
        )
        report: dict[str, Any] = json.loads(done.stdout)
        return report

    return validate

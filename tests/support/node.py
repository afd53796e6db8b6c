"""Node scripts under tests/js/ (the official npm clients and Khronos' glTF validator)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.support.tools import missing, require_tool

JS_DIR = Path(__file__).resolve().parents[1] / "js"


class Node:
    def __init__(self) -> None:
        self.executable = require_tool("node")
        if not (JS_DIR / "node_modules").is_dir():
            missing("tests/js/node_modules is missing: run `make js-deps`")

    def __call__(
        self, script: str, *args: str, timeout: float = 30.0, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.executable, str(JS_DIR / script), *args],
            cwd=JS_DIR,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def popen(self, script: str, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [self.executable, str(JS_DIR / script), *args],
            cwd=JS_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def validate_glb(self, glb: bytes) -> dict[str, Any]:
        result = subprocess.run(
            [self.executable, str(JS_DIR / "validate-gltf.mjs")],
            cwd=JS_DIR,
            input=glb,
            capture_output=True,
            timeout=60,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(result.stderr.decode(errors="replace"))
        report: dict[str, Any] = json.loads(result.stdout)
        return report

"""The web client's pure modules under Node: the pose codec against the protocol's example
frame, the page curl, text anchoring, manifest readers, and the checks on what others
wrote (tests/js/web-units.mjs imports the client's own files)."""

from __future__ import annotations

import json

import pytest

from tests.support.node import Node


@pytest.mark.node
def test_web_client_units(node: Node) -> None:
    result = node("web-units.mjs", timeout=60)
    assert result.returncode == 0, result.stderr
    checks = json.loads(result.stdout.strip().splitlines()[-1])
    failed = [f"{c['name']}: {c['error']}" for c in checks if not c["ok"]]
    assert not failed, "\n".join(failed)
    assert len(checks) >= 7

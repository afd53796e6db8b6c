"""The real outside tools the suite relies on answer as expected."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import redis
import trimesh

from tests.support.node import Node
from tests.support.redis_server import RedisServer


@pytest.mark.redis
def test_redis_server_fixture_is_real_and_durable(redis_server: RedisServer) -> None:
    client = redis.Redis.from_url(redis_server.url)
    client.xadd("room:demo:shared", {"update": b"\x01\x02"})
    client.close()
    redis_server.kill()
    redis_server.start()
    client = redis.Redis.from_url(redis_server.url)
    assert client.xlen("room:demo:shared") == 1, "AOF replays what Redis accepted"
    client.close()


@pytest.mark.node
def test_gltf_validator_accepts_good_and_rejects_broken_glb(
    gltf_validate: Callable[[bytes], dict[str, Any]],
) -> None:
    box = trimesh.creation.box(extents=(0.2, 0.3, 0.04))
    glb = trimesh.Scene(box).export(file_type="glb")
    assert isinstance(glb, bytes)
    report = gltf_validate(glb)
    assert report["issues"]["numErrors"] == 0
    broken = bytearray(glb)
    broken[20:40] = b"\x00" * 20
    assert gltf_validate(bytes(broken))["issues"]["numErrors"] > 0


@pytest.mark.node
def test_official_yjs_clients_sync_through_the_node_reference_server(node: Node) -> None:
    result = node("yjs-reference-roundtrip.mjs", timeout=60)
    assert result.returncode == 0, result.stderr + result.stdout
    assert result.stdout.strip() == "converged"

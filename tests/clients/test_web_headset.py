"""Immersive mode with an emulated Quest 3 (Meta's iwer from npm, loaded by `?xr=emulate`):
enter VR, take a book from the shelf with the controller ray, turn a page with a tap on
its outer edge."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.clients.conftest import WebClientFactory
from tests.clients.library import PAGES, Library
from tests.clients.webclient import WebClient

pytestmark = pytest.mark.browser

#: Where the right hand holds the controller, in the headset's space (the rig's frame).
HAND = (0.15, 1.35, -0.25)


def _rotation_towards(origin: tuple[float, ...], target: list[float]) -> list[float]:
    """The quaternion (x, y, z, w) turning the controller's -z axis towards the target."""
    d = [t - o for t, o in zip(target, origin, strict=True)]
    length = math.sqrt(sum(c * c for c in d))
    dx, dy, dz = (c / length for c in d)
    # from a = (0, 0, -1) to b = d: axis a x b, angle acos(a . b)
    dot = -dz
    axis = (dy, -dx, 0.0)
    w = 1.0 + dot
    if w < 1e-6:
        return [0.0, 1.0, 0.0, 0.0]
    norm = math.sqrt(axis[0] ** 2 + axis[1] ** 2 + axis[2] ** 2 + w * w)
    return [axis[0] / norm, axis[1] / norm, axis[2] / norm, w / norm]


def _aim_and_press(client: WebClient, target_world: str, expect: str) -> None:
    """Point the right controller at a world point (a JS expression) and pull the trigger."""
    target = client.state(f"readingroom.stage.rig.worldToLocal({target_world}).toArray()")
    rotation = _rotation_towards(HAND, target)
    client.page.evaluate(
        """([p, q]) => {
            const c = readingroomXr.controllers.right;
            c.position.set(p[0], p[1], p[2]);
            c.quaternion.set(q[0], q[1], q[2], q[3]);
        }""",
        [list(HAND), rotation],
    )
    client.wait_for(f"readingroom.mode.inputs.some(i => i.hit && i.hit.kind === '{expect}')")
    client.page.evaluate("() => readingroomXr.controllers.right.updateButtonValue('trigger', 1)")
    client.wait_for("readingroom.mode.inputs.some(i => i.gesture) || readingroom.reader.opening")
    client.page.evaluate("() => readingroomXr.controllers.right.updateButtonValue('trigger', 0)")


def test_immersive_reading_with_an_emulated_quest(
    library: Library, web_client: WebClientFactory, artifacts: Path
) -> None:
    client = web_client(
        library.token("r.lin", "reader"),
        room=library.stand_in,
        mode="headset",
        extra={"xr": "emulate"},
    ).open()
    client.page.wait_for_selector("#enter-xr:not([hidden])")
    client.page.click("#enter-xr")
    client.wait_for("readingroom.stage.renderer.xr.isPresenting")
    client.wait_for("readingroom.mode.inputs.every(i => i.source)")
    assert client.page.get_attribute("body", "data-xr") == "immersive"
    client.page.wait_for_timeout(500)
    assert client.canvas_drawn()
    client.screenshot(artifacts / "headset-immersive-room.png")

    spine = (
        f"readingroom.room.slotFor('{library.book}').target"
        f".getWorldPosition(readingroom.room.slotFor('{library.book}').target.position.clone())"
    )
    _aim_and_press(client, spine, "slot")
    client.wait_for_page_image()
    assert client.indicator() == f"Page 1 of {PAGES}"
    client.page.wait_for_timeout(500)
    client.screenshot(artifacts / "headset-immersive-book.png")

    edge = "readingroom.reader.book.worldPoint(1, 0.96, 0.5)"
    _aim_and_press(client, edge, "page")
    client.page.wait_for_function(
        "() => document.querySelector('#page-indicator').textContent.startsWith('Pages 2')",
        timeout=30_000,
    )
    client.settle()
    client.screenshot(artifacts / "headset-immersive-turned.png")
    assert client.errors == []

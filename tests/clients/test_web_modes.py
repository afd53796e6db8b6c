"""Every device mode of the web client, as a person meets it: the room renders, a book
opens at page 1, and the page turns with that mode's own gesture."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import ImageChops, ImageStat

from tests.clients.conftest import WebClientFactory
from tests.clients.library import PAGES, Library
from tests.clients.webclient import WebClient

MODES = ["desktop", "touch", "blackboard", "headset"]

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("mode", MODES)
def test_the_room_renders(
    mode: str, library: Library, web_client: WebClientFactory, artifacts: Path
) -> None:
    client = web_client(library.token("r.lin", "reader"), room=library.room, mode=mode).open()
    client.page.evaluate("() => readingroom.room.whenComplete")
    client.wait_for("readingroom.stage.frames > 3")
    client.screenshot(artifacts / f"{mode}-room.png")
    assert client.canvas_drawn(), "the room canvas is blank"
    if library.room_served:
        assert client.state("readingroom.room.notice") is None
    else:
        assert "stand-in" in client.page.inner_text("#notices")
    assert client.errors == []


@pytest.mark.parametrize("mode", MODES)
def test_a_book_opens_at_page_one_and_turns(
    mode: str, library: Library, web_client: WebClientFactory, artifacts: Path
) -> None:
    client = web_client(
        library.token("r.lin", "reader"), room=library.stand_in, mode=mode, touch=mode == "touch"
    ).open()
    client.open_book_from_shelves(library.book)
    client.settle()
    assert client.indicator() == f"Page 1 of {PAGES}"
    shown = client.shown_pages()
    assert shown["right"] == 1 and shown["rightImage"] in ("thumb", "medium", "full")
    assert shown["left"] is None
    before = client.canvas_image()
    client.screenshot(artifacts / f"{mode}-page-1.png")

    TURNS[mode](client)

    client.page.wait_for_function(
        "() => document.querySelector('#page-indicator').textContent.startsWith('Pages 2')",
        timeout=30_000,
    )
    client.settle()
    assert client.indicator() == f"Pages 2–3 of {PAGES}"
    assert client.shown_pages()["left"] == 2 and client.shown_pages()["right"] == 3
    after = client.canvas_image()
    client.screenshot(artifacts / f"{mode}-pages-2-3.png")
    difference = ImageStat.Stat(ImageChops.difference(before, after)).mean
    assert max(difference) > 2, "the canvas did not change when the page turned"
    assert client.errors == []


def _turn_with_key(client: WebClient) -> None:
    client.page.locator("#scene").focus()
    client.page.keyboard.press("ArrowRight")


def _turn_with_swipe(client: WebClient) -> None:
    """A finger drags right to left across the right-hand page (real touch events)."""
    x, y = client.screen_point(1, 0.8, 0.5)
    cdp = client.context.new_cdp_session(client.page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for step in range(1, 5):
        point = {"x": x - step * 80, "y": y}
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def _turn_with_button(client: WebClient) -> None:
    client.page.click("#next-page")


TURNS = {
    "desktop": _turn_with_key,
    "touch": _turn_with_swipe,
    "blackboard": _turn_with_button,
    "headset": _turn_with_button,
}

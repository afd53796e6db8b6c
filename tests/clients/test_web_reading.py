"""Reading as a person does it: a tap on a spine opens the book (touch), the whole client
by keyboard alone (desktop), search inside the book with its hits on the page, and zoom
that switches the pages on view to full-size images."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.clients.conftest import WebClientFactory
from tests.clients.library import CALL_NUMBER, NEEDLE, PAGES, TITLE, Library
from tests.support.tools import missing

pytestmark = pytest.mark.browser


def test_a_tap_on_a_spine_opens_the_book_and_its_record(
    library: Library, web_client: WebClientFactory, artifacts: Path
) -> None:
    client = web_client(
        library.token("kiosk", "guest"), room=library.stand_in, mode="touch", touch=True
    ).open()
    client.wait_for("readingroom.mode.tween === null")
    spine = f"readingroom.room.slotFor('{library.book}').target"
    point = client.state(
        f"readingroom.mode.screenPointOfWorld({spine}.getWorldPosition({spine}.position.clone()))"
    )
    client.page.touchscreen.tap(point["x"], point["y"])
    client.wait_for_page_image()
    assert client.indicator() == f"Page 1 of {PAGES}"
    assert client.page.get_attribute("#tab-book", "aria-selected") == "true"
    assert "Marginalia of the Reading Room" in client.page.inner_text("#book-title")
    # A guest reads but does not write, and is told so.
    assert client.page.is_disabled("#bookmark")
    client.screenshot(artifacts / "touch-spine-tapped.png")


def test_the_desktop_client_works_by_keyboard_alone(
    library: Library, web_client: WebClientFactory, artifacts: Path
) -> None:
    client = web_client(library.token("r.lin", "reader"), room="keys-test", mode="desktop").open()
    keyboard = client.page.keyboard
    client.page.focus("#tab-shelves")
    for _ in range(20):
        keyboard.press("Tab")
        if client.state(f"document.activeElement.dataset.book === '{library.book}'"):
            break
    else:
        raise AssertionError("the book on the shelves is not reachable with Tab")
    keyboard.press("Enter")
    client.wait_for_page_image()
    client.page.focus("#scene")
    keyboard.press("ArrowRight")
    client.page.wait_for_function(
        "() => document.querySelector('#page-indicator').textContent.startsWith('Pages 2')"
    )
    keyboard.press("End")
    client.wait_for(f"readingroom.reader.page === {PAGES}")
    keyboard.press("Home")
    client.wait_for("readingroom.reader.page === 1")
    keyboard.press("b")
    client.wait_for("readingroom.annotations.all().some(a => a.type === 'bookmark')")
    keyboard.press("n")
    assert client.state("document.activeElement.id") == "note-input"
    keyboard.type("Typed without a mouse")
    keyboard.press("Tab")
    keyboard.press("Enter")
    client.wait_for("readingroom.annotations.all().some(a => a.body === 'Typed without a mouse')")
    client.page.focus("#scene")
    keyboard.press("Escape")
    client.page.wait_for_selector("#reading-controls", state="hidden")
    client.screenshot(artifacts / "desktop-keyboard.png")


def test_search_inside_the_book_marks_the_hit_and_zoom_loads_full_pages(
    library: Library, web_client: WebClientFactory, artifacts: Path
) -> None:
    client = web_client(library.token("r.lin", "reader"), room="search-test", mode="desktop").open()
    client.open_book_from_shelves(library.book)
    client.tab("search")
    client.page.fill("#search-input", NEEDLE)
    client.page.keyboard.press("Enter")
    client.page.wait_for_selector("#search-results .hit", timeout=30_000)
    assert client.page.get_attribute("#search-results .hit", "data-page") == "3"
    client.wait_for("readingroom.reader.book.visiblePages.includes(3)")
    assert client.state("readingroom.reader.hits[0].boxes.length") >= 1
    client.settle()
    client.screenshot(artifacts / "desktop-search-hit.png")

    assert client.state("readingroom.reader.book.shownSizes()[3]") != "full"
    client.page.click("#zoom-in")
    client.page.click("#zoom-in")
    client.wait_for("readingroom.reader.book.shownSizes()[3] === 'full'")
    client.settle()
    client.screenshot(artifacts / "desktop-zoomed.png")


def test_the_lobby_lists_rooms_with_a_link_per_mode(
    library: Library, web_client: WebClientFactory, artifacts: Path
) -> None:
    client = web_client(library.token("r.lin", "reader"), room="", mode="touch")
    client.page.goto(client.url)
    client.page.wait_for_selector(".room-card", timeout=30_000)
    assert "Signed in as" in client.page.inner_text("#who")
    if library.room_served:
        assert client.page.locator(f".room-card[data-room='{library.room}']").count() == 1
    else:
        assert "does not list rooms" in client.page.inner_text("#lobby")
    links = client.page.eval_on_selector_all(".room-card a", "links => links.map(a => a.href)")
    assert links and all("token=" in link and "mode=" in link for link in links)
    client.screenshot(artifacts / "lobby.png")
    client.page.click(".room-card a.enter")
    client.page.wait_for_selector("body[data-ready='room']", state="attached", timeout=30_000)
    assert client.canvas_drawn()


def test_the_book_panel_shows_its_catalog_record_and_print_copy(
    library: Library, web_client: WebClientFactory, artifacts: Path
) -> None:
    if library.record is None:
        missing("this server has no catalog yet (POST /api/v1/catalog/import)")
    client = web_client(library.token("r.lin", "reader"), room="record-test", mode="desktop").open()
    client.open_book_from_shelves(library.book)
    client.tab("book")
    client.page.wait_for_selector("#record", timeout=30_000)
    record = client.page.inner_text("#record")
    assert TITLE in record and CALL_NUMBER in record
    client.page.wait_for_selector("#location", timeout=30_000)
    assert client.page.inner_text("#location").strip()
    client.screenshot(artifacts / "desktop-book-record.png")

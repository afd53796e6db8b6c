"""Live annotations between two browser pages, in every mode: a highlight made in one
appears in the other within a second; a note's body is shown as text, never as HTML."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.clients.library import Library
from tests.clients.webclient import WebClient

MODES = ["desktop", "touch", "blackboard", "headset"]
HOSTILE = (
    '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> & <b>bold</b>'
)

pytestmark = pytest.mark.browser

STAMP_SENT = """() => {
    const annotations = readingroom.annotations;
    const add = annotations.add.bind(annotations);
    annotations.add = (...args) => {
        window.__sent = performance.timeOrigin + performance.now();
        return add(...args);
    };
}"""
STAMP_SEEN = """() => {
    window.__seen = null;
    readingroom.annotations.onChange(() => {
        const all = readingroom.annotations.all();
        const found = all.some(a => a.type === "highlight" && a.page === 1);
        if (found && !window.__seen) window.__seen = performance.timeOrigin + performance.now();
    });
}"""


Pair = tuple[str, WebClient, WebClient]


@pytest.fixture(scope="module", params=MODES)
def pair(request: pytest.FixtureRequest, browser: Any, library: Library) -> Iterator[Pair]:
    """Two readers in one room in the same mode, each with the test book open."""
    mode: str = request.param
    library.require_sessions()
    clients = []
    try:
        for user in ("r.lin", "r.okafor"):
            client = WebClient(
                browser,
                library.server.url,
                library.token(user, "reader"),
                room=f"session-{mode}",
                mode=mode,
            ).open()
            clients.append(client)
            client.wait_for("readingroom.session.layers.shared.synced")
            client.open_book_from_shelves(library.book)
        yield mode, clients[0], clients[1]
    finally:
        for client in clients:
            client.close()


def test_a_highlight_reaches_the_other_page_within_a_second(pair: Pair, artifacts: Path) -> None:
    mode, writer, reader = pair
    quote = writer.select_words(1, 0, 2)
    assert quote.startswith("Marginalia of the")
    # Both clocks are this machine's: stamp the moment the writer's client records the
    # highlight, and the moment the reader's client has it (and redraws the page).
    writer.page.evaluate(STAMP_SENT)
    reader.page.evaluate(STAMP_SEEN)
    writer.page.click("#highlight")
    reader.page.wait_for_function("() => window.__seen", polling=20, timeout=30_000)
    latency_ms = reader.state("window.__seen") - writer.state("window.__sent")
    assert 0 <= latency_ms < 1_000, f"the highlight took {latency_ms:.0f} ms"
    reader.tab("notes")
    reader.page.wait_for_selector("#notes-list .note-quote")
    assert reader.page.text_content("#notes-list .note-quote") == "Marginalia of the"
    reader.settle()
    reader.screenshot(artifacts / f"{mode}-highlight-received.png")


def test_a_note_with_markup_shows_as_text(pair: Pair, artifacts: Path) -> None:
    mode, writer, reader = pair
    writer.add_note(HOSTILE)
    reader.tab("notes")
    reader.page.wait_for_selector("#notes-list .note-body", timeout=30_000)
    assert reader.page.text_content("#notes-list .note-body") == HOSTILE
    for client in (writer, reader):
        markup = client.page.locator("#notes-list script, #notes-list img, #notes-list b")
        assert markup.count() == 0
        assert client.state("window.__pwned === undefined")
    reader.screenshot(artifacts / f"{mode}-note-as-text.png")

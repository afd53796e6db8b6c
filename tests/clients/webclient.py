"""The web client in a Chromium page, driven the way a person would: through its buttons,
panels, keys and pointer, with a few reads of its state (window.readingroom) to check what
the person would see."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from PIL import Image, ImageStat

READY_TIMEOUT_MS = 30_000


class WebClient:
    def __init__(
        self,
        browser: Any,
        base_url: str,
        token: str,
        *,
        room: str,
        mode: str,
        extra: dict[str, str] | None = None,
        viewport: tuple[int, int] = (1024, 640),
        touch: bool = False,
    ) -> None:
        self.mode = mode
        self.errors: list[str] = []
        self.context = browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]}, has_touch=touch
        )
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", self._console)
        query = {"room": room, "mode": mode, "token": token, **(extra or {})}
        self.url = f"{base_url}/?{urlencode(query)}"

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.console.append(f"{message.type}: {message.text[:300]}")

    def open(self) -> WebClient:
        self.page.goto(self.url)
        try:
            self.page.wait_for_selector(
                "body[data-ready='room']", state="attached", timeout=READY_TIMEOUT_MS
            )
        except Exception as error:
            notices = self.page.inner_text("#notices")
            raise AssertionError(
                f"the room did not open: {self.errors} {self.console[-8:]} {notices!r}"
            ) from error
        return self

    def close(self) -> None:
        self.context.close()

    # --- what is on screen ---------------------------------------------------------------

    def canvas_image(self) -> Image.Image:
        png = self.page.locator("#scene").screenshot()
        return Image.open(io.BytesIO(png)).convert("RGB")

    def canvas_drawn(self) -> bool:
        """A drawn room has many colours and contrast; a blank canvas has one colour."""
        image = self.canvas_image().resize((160, 100))
        colours = image.getcolors(maxcolors=160 * 100) or []
        spread = max(ImageStat.Stat(image).stddev)
        return len(colours) > 50 and spread > 8

    def screenshot(self, path: Path) -> None:
        self.page.screenshot(path=str(path))

    def state(self, expression: str) -> Any:
        return self.page.evaluate(f"() => {expression}")

    def wait_for(self, expression: str, timeout_ms: int = READY_TIMEOUT_MS) -> None:
        self.page.wait_for_function(f"() => {expression}", timeout=timeout_ms)

    def indicator(self) -> str:
        return str(self.page.inner_text("#page-indicator"))

    def shown_pages(self) -> dict[str, Any]:
        return dict(
            self.state(
                "(() => { const b = readingroom.reader.book; return b ? "
                "{left: b.faces.left.page, right: b.faces.right.page, "
                "rightImage: b.faces.right.imageSize, leftImage: b.faces.left.imageSize} : {}; })()"
            )
        )

    # --- doing things ---------------------------------------------------------------------

    def tab(self, name: str) -> None:
        self.page.click(f"#tab-{name}")

    def open_book_from_shelves(self, book: str) -> None:
        self.tab("shelves")
        self.page.click(f"#shelf-list button[data-book='{book}']")
        self.wait_for_page_image()

    def wait_for_page_image(self) -> None:
        self.page.wait_for_selector("#reading-controls:not([hidden])", timeout=READY_TIMEOUT_MS)
        self.wait_for(
            "readingroom.reader.book && readingroom.reader.book.visiblePages.every("
            "p => readingroom.reader.book.images.best(p))",
            READY_TIMEOUT_MS,
        )

    def settle(self) -> None:
        """Wait for the page turn (and any camera move) to finish."""
        self.wait_for("!readingroom.reader.book || !readingroom.reader.book.turning")
        self.page.wait_for_timeout(600)

    def select_words(self, page: int, first: int, last: int) -> str:
        """Select words in the Text panel as a person would drag over them."""
        self.tab("text")
        section = f".text-layer[data-page='{page}']"
        self.page.wait_for_selector(f"{section} .w", timeout=30_000)
        quote = self.page.evaluate(
            """([section, first, last]) => {
                const words = document.querySelectorAll(`${section} .w`);
                const range = document.createRange();
                range.setStart(words[first].firstChild, 0);
                range.setEnd(words[last].firstChild, words[last].textContent.length);
                const selection = document.getSelection();
                selection.removeAllRanges();
                selection.addRange(range);
                return selection.toString();
            }""",
            [section, first, last],
        )
        self.page.wait_for_selector("#highlight:not([disabled])", timeout=30_000)
        return str(quote)

    def add_note(self, text: str) -> None:
        self.tab("notes")
        self.page.fill("#note-input", text)
        self.page.click("#add-note")

    def screen_point(self, page: int, x: float, y: float) -> tuple[float, float]:
        point = self.state(f"readingroom.mode.screenPointOf({page}, {x}, {y})")
        return float(point["x"]), float(point["y"])


def wait_until(check: Any, timeout: float = 10.0) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if check():
            return time.monotonic() - start
        time.sleep(0.02)
    raise TimeoutError("condition not met")

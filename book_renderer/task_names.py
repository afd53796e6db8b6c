"""The tasks render workers run, named `module:function`. The serving process refers to them
by name only, so it never imports PyMuPDF (workers import it; the forkserver preloads it)."""

PROBE_DOCUMENT = "book_renderer.tasks:probe_document"
RENDER_PAGE = "book_renderer.tasks:render_page"
BUILD_MODEL = "book_renderer.tasks:build_model"

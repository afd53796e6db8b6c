"""How Debian's Chromium runs headless here (no GPU, no display, no network of its own):
the flags the browser tests and the web-client benchmark both launch it with."""

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
]

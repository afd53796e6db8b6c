"""The FastAPI app of readingroom: settings, lifespan wiring, routers, auth, the one error
shape, websocket adapters, the `readingroom` CLI and the web client mounted at `/`.

Everything else is wired together here; no other package imports this one.
"""

__version__ = "0.1.0"

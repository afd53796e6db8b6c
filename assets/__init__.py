"""The content-addressed store for everything readingroom builds, and the framework-free
rules of its HTTP delivery (ETag = hash, immutable caching, Range)."""

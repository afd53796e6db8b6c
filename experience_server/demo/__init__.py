"""The demo library: real PDF books, a MARC21 catalog and a loan log, built once and cached.

`readingroom demo` builds it so a fresh checkout has something worth reading, shelving and
recommending; the tests build it too, so every part is exercised against realistic data.
"""

from experience_server.demo.library import build_demo_library, load_demo_library
from experience_server.demo.model import DemoBook, DemoChapter, DemoItem, DemoLibrary, DemoRecord

__all__ = [
    "DemoBook",
    "DemoChapter",
    "DemoItem",
    "DemoLibrary",
    "DemoRecord",
    "build_demo_library",
    "load_demo_library",
]

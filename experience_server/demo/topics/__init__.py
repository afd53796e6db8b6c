"""Topic vocabularies: what the generated prose of each demo book talks about.

A topic pairs a voice (a language and genre, whose sentence templates live in
`experience_server.demo.texts`) with the words that fill the templates, its chapter titles,
figure captions and, for literature, a genuine public-domain opening line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """A figure a topic knows how to draw: `kind` picks the drawing, `caption` is shown."""

    kind: str  # "timeline", "network", "bar", "line", "tree", "flow", "vectors"
    caption: str
    labels: tuple[str, ...] = ()
    years: tuple[int, ...] = ()


@dataclass(frozen=True)
class Topic:
    """Everything needed to write chapters about one subject in one voice."""

    key: str
    voice: str
    slots: Mapping[str, tuple[str, ...]]
    chapters: tuple[str, ...]
    figures: tuple[Figure, ...]
    openings: tuple[str, ...] = ()
    worked: str | None = None  # key of a worked-example generator in `worked.py`


def all_topics() -> dict[str, Topic]:
    """Every topic by key; built on demand so importing the package does no work."""
    from experience_server.demo.topics import continental, east_asia, literature, science

    topics: dict[str, Topic] = {}
    for module in (literature, continental, science, east_asia):
        for topic in module.topics():
            if topic.key in topics:
                raise ValueError(f"duplicate demo topic {topic.key!r}")
            topics[topic.key] = topic
    return topics

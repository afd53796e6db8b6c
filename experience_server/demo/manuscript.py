"""A book's manuscript: its front matter and chapters of generated text, with the figures
each chapter carries, ready for the PDF writer. Everything derives from the book's key, so
the same spec always yields the same words."""

from __future__ import annotations

import random
from dataclasses import dataclass

from experience_server.demo.books import BookSpec
from experience_server.demo.texts import ChapterText, chapter_text, voice
from experience_server.demo.topics import Figure, Topic

# Paragraphs that fill a 6 x 9 in page, by voice (measured); other sizes scale by area.
_PARAGRAPHS_PER_PAGE = {
    "en-lit": 3.5,
    "en-sci": 3.9,
    "de-lit": 4.4,
    "fr-lit": 5.0,
    "zh-lit": 5.3,
    "zh-sci": 4.3,
    "ja-lit": 3.4,
    "ja-sci": 3.4,
}
_TRADE_TEXT_AREA = (432 - 108) * (648 - 114)
SEED = "readingroom-demo-1"


@dataclass(frozen=True)
class PlacedFigure:
    figure: Figure
    caption: str  # with its number, e.g. "Figure 3.1. ..."


@dataclass(frozen=True)
class Chapter:
    text: ChapterText
    lang: str
    label: str  # as the outline and the table of contents show it
    figures: list[PlacedFigure]


@dataclass(frozen=True)
class Manuscript:
    key: str
    title: str
    subtitle: str | None
    authors: list[str]  # as printed: "Clara Hartmann", "王立新"
    lang: str
    publisher: str
    place: str
    year: int
    edition: str | None
    isbn: str
    subjects: list[str]
    page_size: tuple[float, float]
    chapters: list[Chapter]

    @property
    def full_title(self) -> str:
        return f"{self.title}: {self.subtitle}" if self.subtitle else self.title


def compose(spec: BookSpec, isbn: str, topics: dict[str, Topic]) -> Manuscript:
    """Write the whole book from its spec; deterministic in `SEED` and `spec.key`."""
    rng = random.Random(f"{SEED}:{spec.key}")
    book_topics = [topics[k] for k in spec.topics]
    lang = voice(book_topics[0].voice).lang
    body_pages = max(spec.pages - 2, spec.chapters)
    width, height = spec.page_size
    area = (width - 108) * (height - 114) / _TRADE_TEXT_AREA
    chapters: list[Chapter] = []
    titles = _chapter_titles(book_topics, spec.chapters)
    figure_counter = 0
    for i, title in enumerate(titles):
        topic = book_topics[i % len(book_topics)]
        chapter_lang = voice(topic.voice).lang
        per_page = _PARAGRAPHS_PER_PAGE[topic.voice] * area
        figure_count = 0 if i % 3 == 2 else (2 if spec.pages > 100 and i % 2 == 0 else 1)
        pages = body_pages / spec.chapters - 0.3 * figure_count
        paragraphs = max(3, round(pages * per_page * rng.uniform(0.85, 1.15)))
        epigraph = topic.openings[0] if i == 0 and topic.openings else None
        if i == 1 and len(topic.openings) > 1:
            epigraph = topic.openings[1]
        text = chapter_text(rng, topic, i + 1, title, paragraphs, epigraph=epigraph)
        placed = []
        for j in range(figure_count):
            figure = topic.figures[figure_counter % len(topic.figures)]
            figure_counter += 1
            placed.append(
                PlacedFigure(figure, _caption(chapter_lang, i + 1, j + 1, figure.caption))
            )
        chapters.append(Chapter(text, chapter_lang, _chapter_label(lang, i + 1, title), placed))
    return Manuscript(
        key=spec.key,
        title=spec.title,
        subtitle=spec.subtitle,
        authors=[display_name(a) for a in spec.authors],
        lang=lang,
        publisher=spec.publisher.name,
        place=spec.publisher.place,
        year=spec.year,
        edition=spec.edition,
        isbn=isbn,
        subjects=list(spec.subjects),
        page_size=spec.page_size,
        chapters=chapters,
    )


def display_name(heading: str) -> str:
    """ "Hartmann, Clara" -> "Clara Hartmann"; names without a comma stay as they are."""
    surname, _, forenames = heading.partition(", ")
    return f"{forenames} {surname}" if forenames else surname


def _chapter_titles(topics: list[Topic], count: int) -> list[str]:
    iterators = [iter(t.chapters) for t in topics]
    titles: list[str] = []
    while len(titles) < count:
        titles.append(next(iterators[len(titles) % len(iterators)]))
    return titles


_CHINESE_DIGITS = "零一二三四五六七八九十"


def chinese_number(n: int) -> str:
    if n <= 10:
        return _CHINESE_DIGITS[n]
    tens, ones = divmod(n, 10)
    prefix = "" if tens == 1 else _CHINESE_DIGITS[tens]
    return prefix + "十" + (_CHINESE_DIGITS[ones] if ones else "")


def _chapter_label(lang: str, number: int, title: str) -> str:
    if lang == "zh":
        return f"第{chinese_number(number)}章 {title}"
    if lang == "ja":
        return f"第{number}章 {title}"
    return f"{number}. {title}"


def chapter_heading(lang: str, number: int) -> str:
    return {
        "en": f"Chapter {number}",
        "de": f"Kapitel {number}",
        "fr": f"Chapitre {number}",
        "zh": f"第{chinese_number(number)}章",
        "ja": f"第{number}章",
    }[lang]


def _caption(lang: str, chapter: int, number: int, text: str) -> str:
    if lang == "zh":
        return f"图{chapter}-{number}　{text}"
    if lang == "ja":
        return f"図{chapter}-{number}　{text}"
    word = {"en": "Figure", "de": "Abbildung", "fr": "Figure"}[lang]
    return f"{word} {chapter}.{number}. {text}"

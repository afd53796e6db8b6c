"""The text layer: boxes in page units, CJK runs split per character, and the way from a
stretch of page text back to boxes."""

from __future__ import annotations

from book_renderer.text import Word, assemble, boxes_for, fold, normalise_words, split_wide


def test_words_are_normalised_to_page_units() -> None:
    raw = [(42.0, 59.5, 126.0, 119.0, "Hello", 0, 0, 0), (-5.0, 0.0, 500.0, 900.0, "edge", 0, 1, 0)]
    words = normalise_words(raw, 0.0, 0.0, 420.0, 595.0)
    assert words[0] == Word("Hello", 0.1, 0.1, 0.3, 0.2, 0)
    assert words[1][1:5] == (0.0, 0.0, 1.0, 1.0)  # clipped to the page
    assert words[1].line == 1


def test_chinese_runs_become_one_word_per_character() -> None:
    pieces = split_wide(Word("Python编程。", 0.0, 0.0, 1.0, 0.1, 0))
    assert [p.text for p in pieces] == ["Python", "编", "程", "。"]
    assert pieces[0].x1 == 0.5  # six narrow units of twelve
    assert pieces[1].x0 == 0.5
    assert pieces[-1].x1 == 1.0


def test_vertical_runs_are_split_top_to_bottom() -> None:
    pieces = split_wide(Word("縦書き", 0.5, 0.1, 0.53, 0.4, 0))
    assert [round(p.y0, 2) for p in pieces] == [0.1, 0.2, 0.3]
    assert all(p.x0 == 0.5 for p in pieces)


def test_assembled_text_joins_cjk_without_spaces_even_across_lines() -> None:
    words = [
        *split_wide(Word("图书", 0.1, 0.1, 0.3, 0.12, 0)),
        *split_wide(Word("馆里", 0.1, 0.14, 0.3, 0.16, 1)),
        Word("Hello", 0.1, 0.2, 0.2, 0.22, 2),
        Word("world", 0.25, 0.2, 0.35, 0.22, 2),
    ]
    text, spans = assemble(words)
    assert text == "图书馆里\nHello world"
    start = text.index("书馆")
    boxes = boxes_for(words, spans, start, start + 2)
    assert len(boxes) == 2
    assert boxes[0][1] == 0.1
    assert boxes[1][1] == 0.14


def test_partial_words_get_their_share_of_the_box() -> None:
    words = [Word("bookshelf", 0.0, 0.0, 0.9, 0.1, 0)]
    text, spans = assemble(words)
    (box,) = boxes_for(words, spans, text.index("shelf"), len(text))
    assert box == (0.4, 0.0, 0.9, 0.1)


def test_fold_keeps_offsets() -> None:
    text = "İstanbul STRASSE Straße"
    assert len(fold(text)) == len(text)
    assert fold("READING Room") == "reading room"

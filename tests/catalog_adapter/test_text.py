"""Tokenisation that Chinese and Japanese readers depend on."""

from __future__ import annotations

from catalog_adapter.text import normalise, short_index_text, terms


def test_cjk_runs_become_bigrams_and_latin_words_stay_words() -> None:
    assert terms("红楼梦 and the Story") == ["红楼", "楼梦", "story"]
    assert terms("東京の歴史") == ["東京", "京の", "の歴", "歴史"]


def test_the_word_index_holds_characters_and_bigrams() -> None:
    assert short_index_text("红楼梦") == "红 楼 梦 红楼 楼梦"
    assert short_index_text("Dupré, Jean") == "dupré jean"


def test_full_width_and_half_width_forms_are_normalised() -> None:
    assert normalise("ＣＨＩＮＡ") == "china"
    assert normalise("ﾉﾙｳｪｲ") == "ノルウェイ"

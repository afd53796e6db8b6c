"""Text normalisation and tokenisation shared by search and recommendations.

Chinese and Japanese are written without spaces, so a whitespace tokenizer finds one
"word" per sentence. We normalise with NFKC (full-width Latin to ASCII, half-width kana to
full-width) and cut runs of CJK characters into overlapping character bigrams, the usual
index unit for CJK text retrieval.
"""

from __future__ import annotations

import re
import unicodedata

# Han (with extensions A and compatibility), kana, Hangul syllables, bopomofo.
_CJK_CLASS = (
    "\u3040-\u30ff\u31f0-\u31ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ebef"
)
_CJK_RUN = re.compile(f"[{_CJK_CLASS}]+")
_TOKEN = re.compile(f"[{_CJK_CLASS}]+|[^\\W_]+", re.UNICODE)
_CJK_CHAR = re.compile(f"[{_CJK_CLASS}]")

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "he",
        "her",
        "his",
        "i",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "she",
        "that",
        "the",
        "their",
        "they",
        "this",
        "to",
        "was",
        "were",
        "which",
        "with",
        "you",
        "we",
        "not",
        "but",
    ]
)


def normalise(text: str) -> str:
    """NFKC and case-folded: what we index and what we match queries with."""
    return unicodedata.normalize("NFKC", text).casefold()


def is_cjk(text: str) -> bool:
    return bool(_CJK_CHAR.search(text))


def cjk_bigrams(run: str) -> list[str]:
    """Overlapping bigrams of a CJK run; a single character stays a unigram."""
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def short_index_text(text: str) -> str:
    """Space-separated tokens for the short-query index: every CJK character and bigram,
    and every other word, so that one- and two-character queries find their records."""
    out: list[str] = []
    for token in _TOKEN.findall(normalise(text)):
        if _CJK_RUN.fullmatch(token):
            out.extend(token)
            if len(token) > 1:
                out.extend(cjk_bigrams(token))
        else:
            out.append(token)
    return " ".join(out)


def terms(text: str) -> list[str]:
    """Index terms for relevance ranking: words (no stopwords, no single letters) and CJK
    bigrams, in text order."""
    out: list[str] = []
    for token in _TOKEN.findall(normalise(text)):
        if _CJK_RUN.fullmatch(token):
            out.extend(cjk_bigrams(token))
        elif len(token) > 1 and token not in STOPWORDS and not token.isdigit():
            out.append(token)
    return out


def query_terms(query: str) -> list[str]:
    """The parts of a user query, split on whitespace after normalisation."""
    return [part for part in normalise(query).split() if part]

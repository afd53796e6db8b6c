"""HTTP delivery rules for content-addressed assets, decided without a web framework."""

from __future__ import annotations

import pytest

from assets.delivery import IMMUTABLE, parse_range, plan

DIGEST = "ab" * 32


def test_a_plain_get_is_the_whole_asset_cached_forever() -> None:
    answer = plan(digest=DIGEST, size=1000, media_type="image/jpeg")
    assert (answer.status, answer.start, answer.end) == (200, 0, 999)
    assert answer.headers["ETag"] == f'"{DIGEST}"'
    assert answer.headers["Cache-Control"] == IMMUTABLE == "public, max-age=31536000, immutable"
    assert answer.headers["Content-Length"] == "1000"


@pytest.mark.parametrize("header", [f'"{DIGEST}"', f'W/"{DIGEST}"', f'"other", "{DIGEST}"', "*"])
def test_if_none_match_answers_304_without_a_body(header: str) -> None:
    answer = plan(digest=DIGEST, size=1000, media_type="image/jpeg", if_none_match=header)
    assert answer.status == 304
    assert answer.length == 0
    assert answer.headers["ETag"] == f'"{DIGEST}"'
    assert "Content-Type" not in answer.headers


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=900-", 900, 999),
        ("bytes=-100", 900, 999),
        ("bytes=990-5000", 990, 999),
    ],
)
def test_single_ranges_answer_206(header: str, first: int, last: int) -> None:
    answer = plan(digest=DIGEST, size=1000, media_type="image/jpeg", range_header=header)
    assert (answer.status, answer.start, answer.end) == (206, first, last)
    assert answer.headers["Content-Range"] == f"bytes {first}-{last}/1000"
    assert answer.headers["Content-Length"] == str(last - first + 1)


def test_unsatisfiable_ranges_answer_416() -> None:
    answer = plan(digest=DIGEST, size=1000, media_type="image/jpeg", range_header="bytes=1000-")
    assert answer.status == 416
    assert answer.headers["Content-Range"] == "bytes */1000"


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "items=0-5", "bytes=9-3", "bytes=-"])
def test_other_range_forms_get_the_whole_asset(header: str) -> None:
    assert plan(digest=DIGEST, size=10, media_type="x/y", range_header=header).status == 200


def test_if_range_with_another_tag_gets_the_whole_asset() -> None:
    answer = plan(
        digest=DIGEST, size=10, media_type="x/y", range_header="bytes=0-1", if_range='"stale"'
    )
    assert answer.status == 200


def test_head_sends_headers_only() -> None:
    answer = plan(digest=DIGEST, size=10, media_type="x/y", method="HEAD")
    assert answer.status == 200
    assert answer.length == 0
    assert answer.headers["Content-Length"] == "10"


def test_parse_range_rejects_empty_suffix() -> None:
    with pytest.raises(ValueError, match="suffix"):
        parse_range("bytes=-0", 10)

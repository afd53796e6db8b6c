"""The content-addressed store."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from assets.store import AssetNotFound, AssetStore


def test_same_bytes_same_asset(tmp_path: Path) -> None:
    store = AssetStore(tmp_path)
    store.open()
    first = store.put_bytes(b"page one")
    again = store.put_bytes(b"page one")
    assert first == again
    assert first.digest == hashlib.sha256(b"page one").hexdigest()
    assert first.path.read_bytes() == b"page one"
    assert store.count() == 1


def test_streamed_file_matches_its_hash(tmp_path: Path) -> None:
    store = AssetStore(tmp_path)
    store.open()
    data = bytes(range(256)) * 10_000
    ref = store.put_file(io.BytesIO(data))
    assert ref.size == len(data)
    assert store.get(ref.digest).path.read_bytes() == data
    assert not any((tmp_path / "tmp").iterdir()), "no temporary file is left behind"


@pytest.mark.parametrize("digest", ["../../etc/passwd", "ab", "Z" * 64, "0" * 63])
def test_names_that_are_not_hashes_are_not_found(tmp_path: Path, digest: str) -> None:
    store = AssetStore(tmp_path)
    store.open()
    with pytest.raises(AssetNotFound):
        store.get(digest)
    assert not store.exists(digest)

"""Content-addressed storage: an asset's name is the SHA-256 of its bytes, so a URL that
names a hash can be cached forever and two builds of the same thing share one file."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_CHUNK = 1 << 20


class AssetNotFound(LookupError):
    """No asset with that hash is stored."""


@dataclass(frozen=True, slots=True)
class AssetRef:
    digest: str
    size: int
    path: Path


def _make_durable(handle: BinaryIO) -> None:
    """Readable by every process sharing the store. Not fsynced one by one (8 ms a file
    here): writers that record assets elsewhere call `AssetStore.sync()` once per batch
    before they do, so a name cached forever never points at a torn file."""
    handle.flush()
    os.fchmod(handle.fileno(), 0o644)


def _valid_digest(digest: str) -> bool:
    return len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)


class AssetStore:
    """Files under `root/ab/cdef...`; writes are atomic (temp file + rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def open(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "tmp").mkdir(exist_ok=True)

    def path_for(self, digest: str) -> Path:
        if not _valid_digest(digest):
            raise AssetNotFound(digest)
        return self.root / digest[:2] / digest[2:]

    def put_bytes(self, data: bytes) -> AssetRef:
        digest = hashlib.sha256(data).hexdigest()
        path = self.path_for(digest)
        if not path.exists():
            self._write_atomically(path, data)
        return AssetRef(digest, len(data), path)

    def put_file(self, source: BinaryIO) -> AssetRef:
        """Stream a file in, hashing as it goes."""
        hasher = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.root / "tmp")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as handle:
                while chunk := source.read(_CHUNK):
                    hasher.update(chunk)
                    size += len(chunk)
                    handle.write(chunk)
                _make_durable(handle)
            digest = hasher.hexdigest()
            path = self.path_for(digest)
            path.parent.mkdir(exist_ok=True)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return AssetRef(digest, size, path)

    @property
    def staging(self) -> Path:
        """Where files being received are written before they have a name (same filesystem,
        so `adopt` is an atomic rename)."""
        return self.root / "tmp"

    def adopt(self, staged: Path, digest: str) -> AssetRef:
        """Move a file under `staging`, already hashed while it was written, into place."""
        path = self.path_for(digest)
        path.parent.mkdir(exist_ok=True)
        os.replace(staged, path)
        return AssetRef(digest, path.stat().st_size, path)

    def delete(self, digest: str) -> bool:
        """Remove an asset nothing refers to any more; False when it was not there."""
        try:
            self.path_for(digest).unlink()
        except (FileNotFoundError, AssetNotFound):
            return False
        return True

    def get(self, digest: str) -> AssetRef:
        path = self.path_for(digest)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise AssetNotFound(digest) from None
        return AssetRef(digest, size, path)

    def exists(self, digest: str) -> bool:
        try:
            return self.path_for(digest).is_file()
        except AssetNotFound:
            return False

    def sync(self) -> None:
        """Flush everything written so far to disk (one call for a whole batch)."""
        os.sync()

    def count(self) -> int:
        return sum(
            1 for shard in self.root.iterdir() if len(shard.name) == 2 for _ in shard.iterdir()
        )

    def check_writable(self) -> None:
        """Raise OSError unless a file can be written and removed in the store."""
        fd, name = tempfile.mkstemp(dir=self.root / "tmp")
        os.close(fd)
        os.unlink(name)

    def _write_atomically(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=self.root / "tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                _make_durable(handle)
            os.replace(tmp_name, path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise

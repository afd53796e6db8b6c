"""What one Yjs document holds that another lacks, and applying or merging updates that
may be broken.

Both a process merging what Redis holds (`sync.document`) and one handing Redis what a
stopped process left (`sync.handover`) ask the same question, so it is answered here once;
a process folding a room nobody follows (`sync.redis_store`) merges with the same care.
"""

from __future__ import annotations

from typing import Any

from pycrdt import Doc, merge_updates

# An update that holds nothing: what a client with nothing new answers to sync step 1.
EMPTY_UPDATE = b"\x00\x00"


def apply_guarded(doc: Doc[Any], update: bytes) -> bool:
    """Apply an update read from storage or another process; False when it is unreadable.

    A stored or relayed update may be damaged, and the Rust core can panic on one: the
    caller skips it (and says so) instead of losing the whole document.
    """
    try:
        doc.apply_update(update)
        return True
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # pyo3 panics derive from BaseException
        return False


def merge_guarded(updates: list[bytes]) -> tuple[bytes, int]:
    """All `updates` merged into one, and how many were left out as unreadable.

    Merged as updates, not through a document: a document drops what still waits for an
    update it has not seen (pending structs), and a merge keeps it.
    """
    merged = _merge(updates)
    if merged is not None:
        return merged, 0
    readable = [update for update in updates if _merge([update]) is not None]
    return _merge(readable) or EMPTY_UPDATE, len(updates) - len(readable)


def _merge(updates: list[bytes]) -> bytes | None:
    try:
        return merge_updates(*updates, EMPTY_UPDATE)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # a ValueError, or a pyo3 panic (a BaseException)
        return None


def delete_set(doc: Doc[Any]) -> bytes:
    """The document's delete set alone, encoded (an update relative to its own state)."""
    return doc.get_update(doc.get_state())


def lacking(mine: Doc[Any], theirs: Doc[Any]) -> bytes | None:
    """What `mine` holds that `theirs` lacks, as one update; None when it lacks nothing.

    A diff against a state vector alone is never empty once there are deletions: a Yjs
    update always carries the whole delete set. So nothing is missing when the diff holds
    no items beyond that delete set and both sides deleted the same.
    """
    missing = mine.get_update(theirs.get_state())
    deleted = delete_set(mine)
    if missing == deleted and deleted == delete_set(theirs):
        return None
    return missing

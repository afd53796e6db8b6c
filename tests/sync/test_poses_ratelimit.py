"""The per-client frame rate limit, on a clock the test controls."""

from __future__ import annotations

from sync.poses.ratelimit import RateLimit


def frames_taken(limit: RateLimit, times: list[float]) -> int:
    for count, now in enumerate(times):
        if not limit.take(now):
            return count
    return len(times)


def test_a_72_hz_headset_is_never_cut_off() -> None:
    times = [i / 72 for i in range(72 * 60)]
    assert frames_taken(RateLimit(120, 0.0), times) == len(times)


def test_a_backlog_after_a_stall_is_absorbed() -> None:
    # 1.5 s of a 72 Hz client's frames read at once (a network or server stall), then steady.
    times = [1.5] * 108 + [1.5 + i / 72 for i in range(1, 72 * 10)]
    assert frames_taken(RateLimit(120, 0.0), times) == len(times)


def test_a_client_sending_twice_the_rate_is_stopped() -> None:
    times = [i / 240 for i in range(240 * 10)]
    taken = frames_taken(RateLimit(120, 0.0), times)
    # The 240-frame burst drains at 240 - 120 frames a second: stopped after two seconds.
    assert 470 <= taken <= 490

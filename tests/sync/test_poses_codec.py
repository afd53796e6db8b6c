"""The pose codec: what a client encodes comes back within the quantisation bounds the
protocol promises, and no byte string makes a decoder raise anything but PoseFrameError."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.typing import NDArray

from sync.poses import PoseFrameError
from sync.poses import quantize as qz
from sync.poses.check import FrameChecker
from sync.poses.codec import (
    FRAME_DTYPE,
    FRAME_SIZE,
    IDENTITY_WORD,
    RECORD_SIZE,
    VERSION,
    MessageType,
    Poses,
    decode_pose_frame,
    decode_snapshot,
    encode_pose_frame,
    encode_records,
    encode_snapshot_header,
    message_type,
)
from sync.poses.control import (
    Roster,
    RosterEntry,
    Welcome,
    decode_roster,
    decode_welcome,
    encode_roster,
    encode_welcome,
)
from sync.poses.errors import CloseCode

HEAD_ERROR_M = 0.0005 + 1e-9
HAND_ERROR_M = 0.002 + 1e-9
ROTATION_ERROR_DEG = 0.3

coordinate = st.floats(-32.0, 32.0, allow_nan=False)
offset = st.floats(-2.0, 2.0, allow_nan=False)
component = st.floats(-1.0, 1.0, allow_nan=False)
quaternion = st.tuples(component, component, component, component).filter(
    lambda q: sum(c * c for c in q) > 0.01
)


@st.composite
def poses(draw: st.DrawFn, n: int | None = None) -> Poses:
    count = draw(st.integers(1, 8)) if n is None else n

    def rows(strategy: st.SearchStrategy[tuple[float, ...]]) -> NDArray[np.float64]:
        values = draw(st.lists(strategy, min_size=count, max_size=count))
        return np.array(values, dtype=np.float64).reshape(count, -1)

    head = rows(st.tuples(coordinate, coordinate, coordinate))
    # Hands are offsets from the head as it will be quantised, within the +-2.044 m range.
    head_q = qz.head_metres(qz.quantize_head(head))
    return Poses(
        head_position=head,
        head_rotation=rows(quaternion),
        left_position=head_q + rows(st.tuples(offset, offset, offset)),
        left_rotation=rows(quaternion),
        right_position=head_q + rows(st.tuples(offset, offset, offset)),
        right_rotation=rows(quaternion),
        left_tracked=np.array(draw(st.lists(st.booleans(), min_size=count, max_size=count))),
        right_tracked=np.array(draw(st.lists(st.booleans(), min_size=count, max_size=count))),
        floor=np.array(draw(st.lists(st.integers(0, 63), min_size=count, max_size=count))),
    )


def rotation_error_deg(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    a = a / np.linalg.norm(a, axis=1)[:, None]
    dot = np.clip(np.abs(np.sum(a * b, axis=1)), 0.0, 1.0)
    degrees: NDArray[np.float64] = np.degrees(2.0 * np.arccos(dot))
    return degrees


def assert_close(sent: Poses, got: Poses) -> None:
    assert np.max(np.abs(got.head_position - sent.head_position)) <= HEAD_ERROR_M
    assert np.all(rotation_error_deg(sent.head_rotation, got.head_rotation) <= ROTATION_ERROR_DEG)
    assert np.array_equal(got.floor, sent.floor)
    for side in ("left", "right"):
        tracked = getattr(sent, f"{side}_tracked")
        assert np.array_equal(getattr(got, f"{side}_tracked"), tracked)
        position_error = np.abs(
            getattr(got, f"{side}_position") - getattr(sent, f"{side}_position")
        )
        assert np.all(position_error[tracked] <= HAND_ERROR_M)
        rotation_error = rotation_error_deg(
            getattr(sent, f"{side}_rotation"), getattr(got, f"{side}_rotation")
        )
        assert np.all(rotation_error[tracked] <= ROTATION_ERROR_DEG)


@given(poses(n=1), st.integers(0, 0xFFFF))
def test_pose_frame_round_trip_within_quantisation(pose: Poses, seq: int) -> None:
    frame = encode_pose_frame(seq, pose)
    assert len(frame) == FRAME_SIZE
    FrameChecker().check(frame)
    got_seq, got = decode_pose_frame(frame)
    assert got_seq == seq
    assert_close(pose, got)


@given(poses(), st.integers(0, 0xFFFF))
def test_snapshot_round_trip_within_quantisation(batch: Poses, tick: int) -> None:
    slots = np.arange(len(batch)) * 3
    seq = np.arange(len(batch)) + 60_000
    data = encode_snapshot_header(tick) + encode_records(slots, seq, batch).tobytes()
    assert len(data) == 4 + RECORD_SIZE * len(batch)
    snapshot = decode_snapshot(data)
    assert snapshot.tick == tick
    assert snapshot.slots.tolist() == slots.tolist()
    assert snapshot.seq.tolist() == (seq & 0xFFFF).tolist()
    assert_close(batch, snapshot.poses)


def test_out_of_range_positions_are_clamped_not_wrapped() -> None:
    pose = Poses.create([[40.0, -50.0, 1.0]], left_position=[43.0, -50.0, 1.0])
    _, got = decode_pose_frame(encode_pose_frame(1, pose))
    assert got.head_position[0].tolist() == pytest.approx([32.767, -32.767, 1.0])
    assert got.left_position[0, 0] == pytest.approx(32.767 + 2.044)


@given(st.binary(max_size=64))
def test_random_bytes_raise_only_our_error(data: bytes) -> None:
    for decode in (
        decode_pose_frame,
        decode_snapshot,
        decode_roster,
        decode_welcome,
        message_type,
        FrameChecker().check,
    ):
        error: PoseFrameError | None = None
        try:
            decode(data)
        except PoseFrameError as exc:
            error = exc
        assert error is None or (error.reason and error.code in CloseCode)


@given(st.binary(min_size=FRAME_SIZE - 2, max_size=FRAME_SIZE - 2))
def test_hot_path_check_agrees_with_the_decoder(body: bytes) -> None:
    frame = bytes([VERSION, MessageType.pose]) + body
    try:
        decode_pose_frame(frame)
    except PoseFrameError:
        with pytest.raises(PoseFrameError):
            FrameChecker().check(frame)
    else:
        FrameChecker().check(frame)


@given(st.binary(max_size=300))
def test_random_snapshot_bodies_raise_only_our_error(body: bytes) -> None:
    with contextlib.suppress(PoseFrameError):
        decode_snapshot(encode_snapshot_header(7) + body)


@pytest.mark.parametrize(
    ("frame", "code", "reason"),
    [
        (b"", CloseCode.bad_frame, "must be 31 bytes"),
        (bytes([2, 1]) + bytes(29), CloseCode.upgrade_required, "version 2"),
        (bytes([1, 9]) + bytes(29), CloseCode.bad_frame, "message type 9"),
        (bytes([1, 1]) + bytes(30), CloseCode.bad_frame, "got 32"),
        # Every rotation field 0: three components of -0.707, not a rotation.
        (bytes([1, 1]) + bytes(29), CloseCode.bad_frame, "out of range"),
    ],
)
def test_bad_frames_name_what_is_wrong(frame: bytes, code: CloseCode, reason: str) -> None:
    with pytest.raises(PoseFrameError) as caught:
        FrameChecker().check(frame)
    assert caught.value.code == code
    assert reason in caught.value.reason


def test_reserved_hand_bits_are_refused() -> None:
    frame = bytearray(encode_pose_frame(1, Poses.create([[0, 1.6, 0]], left_position=[0, 1, 0])))
    frame[18] |= 0x40  # bit 30 of the left hand's position word (bytes 15-18)
    with pytest.raises(PoseFrameError, match="reserved"):
        FrameChecker().check(bytes(frame))
    with pytest.raises(PoseFrameError, match="reserved"):
        decode_pose_frame(bytes(frame))


@given(
    st.lists(
        st.tuples(st.integers(0, 254), st.text(max_size=20), st.text(max_size=20)), max_size=5
    ),
    st.integers(0, 0xFFFF),
)
def test_roster_round_trip(users: list[tuple[int, str, str]], revision: int) -> None:
    roster = Roster(revision, tuple(RosterEntry(s, u, n, "reader") for s, u, n in users))
    assert decode_roster(encode_roster(roster)) == roster


def test_welcome_round_trip() -> None:
    welcome = Welcome(slot=4, send=False, tick_hz=30.0, far_hz=5.0, near_m=10.0, max_rate_hz=120.0)
    assert decode_welcome(encode_welcome(welcome)) == welcome


def test_the_documented_example_frame_is_what_we_encode() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "protocols.md").read_text()
    block = doc.split("<!-- example-pose-frame -->", 1)[1].split("```")[1]
    documented = bytes.fromhex(block.strip())
    pose = Poses.create(
        [[1.0, 1.6, -2.0]],
        [0.0, 0.3826834, 0.0, 0.9238795],
        left_position=[0.7, 1.2, -1.7],
        floor=1,
    )
    assert documented == encode_pose_frame(258, pose)


def test_an_untracked_hand_sends_the_identity_word_and_no_offset() -> None:
    assert int(qz.pack_quaternions([[0.0, 0.0, 0.0, 1.0]])[0]) == IDENTITY_WORD
    frame = np.frombuffer(encode_pose_frame(1, Poses.create([[0, 1.6, 0]])), FRAME_DTYPE)
    assert int(frame["right_rot"][0]) == IDENTITY_WORD
    assert int(frame["right_pos"][0]) == 0


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_the_encoder_refuses_what_the_wire_cannot_carry(bad: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        encode_pose_frame(1, Poses.create([[bad, 1.6, 0.0]]))
    with pytest.raises(ValueError, match="finite"):
        encode_pose_frame(1, Poses.create([[0.0, 1.6, 0.0]], [bad, 0.0, 0.0, 1.0]))
    with pytest.raises(ValueError, match="finite"):
        encode_pose_frame(1, Poses.create([[0.0, 1.6, 0.0]], left_position=[bad, 1.0, 0.0]))

"""The pose service: rooms by id, one connection's life in a room, and the one ticker that
sends every room's snapshots. Knows no web framework; it talks to a `PoseChannel`. Given a
`PoseBus`, rooms span server processes (`sync.poses.federation`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass

from sync.poses.channel import ChannelClosedError, PoseChannel
from sync.poses.check import FrameChecker
from sync.poses.control import (
    Welcome,
    encode_welcome,
)
from sync.poses.errors import CloseCode, PoseFrameError, RoomFullError
from sync.poses.federation import Federation, PoseBus
from sync.poses.outbox import Outbox
from sync.poses.ratelimit import RateLimit
from sync.poses.room import PoseMember, PoseRoom, RoomLimits

log = logging.getLogger("readingroom.sync.poses")

#: How long a closing handshake may wait on a client that does not read.
CLOSE_TIMEOUT_SECONDS = 2.0
MAX_SLOTS = 255
#: Rooms spanning processes publish this fraction of a period before each tick.
PUBLISH_LEAD = 0.25


@dataclass(frozen=True, slots=True)
class PoseConfig:
    tick_hz: float = 30.0
    near_m: float = 10.0
    far_hz: float = 5.0
    max_rate_hz: float = 120.0
    max_room_users: int = 128
    guests_send: bool = False

    def __post_init__(self) -> None:
        if not 0 < self.far_hz <= self.tick_hz:
            raise ValueError("far_hz must be above 0 and at most tick_hz")
        if not 1 <= self.max_room_users <= MAX_SLOTS:
            raise ValueError(f"max_room_users must be within 1..{MAX_SLOTS}")

    @property
    def far_every(self) -> int:
        """Far users are sent every this many ticks."""
        return max(1, round(self.tick_hz / self.far_hz))


@dataclass
class PoseStats:
    """Running totals, for /api/v1/admin/status and the benchmark."""

    connections: int = 0
    frames: int = 0
    frames_ignored: int = 0
    closed_bad_frame: int = 0
    closed_rate: int = 0
    snapshots: int = 0
    skipped: int = 0
    late_ticks: int = 0


class PoseHub:
    """Owns the rooms and the ticker task; `aclose` stops it (the app's lifespan does)."""

    def __init__(self, config: PoseConfig, bus: PoseBus | None = None) -> None:
        self.config = config
        self.stats = PoseStats()
        self._rooms: dict[str, PoseRoom] = {}
        self._federation = Federation(bus) if bus is not None else None
        self._checker = FrameChecker()
        self._ticker: asyncio.Task[None] | None = None
        self._limits = RoomLimits(config.max_room_users, config.near_m, config.far_every)

    @property
    def rooms(self) -> int:
        return len(self._rooms)

    @property
    def remote_members(self) -> int:
        """Users of other processes shown in this process's rooms."""
        return 0 if self._federation is None else self._federation.remote_members

    def may_send(self, role: str) -> bool:
        """Guests watch; their poses are relayed only when the setting allows it."""
        return role != "guest" or self.config.guests_send

    async def serve(self, room_id: str, member: PoseMember, channel: PoseChannel) -> None:
        """Run one connection until the peer leaves or breaks the protocol."""
        federation = self._federation
        room = self._rooms.get(room_id)
        if room is None:
            room = self._rooms[room_id] = PoseRoom(self._limits)
            if federation is not None:
                federation.open(room_id, room)
        outbox = Outbox()
        may_send = self.may_send(member.role)
        try:
            slot = room.join(member, outbox, lambda slot: self._welcome(slot, may_send))
        except RoomFullError as exc:
            await self._close(channel, CloseCode.try_again_later, str(exc))
            return
        if federation is not None:
            federation.changed(room_id)
        self._start_ticker()
        self.stats.connections += 1
        verdict: tuple[CloseCode, str] | None = None
        try:
            async with asyncio.TaskGroup() as group:
                writer = group.create_task(outbox.run(channel))
                verdict = await self._read(channel, room, slot, may_send)
                writer.cancel()
        except* ChannelClosedError:
            pass
        finally:
            self.stats.connections -= 1
            room.leave(slot)
            if not room.has_local and self._rooms.get(room_id) is room:
                del self._rooms[room_id]
                if federation is not None:
                    federation.close(room_id)
            elif federation is not None:
                federation.changed(room_id)
        if verdict is not None:
            await self._close(channel, *verdict)

    async def _read(
        self, channel: PoseChannel, room: PoseRoom, slot: int, may_send: bool
    ) -> tuple[CloseCode, str] | None:
        loop = asyncio.get_running_loop()
        limit = RateLimit(self.config.max_rate_hz, loop.time())
        check = self._checker.check
        stats = self.stats
        while True:
            data = await channel.receive()
            if data is None:
                return None
            if isinstance(data, str):
                stats.closed_bad_frame += 1
                return CloseCode.unsupported_data, "pose frames are binary"
            if not limit.take(loop.time()):
                stats.closed_rate += 1
                return (
                    CloseCode.too_many_frames,
                    f"more than {self.config.max_rate_hz:g} pose frames a second",
                )
            try:
                check(data)
            except PoseFrameError as exc:
                stats.closed_bad_frame += 1
                return exc.code, exc.reason
            stats.frames += 1
            if may_send:
                room.store(slot, data)
            else:
                stats.frames_ignored += 1

    def _welcome(self, slot: int, may_send: bool) -> bytes:
        c = self.config
        return encode_welcome(
            Welcome(
                slot=slot,
                send=may_send,
                tick_hz=c.tick_hz,
                far_hz=c.tick_hz / c.far_every,
                near_m=c.near_m,
                max_rate_hz=c.max_rate_hz,
            )
        )

    @staticmethod
    async def _close(channel: PoseChannel, code: CloseCode, reason: str) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(CLOSE_TIMEOUT_SECONDS):
                await channel.close(int(code), reason)

    def _start_ticker(self) -> None:
        if self._ticker is None or self._ticker.done():
            self._ticker = asyncio.create_task(self._tick_while_rooms(), name="pose-ticker")

    async def _tick_while_rooms(self) -> None:
        """One tick for every room each period, on absolute deadlines so the rate does not
        drift; when the loop falls more than a period behind, missed ticks are dropped.

        Rooms spanning processes tick at the same moments in every process (multiples of
        the period on the wall clock), and each publishes its users' poses `PUBLISH_LEAD`
        of a period before: a pose from another process then lands just before the tick
        that sends it on, rather than waiting for one more tick on average."""
        loop = asyncio.get_running_loop()
        period = 1.0 / self.config.tick_hz
        federation = self._federation
        deadline = loop.time()
        tick = 0
        stats = self.stats
        while self._rooms:
            if federation is not None:
                deadline -= _wall_phase(deadline - loop.time(), period)
                await asyncio.sleep(max(0.0, deadline - PUBLISH_LEAD * period - loop.time()))
                try:
                    federation.tick(tick)
                except Exception:
                    log.exception("pose relay tick failed; local rooms carry on")
                await asyncio.sleep(max(0.0, deadline - loop.time()))
            for room in list(self._rooms.values()):
                try:
                    offered, skipped = room.tick(tick)
                except Exception:
                    log.exception("pose tick failed; the room keeps its state")
                    continue
                stats.snapshots += offered
                stats.skipped += skipped
            tick += 1
            deadline += period
            now = loop.time()
            if now - deadline > period:
                missed = int((now - deadline) / period)
                stats.late_ticks += missed
                tick += missed
                deadline += missed * period
            if federation is None:
                await asyncio.sleep(max(0.0, deadline - now))

    async def aclose(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        if self._federation is not None:
            await self._federation.aclose()


def _wall_phase(delay: float, period: float) -> float:
    """How far the moment `delay` seconds from now lies past a multiple of `period` on the
    wall clock, within half a period either way (what to subtract to align it)."""
    phase = (time.time() + delay) % period
    return phase - period if phase > period / 2 else phase

"""Everyone else in the room, from the pose channel's snapshots: a head with a visor that
shows where they look, hands when tracked, and their name above. Snapshots come at the
server's tick (30 Hz); avatars glide to each new pose so a 90 Hz display shows no steps."""

from __future__ import annotations

import colorsys
from dataclasses import dataclass, field

import numpy as np
from panda3d.core import LPoint3, LQuaternion, NodePath, TextNode

from clients.xr.meshes import box, triangles_node
from clients.xr.poses import NOBODY, Others

FOLLOW_RATE = 18.0  # 1/s: how fast a shown pose closes in on the latest one
LABEL_ABOVE_M = 0.22


def _color(slot: int) -> tuple[float, float, float, float]:
    r, g, b = colorsys.hsv_to_rgb((slot * 0.61803) % 1.0, 0.55, 0.9)
    return (r, g, b, 1.0)


def _avatar_node(slot: int, name: str) -> NodePath:
    root = NodePath(f"avatar:{slot}")
    color = np.array(_color(slot))
    head_p, head_t = box((0, 0, 0), (0.17, 0.2, 0.22))
    visor_p, visor_t = box((0, 0.1, 0.02), (0.15, 0.03, 0.07))
    positions = np.concatenate([head_p, visor_p])
    colors = np.concatenate([np.tile(color, (8, 1)), np.tile([0.1, 0.1, 0.12, 1.0], (8, 1))])
    root.attachNewNode(
        triangles_node("head", positions, colors, np.concatenate([head_t, visor_t + 8]))
    )
    label = TextNode("name")
    label.setText(name)
    label.setAlign(TextNode.ACenter)
    label.setTextColor(1, 1, 1, 1)
    label.setCardColor(0, 0, 0, 0.5)
    label.setCardAsMargin(0.2, 0.2, 0.1, 0.1)
    text = root.attachNewNode(label)
    text.setScale(0.07)
    text.setBillboardPointEye()
    text.setLightOff()
    hand_p, hand_t = box((0, 0, 0), (0.08, 0.12, 0.04))
    for side in ("left", "right"):
        node = root.attachNewNode(
            triangles_node(f"hand:{side}", hand_p, np.tile(color, (8, 1)), hand_t)
        )
        node.hide()
    return root


@dataclass(slots=True)
class _Shown:
    """One avatar's nodes, looked up once, and which hands are showing."""

    root: NodePath
    head: NodePath
    label: NodePath
    hands: tuple[NodePath, NodePath]
    name: str
    tracked: list[bool] = field(default_factory=lambda: [False, False])


class Avatars:
    def __init__(self, parent: NodePath) -> None:
        self._parent = parent.attachNewNode("avatars")
        self._shown: dict[int, _Shown] = {}
        self._order: list[_Shown] = []  # in the order of the target's slots
        self._target = NOBODY
        self._version = -1
        self._pos = np.zeros((0, 3, 3))  # shown (head, left, right) positions per avatar
        self._rot = np.zeros((0, 3, 4))

    def __len__(self) -> int:
        return len(self._shown)

    def update(self, others: Others, dt: float) -> None:
        """Glide every avatar towards its latest pose: numpy for the maths, then one
        transform per visible part (the only per-avatar Python)."""
        if others.version != self._version:
            self._retarget(others)
        target = self._target
        if not len(target.slots):
            return
        goal_pos = np.concatenate([target.head_position[:, None], target.hand_position], axis=1)
        goal_rot = np.concatenate([target.head_rotation[:, None], target.hand_rotation], axis=1)
        k = min(1.0, dt * FOLLOW_RATE)
        self._pos += (goal_pos - self._pos) * k
        flip = np.sum(self._rot * goal_rot, axis=2, keepdims=True) < 0
        goal_rot = np.where(flip, -goal_rot, goal_rot)
        rot = self._rot + (goal_rot - self._rot) * k
        self._rot = rot / np.maximum(np.linalg.norm(rot, axis=2, keepdims=True), 1e-9)
        positions = self._pos.tolist()
        rotations = self._rot.tolist()
        tracked = target.hand_tracked.tolist()
        for shown, p, q, hands in zip(self._order, positions, rotations, tracked, strict=True):
            shown.head.setPosQuat(LPoint3(*p[0]), LQuaternion(*q[0]))
            shown.label.setPos(p[0][0], p[0][1], p[0][2] + LABEL_ABOVE_M)
            for j in (0, 1):
                node = shown.hands[j]
                if hands[j]:
                    node.setPosQuat(LPoint3(*p[j + 1]), LQuaternion(*q[j + 1]))
                if hands[j] != shown.tracked[j]:
                    shown.tracked[j] = hands[j]
                    node.show() if hands[j] else node.hide()

    def _retarget(self, others: Others) -> None:
        same = self._target
        if np.array_equal(others.slots, same.slots) and others.names == same.names:
            self._target, self._version = others, others.version  # new poses, same people
            return
        old = {slot: i for i, slot in enumerate(same.slots.tolist())}
        slots = others.slots.tolist()
        for slot in set(self._shown) - set(slots):
            self._shown.pop(slot).root.removeNode()
        goal_pos = np.concatenate([others.head_position[:, None], others.hand_position], axis=1)
        goal_rot = np.concatenate([others.head_rotation[:, None], others.hand_rotation], axis=1)
        pos, rot = goal_pos.copy(), goal_rot.copy()
        for i, slot in enumerate(slots):
            name = others.names[i]
            if slot in old:  # keep gliding from where it is shown now
                pos[i], rot[i] = self._pos[old[slot]], self._rot[old[slot]]
            shown = self._shown.get(slot)
            if shown is None or shown.name != name:
                if shown is not None:
                    shown.root.removeNode()
                root = _avatar_node(slot, name)
                root.reparentTo(self._parent)
                self._shown[slot] = _Shown(
                    root,
                    root.find("head"),
                    root.find("name"),
                    (root.find("hand:left"), root.find("hand:right")),
                    name,
                )
        self._order = [self._shown[slot] for slot in slots]
        self._pos, self._rot = pos, rot
        self._target = others
        self._version = others.version

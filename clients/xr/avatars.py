"""Everyone else in the room, from the pose channel's snapshots: a head with a visor that
shows where they look, hands when tracked, and their name above. Snapshots come at the
server's tick (30 Hz); avatars glide to each new pose so a 90 Hz display shows no steps."""

from __future__ import annotations

import colorsys

import numpy as np
from panda3d.core import LQuaternion, NodePath, TextNode

from clients.xr.meshes import box, triangles_node
from clients.xr.poses import NOBODY, Others

FOLLOW_RATE = 18.0  # 1/s: how fast a shown pose closes in on the latest one


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


class Avatars:
    def __init__(self, parent: NodePath) -> None:
        self._parent = parent.attachNewNode("avatars")
        self._nodes: dict[int, NodePath] = {}
        self._names: dict[int, str] = {}
        self._target = NOBODY
        self._version = -1
        self._pos = np.zeros((0, 3, 3))  # shown (head, left, right) positions per avatar
        self._rot = np.zeros((0, 3, 4))

    def __len__(self) -> int:
        return len(self._nodes)

    def update(self, others: Others, dt: float) -> None:
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
        for i, slot in enumerate(target.slots.tolist()):
            root = self._nodes[slot]
            head, left, right = root.getChild(0), root.getChild(2), root.getChild(3)
            label = root.getChild(1)
            p, q = self._pos[i], self._rot[i]
            head.setPosQuat(tuple(p[0]), LQuaternion(*q[0]))
            label.setPos(p[0][0], p[0][1], p[0][2] + 0.22)
            for node, j in ((left, 1), (right, 2)):
                if target.hand_tracked[i, j - 1]:
                    node.show()
                    node.setPosQuat(tuple(p[j]), LQuaternion(*q[j]))
                else:
                    node.hide()

    def _retarget(self, others: Others) -> None:
        old = {slot: i for i, slot in enumerate(self._target.slots.tolist())}
        slots = others.slots.tolist()
        for slot in set(self._nodes) - set(slots):
            self._nodes.pop(slot).removeNode()
            self._names.pop(slot, None)
        goal_pos = np.concatenate([others.head_position[:, None], others.hand_position], axis=1)
        goal_rot = np.concatenate([others.head_rotation[:, None], others.hand_rotation], axis=1)
        pos, rot = goal_pos.copy(), goal_rot.copy()
        for i, slot in enumerate(slots):
            name = others.names[i]
            if slot in old:  # keep gliding from where it is shown now
                pos[i], rot[i] = self._pos[old[slot]], self._rot[old[slot]]
            if slot not in self._nodes or self._names.get(slot) != name:
                if slot in self._nodes:
                    self._nodes[slot].removeNode()
                self._nodes[slot] = _avatar_node(slot, name)
                self._nodes[slot].reparentTo(self._parent)
                self._names[slot] = name
        self._pos, self._rot = pos, rot
        self._target = others
        self._version = others.version

"""What the XR mode computes without a headset: each eye's off-centre frustum as a Panda3D
film, and OpenXR poses in Panda's frame; the runtime probe's answer on a machine without
a runtime (this one)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from panda3d.core import PerspectiveLens, Point2, Point3

from clients.xr.errors import XrUnavailableError
from clients.xr.frames import room_to_panda_points, room_to_panda_quats
from clients.xr.xr_math import film_from_fov, panda_pose
from clients.xr.xr_runtime import probe_runtime

# A left eye of a typical PC headset: wider towards the nose side it does not need.
FOV = (-0.95, 0.78, 0.85, -0.92)


def test_the_lens_frustum_matches_the_four_angles() -> None:
    left, right, up, down = FOV
    film = film_from_fov(*FOV)
    lens = PerspectiveLens()
    lens.setFocalLength(1.0)
    lens.setFilmSize(film.width, film.height)
    lens.setFilmOffset(film.offset_x, film.offset_y)
    # A point on each edge of the field of view projects onto that edge of the film.
    for angle, axis, edge in ((left, 0, -1), (right, 0, 1), (up, 1, 1), (down, 1, -1)):
        direction = [math.tan(angle), 1.0, 0.0] if axis == 0 else [0.0, 1.0, math.tan(angle)]
        projected = Point2()
        assert lens.project(Point3(*direction), projected)
        assert abs(projected[axis] - edge) < 1e-5


def test_an_impossible_fov_is_refused() -> None:
    with pytest.raises(ValueError, match="field of view"):
        film_from_fov(0.5, -0.5, 0.5, -0.5)


def test_openxr_poses_agree_with_the_room_frame() -> None:
    position, quat = (0.2, 1.7, -0.4), (0.1, 0.7, 0.1, 0.7)
    p, q = panda_pose(position, quat)
    assert np.allclose(p, room_to_panda_points(position))
    assert np.allclose(q, room_to_panda_quats(quat))


def test_no_runtime_here_is_a_one_line_answer_naming_what_to_install() -> None:
    with pytest.raises(XrUnavailableError) as caught:
        probe_runtime()
    message = str(caught.value)
    assert "\n" not in message and "SteamVR" in message and "Monado" in message

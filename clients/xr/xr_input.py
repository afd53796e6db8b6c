"""Controllers through OpenXR actions: the aim pose of each hand (for the ray), select
(trigger) and squeeze (grip) as buttons, and the thumbstick for snap turns. Bindings are
suggested for the common PC VR controllers; the runtime maps the rest."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

import xr

HANDS = ("left", "right")
PROFILES: dict[str, dict[str, str]] = {
    "/interaction_profiles/khr/simple_controller": {
        "aim": "input/aim/pose",
        "select": "input/select/click",
    },
    "/interaction_profiles/oculus/touch_controller": {
        "aim": "input/aim/pose",
        "select": "input/trigger/value",
        "squeeze": "input/squeeze/value",
        "turn": "input/thumbstick",
    },
    "/interaction_profiles/valve/index_controller": {
        "aim": "input/aim/pose",
        "select": "input/trigger/click",
        "squeeze": "input/squeeze/value",
        "turn": "input/thumbstick",
    },
    "/interaction_profiles/htc/vive_controller": {
        "aim": "input/aim/pose",
        "select": "input/trigger/click",
        "squeeze": "input/squeeze/click",
        "turn": "input/trackpad",
    },
    "/interaction_profiles/microsoft/motion_controller": {
        "aim": "input/aim/pose",
        "select": "input/trigger/value",
        "squeeze": "input/squeeze/click",
        "turn": "input/thumbstick",
    },
}


@dataclass(slots=True)
class HandState:
    """One hand this frame: its aim pose in the reference space (OpenXR frame) or None
    when not tracked, and which buttons went down since the last frame."""

    pose: tuple[tuple[float, float, float], tuple[float, float, float, float]] | None = None
    select_pressed: bool = False
    squeeze_pressed: bool = False
    turn_x: float = 0.0


@dataclass(slots=True)
class Controllers:
    instance: Any
    session: Any
    action_set: Any = None
    paths: list[Any] = field(default_factory=list)
    actions: dict[str, Any] = field(default_factory=dict)
    spaces: list[Any] = field(default_factory=list)

    @classmethod
    def create(cls, instance: Any, session: Any) -> Controllers:
        self = cls(instance, session)
        self.action_set = xr.create_action_set(
            instance,
            xr.ActionSetCreateInfo(
                action_set_name="readingroom",
                localized_action_set_name="Reading room",
                priority=0,
            ),
        )
        self.paths = [xr.string_to_path(instance, f"/user/hand/{hand}") for hand in HANDS]
        subactions = (xr.Path * 2)(*self.paths)
        kinds = {
            "aim": xr.ActionType.POSE_INPUT,
            "select": xr.ActionType.BOOLEAN_INPUT,
            "squeeze": xr.ActionType.BOOLEAN_INPUT,
            "turn": xr.ActionType.VECTOR2F_INPUT,
        }
        for name, kind in kinds.items():
            self.actions[name] = xr.create_action(
                self.action_set,
                xr.ActionCreateInfo(
                    action_type=kind,
                    action_name=name,
                    localized_action_name=name.title(),
                    count_subaction_paths=2,
                    subaction_paths=subactions,
                ),
            )
        for profile, inputs in PROFILES.items():
            bindings = [
                xr.ActionSuggestedBinding(
                    self.actions[name], xr.string_to_path(instance, f"/user/hand/{hand}/{path}")
                )
                for name, path in inputs.items()
                for hand in HANDS
            ]
            # A runtime that does not know a profile refuses it; the others still apply.
            with contextlib.suppress(xr.XrException):
                xr.suggest_interaction_profile_bindings(
                    instance,
                    xr.InteractionProfileSuggestedBinding(
                        interaction_profile=xr.string_to_path(instance, profile),
                        count_suggested_bindings=len(bindings),
                        suggested_bindings=(xr.ActionSuggestedBinding * len(bindings))(*bindings),
                    ),
                )
        xr.attach_session_action_sets(
            session, xr.SessionActionSetsAttachInfo(action_sets=[self.action_set])
        )
        self.spaces = [
            xr.create_action_space(
                session, xr.ActionSpaceCreateInfo(action=self.actions["aim"], subaction_path=path)
            )
            for path in self.paths
        ]
        return self

    def poll(self, space: Any, time: int) -> dict[str, HandState]:
        """Sync the actions and read both hands at the frame's predicted display time."""
        hands = {hand: HandState() for hand in HANDS}
        try:
            xr.sync_actions(
                self.session,
                xr.ActionsSyncInfo(
                    active_action_sets=[xr.ActiveActionSet(self.action_set, xr.NULL_PATH)]
                ),
            )
        except xr.SessionNotFocused:
            return hands  # another app (the runtime's menu) has the controllers
        valid = xr.SPACE_LOCATION_POSITION_VALID_BIT | xr.SPACE_LOCATION_ORIENTATION_VALID_BIT
        for hand, path, action_space in zip(HANDS, self.paths, self.spaces, strict=True):
            state = hands[hand]
            location = xr.locate_space(action_space, space, time)
            if location.location_flags & valid == valid:
                p, o = location.pose.position, location.pose.orientation
                state.pose = ((p.x, p.y, p.z), (o.x, o.y, o.z, o.w))
            info = xr.ActionStateGetInfo
            for name in ("select", "squeeze"):
                button = xr.get_action_state_boolean(self.session, info(self.actions[name], path))
                pressed = bool(
                    button.is_active and button.changed_since_last_sync and button.current_state
                )
                setattr(state, f"{name}_pressed", pressed)
            stick = xr.get_action_state_vector2f(self.session, info(self.actions["turn"], path))
            state.turn_x = float(stick.current_state.x) if stick.is_active else 0.0
        return hands

    def destroy(self) -> None:
        if self.action_set is not None:
            with contextlib.suppress(xr.XrException):
                xr.destroy_action_set(self.action_set)
            self.action_set = None

"""Room templates: the shipped ones are valid, and each kind of bad template is refused
with an error that names the field to fix."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from scenes.errors import InvalidTemplateError
from scenes.template import builtin_template_names, load_builtin_template, parse_template


def _classroom() -> dict[str, Any]:
    return load_builtin_template("classroom").to_json()


def _issues(data: object) -> list[dict[str, Any]]:
    with pytest.raises(InvalidTemplateError) as info:
        parse_template(data)
    return [issue.as_dict() for issue in info.value.issues]


def test_shipped_templates_include_topic_classroom_and_carrels() -> None:
    names = builtin_template_names()
    assert {"european-literature", "classroom", "quiet-carrels"} <= set(names)
    kinds = {load_builtin_template(n).kind for n in names}
    assert {"topic", "classroom", "carrel"} <= kinds
    assert load_builtin_template("classroom").blackboard is not None


def test_template_round_trips_through_json() -> None:
    template = load_builtin_template("european-literature")
    again = parse_template(json.loads(json.dumps(template.to_json())))
    assert again == template
    assert template.to_json()["schema"] == 1


def test_overlapping_furniture_names_both_pieces() -> None:
    data = _classroom()
    data["tables"][2]["position"] = data["tables"][1]["position"]
    issues = _issues(data)
    assert issues[0]["loc"] == ["tables", 2, "position"]
    assert "overlaps" in issues[0]["msg"]
    assert "desk-1a" in issues[0]["msg"]


def test_shelf_over_the_blackboard_is_refused() -> None:
    data = _classroom()
    data["shelf_ranges"][0].update(position=[5.0, 0.15], facing="south")
    issues = _issues(data)
    assert any(
        i["loc"] == ["shelf_ranges", 0, "position"] and "blackboard" in i["msg"] for i in issues
    )


def test_furniture_outside_the_walls_says_which_wall() -> None:
    data = _classroom()
    data["shelf_ranges"][0]["position"] = [10.5, 5.2]
    issues = _issues(data)
    assert issues[0]["loc"] == ["shelf_ranges", 0, "position"]
    assert "east wall" in issues[0]["msg"]


def test_blackboard_wider_than_its_wall() -> None:
    data = _classroom()
    data["blackboard"]["center"] = 9.0
    issues = _issues(data)
    assert ["blackboard", "center"] in [i["loc"] for i in issues]


def test_unknown_material_lists_the_known_ones() -> None:
    data = _classroom()
    data["materials"]["floor"] = "lava"
    data["tables"][0]["material"] = "unobtainium"
    issues = _issues(data)
    locs = [i["loc"] for i in issues]
    assert ["materials", "floor"] in locs
    assert ["tables", 0, "material"] in locs
    assert "oak_parquet" in issues[0]["msg"]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("size", "width"), 5000.0),
        (("size", "height"), 0.5),
        (("shelf_ranges", 0, "bays"), 10_000),
        (("tables", 0, "seats"), -3),
        (("size", "depth"), float("nan")),
    ],
)
def test_absurd_sizes_name_the_field(path: tuple[str | int, ...], value: object) -> None:
    data = _classroom()
    target: Any = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    issues = _issues(data)
    assert list(path) in [i["loc"] for i in issues]


def test_unknown_fields_and_wrong_types_are_refused() -> None:
    data = _classroom()
    data["colour_scheme"] = "pink"
    data["spawn_points"][0]["position"] = "by the door"
    locs = [i["loc"] for i in _issues(data)]
    assert ["colour_scheme"] in locs
    assert ["spawn_points", 0, "position"] in locs


def test_shelf_query_needs_a_criterion() -> None:
    data = _classroom()
    data["shelf_ranges"][0]["query"] = {}
    locs = [i["loc"] for i in _issues(data)]
    assert ["shelf_ranges", 0, "query"] in locs


def test_duplicate_ids_and_stray_spawn_points() -> None:
    data = _classroom()
    data["tables"][1]["id"] = data["tables"][0]["id"]
    data["spawn_points"][1]["position"] = [5.0, 3.4]  # on a desk
    data["lights"].append({"position": [3.0, 9.0, 4.0]})
    issues = _issues(data)
    locs = [i["loc"] for i in issues]
    assert ["tables", 1, "id"] in locs
    assert ["spawn_points", 1, "position"] in locs
    assert ["lights", 2, "position"] in locs


def test_not_an_object() -> None:
    assert _issues([1, 2])[0]["loc"] == []


def test_original_input_is_not_modified() -> None:
    data = _classroom()
    before = copy.deepcopy(data)
    parse_template(data)
    assert data == before

"""Every class of bad study input is refused with one line naming file, line, field and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.errors import StudyError
from evalkit.study import load_scorecard, load_study

DEFAULT = (Path(__file__).resolve().parents[2] / "scenarios" / "order-fulfillment.yaml").read_text(encoding="utf-8")


def _line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if fragment in line)


def _refused(path: Path) -> StudyError:
    with pytest.raises(StudyError) as caught:
        load_study(path)
    message = str(caught.value)
    assert "\n" not in message, "the error must be one line"
    assert message.startswith(str(path)), message
    return caught.value


def _mutated(write_study, old: str, new: str) -> tuple[Path, str]:
    assert old in DEFAULT, old
    text = DEFAULT.replace(old, new, 1)
    return write_study(text), text


def test_missing_file(tmp_path: Path) -> None:
    error = _refused(tmp_path / "nope.yaml")
    assert "file not found" in str(error)


def test_directory(tmp_path: Path) -> None:
    error = _refused(tmp_path)
    assert "is a directory" in str(error)


def test_empty_file(write_study) -> None:
    assert "empty" in str(_refused(write_study("")))
    assert "empty" in str(_refused(write_study("# only a comment\n")))


def test_non_mapping(write_study) -> None:
    error = _refused(write_study("- a\n- b\n"))
    assert "must be a mapping" in str(error) and "found list" in str(error)
    assert "found str" in str(_refused(write_study("just text\n")))


def test_binary_junk(tmp_path: Path) -> None:
    path = tmp_path / "junk.yaml"
    path.write_bytes(bytes(range(256)) * 4)
    assert "binary" in str(_refused(path))
    path.write_bytes(b"name: \xff\xfe broken\n")
    assert "not UTF-8" in str(_refused(path))


def test_alias_bomb(write_study) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for index in range(1, 9):
        previous, current = chr(ord("a") + index - 1), chr(ord("a") + index)
        lines.append(f"{current}: &{current} [{', '.join(['*' + previous] * 9)}]")
    error = _refused(write_study("\n".join(lines) + "\n"))
    assert "alias" in str(error)


def test_recursive_alias(write_study) -> None:
    assert "refers to itself" in str(_refused(write_study("a: &x [1, *x]\n")))


def test_invalid_yaml_names_the_line(write_study) -> None:
    path, text = _mutated(write_study, "  peak_rate: 10/s", "  peak_rate: [10/s")
    error = _refused(path)
    assert "invalid YAML" in str(error)
    assert error.line is not None and error.line >= _line_of(text, "peak_rate")


def test_misspelt_key_suggests(write_study) -> None:
    path, text = _mutated(write_study, "  peak_rate: 10/s", "  peak_rat: 10/s")
    error = _refused(path)
    assert error.field == "traffic.peak_rat"
    assert "did you mean 'peak_rate'" in str(error)
    assert error.line == _line_of(text, "peak_rat:")


def test_unknown_design(write_study) -> None:
    path, text = _mutated(write_study, "design: federated", "design: federatd")
    error = _refused(path)
    assert error.field == "candidates[1].design"
    assert "did you mean 'federated'" in str(error)
    assert "centralized" in str(error) and "event-driven" in str(error)
    assert error.line == _line_of(text, "design: federatd")


def test_design_parameter_path_has_no_union_tag(write_study) -> None:
    path, text = _mutated(write_study, "engine_workers: 2", "engine_wrkers: 2")
    error = _refused(path)
    assert error.field == "candidates[0].parameters.engine_wrkers"
    assert "did you mean 'engine_workers'" in str(error)
    assert error.line == _line_of(text, "engine_wrkers")


def test_step_names_unknown_system(write_study) -> None:
    path, text = _mutated(
        write_study, "{id: reserve-stock, system: inventory,", "{id: reserve-stock, system: inventry,"
    )
    error = _refused(path)
    assert error.field == "workload.process.steps[2].system"
    assert "unknown system 'inventry'" in str(error) and "did you mean 'inventory'" in str(error)
    assert error.line == _line_of(text, "inventry")


def test_cycle_in_after(write_study) -> None:
    path, _ = _mutated(
        write_study,
        "{id: receive-order, system: storefront}",
        "{id: receive-order, system: storefront, after: [notify-customer]}",
    )
    error = _refused(path)
    assert "cycle" in str(error)
    assert "receive-order" in str(error) and "notify-customer" in str(error)


def test_probability_out_of_range(write_study) -> None:
    path, text = _mutated(write_study, "probability: 0.02", "probability: 1.5")
    error = _refused(path)
    assert error.field == "workload.process.steps[3].exception.probability"
    assert "less than or equal to 1" in str(error)
    assert error.line == _line_of(text, "probability: 1.5")


def test_negative_number(write_study) -> None:
    path, _ = _mutated(write_study, "capacity: 64", "capacity: -3")
    error = _refused(path)
    assert error.field == "workload.systems[0].capacity"
    assert "greater than 0" in str(error)


def test_bad_unit(write_study) -> None:
    path, _ = _mutated(write_study, "peak_rate: 10/s", "peak_rate: 10/fortnight")
    error = _refused(path)
    assert error.field == "traffic.peak_rate"
    assert "unknown time unit 'fortnight'" in str(error)


def test_duplicate_key(write_study) -> None:
    path, _ = _mutated(write_study, "  peak_rate: 10/s", "  peak_rate: 10/s\n  peak_rate: 20/s")
    assert "duplicate key 'peak_rate'" in str(_refused(path))


def test_missing_required_section(write_study) -> None:
    start = DEFAULT.index("slo:")
    end = DEFAULT.index("baseline:")
    error = _refused(write_study(DEFAULT[:start] + DEFAULT[end:]))
    assert error.field == "slo" and "required" in str(error)


def test_duplicate_candidate_names(write_study) -> None:
    path, _ = _mutated(write_study, "name: Domain Mesh", "name: Conductor Engine")
    error = _refused(path)
    assert error.field == "candidates[1].name" and "more than once" in str(error)


def test_unknown_fault_component(write_study) -> None:
    path, _ = _mutated(write_study, "component: system:payment-gateway", "component: system:payment-gatway")
    error = _refused(path)
    assert error.field == "faults[1].component" and "did you mean 'system:payment-gateway'" in str(error)


def test_assessment_for_unknown_criterion(write_study) -> None:
    path, _ = _mutated(write_study, "      usability:\n", "      usabilty:\n")
    error = _refused(path)
    assert error.field == "candidates[0].assessments.usabilty" and "did you mean 'usability'" in str(error)


def test_secret_header_must_come_from_environment(write_study) -> None:
    target = "    target:\n      base_url: http://127.0.0.1:9\n      headers: {Authorization: Bearer abc123}\n"
    path, _ = _mutated(write_study, "    exception_automation: 0.7\n", "    exception_automation: 0.7\n" + target)
    error = _refused(path)
    assert "ENV_VAR" in str(error) and error.field == "candidates[0].target.headers"


def _scorecard_error(tmp_path: Path, old: str, new: str) -> StudyError:
    source = (Path(__file__).resolve().parents[2] / "scorecards" / "orchestration-platform.yaml").read_text()
    assert old in source
    path = tmp_path / "card.yaml"
    path.write_text(source.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(StudyError) as caught:
        load_scorecard(path)
    assert "\n" not in str(caught.value)
    return caught.value


def test_scorecard_unknown_metric(tmp_path: Path) -> None:
    error = _scorecard_error(tmp_path, "metric: connector_coverage", "metric: connector_coverag")
    assert error.field == "criteria[0].metric" and "did you mean 'connector_coverage'" in str(error)


def test_scorecard_weight_must_be_positive(tmp_path: Path) -> None:
    error = _scorecard_error(tmp_path, "weight: 30", "weight: 0")
    assert error.field == "criteria[0].weight" and "greater than 0" in str(error)


def test_scorecard_direction_must_match_anchors(tmp_path: Path) -> None:
    error = _scorecard_error(tmp_path, "    direction: lower\n", "    direction: higher\n")
    assert "direction" in str(error)


def test_absurd_horizon_is_refused(write_study) -> None:
    path, _ = _mutated(write_study, "horizon: 70s", "horizon: 1e12s")
    error = _refused(path)
    assert error.field == "traffic" and "shorten the horizon" in str(error)

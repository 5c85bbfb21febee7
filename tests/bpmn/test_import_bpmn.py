"""``evalkit import-bpmn``: both fixtures import to studies that validate; refusals are one line each."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.bpmn import import_bpmn, load_mapping
from evalkit.cli import main
from evalkit.errors import InputError, StudyError
from evalkit.study import load_study

DATA = Path(__file__).resolve().parent / "data"
EVERY = DATA / "every-construct.bpmn"
CAMUNDA = DATA / "claim-intake.camunda.bpmn"


def _write(tmp_path: Path, bpmn: Path, mapping: Path | None) -> Path:
    path = tmp_path / f"{bpmn.stem}.yaml"
    path.write_text(import_bpmn(bpmn, load_mapping(mapping)).to_yaml(), encoding="utf-8")
    return path


def test_every_construct_imports_to_the_hand_written_study(tmp_path: Path) -> None:
    imported = load_study(_write(tmp_path, EVERY, DATA / "every-construct.map.yaml"))
    expected = load_study(DATA / "every-construct.yaml")
    assert imported.workload == expected.workload
    assert imported == expected


def test_modeller_export_imports_and_validates_with_its_mapping(tmp_path: Path) -> None:
    study = load_study(_write(tmp_path, CAMUNDA, DATA / "claim-intake.map.yaml"))
    register = study.step("register-claim")
    assert register.system == "claims-portal"  # from a camunda:property in the export
    assert [(b.to, b.probability) for b in register.decision.branches] == [("review-claim", 0.12), ("pay-claim", 0.88)]
    review = study.step("review-claim")
    assert review.staff == "adjusters"  # the lane
    assert (review.rework.to, review.rework.probability) == ("review-claim", 0.25)
    assert study.workload.process.event("cooling-off-period").delay.mean == 30  # PT30S
    assert study.step("pay-claim").after == ("register-claim", "review-claim")


def test_missing_numbers_fail_validation_one_line_at_a_time(tmp_path: Path) -> None:
    path = _write(tmp_path, CAMUNDA, None)
    text = path.read_text(encoding="utf-8")
    assert "value(s) are TODO" in text
    with pytest.raises(StudyError) as caught:
        load_study(path)
    message = str(caught.value)
    assert "\n" not in message
    assert "workload.systems[0].domain: still TODO: fill in this value" in message
    assert "(and 12 more problems)" in message
    line = next(i for i, row in enumerate(text.splitlines(), start=1) if "domain: TODO" in row)
    assert f"{path}:{line}:" in message


UNSUPPORTED = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="http://x">
  <bpmn:process id="P" isExecutable="true">
    <bpmn:startEvent id="s" />
    <bpmn:eventBasedGateway id="race" name="First reply" />
    <bpmn:serviceTask id="each" name="Check each item">
      <bpmn:multiInstanceLoopCharacteristics />
    </bpmn:serviceTask>
    <bpmn:boundaryEvent id="undo" name="Undo" attachedToRef="each">
      <bpmn:compensateEventDefinition />
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="e" />
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="race" />
    <bpmn:sequenceFlow id="f2" sourceRef="race" targetRef="each" />
    <bpmn:sequenceFlow id="f3" sourceRef="each" targetRef="e" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_unsupported_elements_are_refused_one_line_each(tmp_path: Path) -> None:
    path = tmp_path / "unsupported.bpmn"
    path.write_text(UNSUPPORTED, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        import_bpmn(path)
    lines = str(caught.value).splitlines()
    assert lines[0] == f"{path}: cannot import 3 element(s), one line each:"
    assert lines[1].startswith("  eventBasedGateway 'race' (\"First reply\"): an event-based gateway")
    assert "multi-instance activity" in lines[2] and "'each'" in lines[2] and "model one instance" in lines[2]
    assert "compensation" in lines[3] and "'undo'" in lines[3] and "drop it" in lines[3]


def test_a_loop_not_through_an_exclusive_gateway_is_refused(tmp_path: Path) -> None:
    text = UNSUPPORTED.replace(
        '<bpmn:eventBasedGateway id="race" name="First reply" />', '<bpmn:parallelGateway id="race" />'
    )
    text = text.replace("<bpmn:multiInstanceLoopCharacteristics />", "").replace(
        '<bpmn:boundaryEvent id="undo" name="Undo" attachedToRef="each">\n      <bpmn:compensateEventDefinition />\n    </bpmn:boundaryEvent>',
        '<bpmn:sequenceFlow id="back" sourceRef="each" targetRef="race" />',
    )
    path = tmp_path / "cycle.bpmn"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        import_bpmn(path)
    assert "loops must go back from an exclusive gateway" in str(caught.value)


def test_not_bpmn_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.bpmn"
    path.write_text(
        "<bpmn:definitions xmlns:bpmn='http://www.omg.org/spec/BPMN/20100524/MODEL'><oops></bpmn:definitions>"
    )
    with pytest.raises(InputError) as caught:
        import_bpmn(path)
    assert "\n" not in str(caught.value) and str(path) in str(caught.value)


def test_the_command_writes_and_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "study.yaml"
    arguments = ["import-bpmn", str(CAMUNDA), "--mapping", str(DATA / "claim-intake.map.yaml"), "-o", str(output)]
    with pytest.raises(SystemExit) as done:
        main(arguments)
    assert done.value.code == 0 and output.is_file()
    assert "evalkit validate" in capsys.readouterr().out
    with pytest.raises(SystemExit) as again:
        main(arguments)
    assert again.value.code == 2 and "exists" in capsys.readouterr().err


def test_the_imported_study_simulates_to_the_same_results(tmp_path: Path) -> None:
    from evalkit.sim import SimCell, run_cell

    imported = load_study(_write(tmp_path, EVERY, DATA / "every-construct.map.yaml"))
    expected = load_study(DATA / "every-construct.yaml")
    cell = SimCell("Engine", "baseline", 1.0, 1)
    got = {(row.workflow_type, row.metric): row.value for row in run_cell(imported, cell)}
    want = {(row.workflow_type, row.metric): row.value for row in run_cell(expected, cell)}
    assert got == pytest.approx(want, nan_ok=True)
    assert got[("referred", "completed")] > 0
    assert got[("straight-through", "completed")] > got[("referred", "completed")]
    assert got[("all", "utilization:staff:adjusters")] > 0  # the lane's pool did the review and the fixes


def test_the_modeller_export_simulates_under_every_design(tmp_path: Path) -> None:
    from evalkit.sim import SimCell, run_cell

    study = load_study(_write(tmp_path, CAMUNDA, DATA / "claim-intake.map.yaml"))
    for candidate in study.candidates:
        rows = run_cell(study, SimCell(candidate.name, "baseline", 1.0, 1))
        metrics = {row.metric: row.value for row in rows if row.workflow_type == "all"}
        assert metrics["completed"] > 100 and metrics["error_rate"] == 0, candidate.name
        # the 30 s cooling-off timer is inside every cycle time
        assert metrics["cycle_time_p50"] > 30, candidate.name

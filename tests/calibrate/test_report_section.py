"""The report's calibration section: what a reader sees of a calibration, from its record on disk.

Stages are made by the analytic model from hidden parameters (``synthetic.py``), so the figures
the section must show are known: the hidden values fitted, the held-out stage's error, and the
plain sentence when nothing was held out.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from synthetic import ENGINE, engine_study, stages_from

from evalkit.calibrate import calibrate, calibrated_study_text, calibration_record
from evalkit.report.calibration import UNVERIFIED, calibration_view, read_calibrations
from evalkit.report.environment import html_environment
from evalkit.study import Study

HIDDEN = {"engine_workers": 3, "dispatch_time": 0.007}


def _record(multiples: list[float], fit: list[float], run_id: str) -> dict:
    study = engine_study()
    stages = stages_from(study, HIDDEN, multiples, np.random.default_rng(5))
    result = calibrate(study, "Engine", stages, fit_multiples=fit, rng=np.random.default_rng(1), bootstrap=0)
    return calibration_record(result, run_id)


def _write(run: Path, record: dict) -> None:
    (run / "calibration").mkdir(parents=True)
    (run / "calibration" / "Engine.json").write_text(json.dumps(record), encoding="utf-8")


def _render(view: list[dict]) -> str:
    template = html_environment().get_template("sections/calibration.html.j2")
    return template.render(calibration=view, numbers={"performance": 5})


def test_a_held_out_stage_shows_its_error_and_the_fitted_parameters(tmp_path: Path) -> None:
    record = _record([1, 1.5, 2, 2.5], [1, 1.5, 2], "run-a")
    _write(tmp_path / "run-a", record)
    [block] = calibration_view(read_calibrations(tmp_path / "run-a", None))
    assert block["relation"] == "made from this run"
    rows = {p["name"]: p for p in block["parameters"]}
    assert rows["engine_workers"]["assumed"] == "2" and rows["engine_workers"]["fitted"] == "3"
    dispatch = rows["dispatch_time"]
    assert dispatch["assumed"] == "10 ms" and dispatch["change"].startswith("−")  # 7 ms against 10 ms
    assert -35 <= -int(dispatch["change"].strip("−%")) <= -25
    # measured against fitted at every measured stage, with its role
    assert [c["role"] for c in block["curves"]] == ["fitted", "fitted", "fitted", "held out"]
    held = block["curves"][-1]
    assert held["fitted_throughput"] == pytest.approx(2.5 * 40, rel=1e-6)  # unsaturated: it completes what arrives
    [check] = block["holdout"]["rows"]
    assert check["multiple"] == 2.5 and check["error"] == pytest.approx(
        (check["predicted_p95"] - check["measured_p95"]) / check["measured_p95"]
    )
    assert abs(check["error"]) < 0.15  # the model made the stage: only the 3% noise and the fit separate them
    html = _render([block])
    assert "Hold-out check" in html and "engine_workers" in html and UNVERIFIED not in html
    assert f"{abs(check['error']) * 100:.0f}%" in html
    assert "measured not saturated up to 2.5x" in html  # the model made the stages: none saturated


def test_without_a_held_out_stage_the_section_says_the_prediction_is_unverified(tmp_path: Path) -> None:
    _write(tmp_path / "run-b", _record([1, 1.5, 2], [1, 1.5, 2], "run-b"))
    [block] = calibration_view(read_calibrations(tmp_path / "run-b", None))
    assert not block["holdout"]["verified"] and block["holdout"]["sentence"] == UNVERIFIED
    assert UNVERIFIED in _render([block])


def test_a_calibrated_run_shows_the_calibration_behind_it(tmp_path: Path) -> None:
    record = _record([1, 1.5, 2, 2.5], [1, 1.5, 2], "run-a")
    _write(tmp_path / "run-a", record)
    study = engine_study()
    stages = stages_from(study, HIDDEN, [1, 1.5, 2, 2.5], np.random.default_rng(5))
    result = calibrate(study, "Engine", stages, fit_multiples=[1, 1.5, 2], rng=np.random.default_rng(1), bootstrap=0)
    calibrated = Study.model_validate(yaml.safe_load(calibrated_study_text(ENGINE.read_text(), result, "run-a")))
    (tmp_path / "run-c").mkdir()
    [block] = calibration_view(read_calibrations(tmp_path / "run-c", calibrated))
    assert block["relation"] == "behind this run" and block["found"] and block["run_id"] == "run-a"
    assert "calibrated predictions" in block["lead"] and block["holdout"]["verified"]
    assert "calibrated prediction" in _render([block])
    # the source run's record gone: the study's own summary still says what was checked
    (tmp_path / "run-a" / "calibration" / "Engine.json").unlink()
    [block] = calibration_view(read_calibrations(tmp_path / "run-c", calibrated))
    assert not block["found"] and "was not found" in block["lead"] and "hold-out" in block["provenance"]


def test_no_calibration_no_section(tmp_path: Path) -> None:
    assert read_calibrations(tmp_path, engine_study()) == []
    assert _render([]).strip() == ""


def test_the_markdown_scorecard_carries_the_calibration_in_plain_text(tmp_path: Path) -> None:
    from evalkit.report.render import render_markdown
    from evalkit.scorecard_data import ScoredStudy

    _write(tmp_path / "run-a", _record([1, 1.5, 2, 2.5], [1, 1.5, 2], "run-a"))
    [checked] = calibration_view(read_calibrations(tmp_path / "run-a", None))
    _write(tmp_path / "run-b", _record([1, 1.5, 2], [1, 1.5, 2], "run-b"))
    [unchecked] = calibration_view(read_calibrations(tmp_path / "run-b", None))
    fixture = Path(__file__).resolve().parents[1] / "report" / "fixtures" / "scorecard.json"
    scored = ScoredStudy.model_validate_json(fixture.read_text(encoding="utf-8"))

    markdown = render_markdown(scored, [checked, unchecked])
    section = markdown[markdown.index("## Calibration") : markdown.index("## Glossary")]
    assert "| `engine_workers` | 2 | 3 |" in section
    [row] = checked["holdout"]["rows"]
    assert f"at 2.5x the p95 prediction error was {row['error'] * 100:.0f}%" in section
    assert "within one tested step" in section or "not within one tested step" in section
    assert UNVERIFIED in section
    assert "<td" not in section and "&lt;" not in section  # plain text, no HTML
    assert "## Calibration" not in render_markdown(scored)

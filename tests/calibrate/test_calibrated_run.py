"""End to end: a calibrated study, run, is scored and reported as a *calibrated prediction*.

``evalkit calibrate`` writes a study whose candidate carries a ``calibration:`` field; ``evalkit
run`` on it must record every simulated figure of that candidate as ``calibrated`` evidence (the
performance analysis, each matrix cell, the reason that says "calibrated prediction"), and the
report must show the calibration behind the run with its hold-out error, read from the record
the calibration left in the source run's folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import yaml
from synthetic import ENGINE, engine_study, stages_from

from evalkit.calibrate import calibrate, calibrated_study_text, calibration_record

HIDDEN = {"engine_workers": 3, "dispatch_time": 0.007}


def test_a_calibrated_study_runs_as_a_calibrated_prediction(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from evalkit.cli import app

    study = engine_study()
    stages = stages_from(study, HIDDEN, [1, 1.5, 2, 2.5], np.random.default_rng(5))
    result = calibrate(study, "Engine", stages, fit_multiples=[1, 1.5, 2], rng=np.random.default_rng(1), bootstrap=0)
    runs = tmp_path / "runs"
    (runs / "run-a" / "calibration").mkdir(parents=True)
    record = calibration_record(result, "run-a")
    (runs / "run-a" / "calibration" / "Engine.json").write_text(json.dumps(record), encoding="utf-8")
    data = yaml.safe_load(calibrated_study_text(ENGINE.read_text(encoding="utf-8"), result, "run-a"))
    data["traffic"].update(multiples=[1, 2], horizon="12s", warmup="2s", replications=2)  # small: a wiring check
    path = tmp_path / "calibrated.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    outcome = CliRunner().invoke(app, ["run", str(path), "--only", "sim", "--out", str(runs), "--workers", "1", "-q"])
    assert outcome.exit_code == 0, outcome.output
    [run] = [p for p in runs.iterdir() if (p / "scorecard.json").exists()]
    scored = json.loads((run / "scorecard.json").read_text(encoding="utf-8"))
    [engine] = scored["candidates"]
    assert engine["evidence_source"] == "sim"
    assert engine["evidence_reason"].startswith("calibrated prediction (parameters fitted to run run-a at 1x, 1.5x, 2x")
    assert "checked against a held-out measurement" in engine["evidence_reason"]
    assert [a["evidence"] for a in engine["performance"] if a["source"] == "sim"] == ["calibrated"]
    measured_cells = [s for s in engine["scores"] if s["source"] == "sim" and s["evidence"]]
    assert measured_cells and {s["evidence"]["kind"] for s in measured_cells} == {"calibrated"}

    html = (run / "scorecard.html").read_text(encoding="utf-8")
    assert 'id="calibration"' in html and "calibrated prediction" in html
    [held] = record["holdout"]["stages"]
    assert f"{abs(held['p95_error']) * 100:.0f}%" in html  # the hold-out error, from run-a's record

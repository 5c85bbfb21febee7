"""Recovery of hidden parameters from a live load test of the reference platform.

The reference platform runs the study's centralized design with **hidden** parameters (3 engine
workers at 7 ms per transition) while the study assumes 2 workers at 10 ms. ``evalkit
calibrate`` fits the run's 1x-2x stages: the fitted parameters must be within 15% of the hidden
ones, and the predicted saturation multiple within one tested step of where the measured load
test saturated (4x is measured and held out). The platform runs ten times slower than study time
so that event-loop lag on a busy machine does not pass for engine time.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from synthetic import ENGINE

from evalkit.load import LoadPlan, ReferencePlatform, plan_stages, run_load_test
from evalkit.store import create_run
from evalkit.study import load_study

pytestmark = pytest.mark.timeout(240)

MULTIPLES = [1.0, 1.5, 2.0, 4.0]


def test_calibration_recovers_hidden_engine_parameters(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from evalkit.cli import app

    data = yaml.safe_load(ENGINE.read_text(encoding="utf-8"))
    data["candidates"][0]["parameters"].update(engine_workers=3, dispatch_time="7ms")
    hidden = tmp_path / "hidden.yaml"
    hidden.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    study = load_study(ENGINE)
    stages = plan_stages(study, multiples=MULTIPLES)
    with ReferencePlatform(hidden, "Engine") as platform:
        table = run_load_test(
            LoadPlan(study=study, candidate="Engine", stages=stages, base_url=platform.base_url, out_dir=tmp_path)
        )
    run = create_run(tmp_path / "runs", ENGINE)
    run.save_results(table, source="load")

    result = CliRunner().invoke(
        app, ["calibrate", str(run.path), "--candidate", "Engine", "--fit-multiples", "1,1.5,2"]
    )
    assert result.exit_code == 0, result.output
    print(result.output)  # the figures: assumed, fitted with intervals, hold-out (pytest -s)
    record = json.loads((run.path / "calibration" / "Engine.json").read_text(encoding="utf-8"))
    fitted = {p["name"]: p["fitted"] for p in record["parameters"]}
    assert fitted["engine_workers"] == pytest.approx(3, rel=0.15), result.output
    assert fitted["dispatch_time"] == pytest.approx(0.007, rel=0.15), result.output
    # The intervals carry the measurements' own sampling error, so they hold the hidden values (the
    # residuals alone gave [7.25, 7.29] ms around a hidden 7 ms), without being uselessly wide.
    intervals = {p["name"]: p["interval_95"] for p in record["parameters"]}
    low, high = intervals["dispatch_time"]
    assert low <= 0.007 <= high and high / low < 4, result.output
    assert intervals["engine_workers"][0] <= 3 <= intervals["engine_workers"][1], result.output
    holdout = record["holdout"]
    assert holdout["measured_saturation_multiple"] == 4.0, result.output
    assert holdout["saturation_within_one_step"] is True, result.output
    calibrated = load_study(run.path / "calibration" / "Engine.study.yaml")
    assert calibrated.candidate("Engine").parameters.engine_workers == 3  # type: ignore[union-attr]

"""Runs re-use unchanged simulated cells: a change to the load settings alone simulates nothing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from evalkit.cellcache import cell_fingerprint
from evalkit.pipeline import RunOptions, run_study
from evalkit.sim import plan_cells
from evalkit.study import load_study

TINY = Path(__file__).resolve().parent / "fixtures" / "tiny.yaml"


def _variant(tmp_path: Path, name: str, change) -> Path:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(TINY.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_the_fingerprint_covers_exactly_what_shapes_a_cell(tmp_path: Path) -> None:
    base = load_study(TINY)
    cell = plan_cells(base)[0]
    same = {
        "load": lambda d: d["load"].update(stage_duration="9s"),
        "assessment": lambda d: d["candidates"][0]["assessments"]["usability"][0].update(score=1),
        "cost": lambda d: d["candidates"][0]["cost"].update(licence_per_year=1),
        "replications": lambda d: d["traffic"].update(replications=9),
    }
    different = {
        "seed": lambda d: d.update(seed=8),
        "service time": lambda d: d["workload"]["systems"][0]["service_time"].update(mean="25ms"),
        "parameters": lambda d: d["candidates"][0]["parameters"].update(engine_workers=3),
        "peak": lambda d: d["traffic"].update(peak_rate="6/s"),
        "slo": lambda d: d["slo"].update(p95_cycle_time="2s"),
    }
    for name, change in same.items():
        assert cell_fingerprint(load_study(_variant(tmp_path, name, change)), cell) == cell_fingerprint(base, cell), (
            name
        )
    for name, change in different.items():
        assert cell_fingerprint(load_study(_variant(tmp_path, name, change)), cell) != cell_fingerprint(base, cell), (
            name
        )


@pytest.mark.slow
def test_a_rerun_after_a_load_only_change_simulates_no_cell(tmp_path: Path) -> None:
    out = tmp_path / "runs"
    first = run_study(TINY, RunOptions(only="sim", workers=1, out=out))
    simulated = first.run.manifest().cells_simulated
    assert simulated == len(plan_cells(load_study(TINY))) and first.run.manifest().cells_reused == 0

    load_changed = _variant(tmp_path, "load", lambda d: d["load"].update(stage_duration="5s", drain_timeout="1s"))
    second = run_study(load_changed, RunOptions(only="sim", workers=2, out=out))
    assert second.run.manifest().cells_simulated == 0 and second.run.manifest().cells_reused == simulated
    rows = [pd.read_csv(o.run.results_path) for o in (first, second)]
    pd.testing.assert_frame_equal(rows[0], rows[1])

    work_changed = _variant(
        tmp_path, "work", lambda d: d["workload"]["systems"][1]["service_time"].update(value="12ms")
    )
    third = run_study(work_changed, RunOptions(only="sim", workers=1, out=out))
    assert third.run.manifest().cells_reused == 0 and third.run.manifest().cells_simulated == simulated

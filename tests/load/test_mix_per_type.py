"""The load test judged per workflow type: the start call carries each workflow's type.

For a mix, the generator draws each workflow's type with the study's shares (its own seeded
stream), names it in the start call (``{{type}}``; the reference platform's ``type=``), and
records the cohort per type too, so per-type SLOs are checked on measured rows as on simulated ones.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.load import LoadPlan, ReferencePlatform, plan_stages, run_load_test
from evalkit.load.measurement import stage_metrics
from evalkit.load.recording import StageRecord, StageRecorder, merge_records
from evalkit.load.spec import GeneratorSpec, StagePlan
from evalkit.load.targets import carries_workflow_type, reference_target, render_body, render_text
from evalkit.study import Target, load_study

STUDY = Path(__file__).parent / "studies" / "small-mix.yaml"


def test_a_start_template_names_the_workflow_type() -> None:
    assert render_text("/start/{{type}}?n={{seq}}", 7, "u", workflow_type="referred") == "/start/referred?n=7"
    assert render_body({"kind": "{{type}}", "n": "{{seq}}"}, 3, "u", "", "quick") == {"kind": "quick", "n": 3}
    live = Target.model_validate({"base_url": "http://127.0.0.1:1", "start": {"path": "/w", "body": {"t": "{{type}}"}}})
    assert carries_workflow_type(live)
    assert not carries_workflow_type(Target.model_validate({"base_url": "http://127.0.0.1:1"}))
    assert carries_workflow_type(reference_target("http://127.0.0.1:1", mixed=True))
    assert not carries_workflow_type(reference_target("http://127.0.0.1:1"))


def _record(rows: list[tuple[str, str, float]]) -> StageRecorder:
    recorder = StageRecorder(0.0, 10.0, 1.0)
    for offset, (kind, outcome, elapsed) in enumerate(rows):
        recorder.started(float(offset), 0.0, 1.0, kind)
        recorder.ended(float(offset), outcome, elapsed, workflow_type=kind)  # type: ignore[arg-type]
    return recorder


def test_per_type_records_travel_as_json_and_merge_exactly() -> None:
    one = _record([("quick", "completed", 0.1), ("slow", "completed", 0.5)])
    two = _record([("quick", "failed", 0.2), ("slow", "completed", 0.7)])
    merged = merge_records([StageRecord.from_json(one.to_json()), StageRecord.from_json(two.to_json())])
    assert merged.counts["started"] == 4 and sorted(merged.types) == ["quick", "slow"]
    metrics = stage_metrics(merged, time_scale=1.0)
    assert metrics["started@quick"] == 2 and metrics["error_rate@quick"] == 0.5
    assert metrics["completed@slow"] == 2 and metrics["cycle_time_p50@slow"] == pytest.approx(0.5, rel=0.01)
    assert metrics["cycle_time_p50@quick"] == pytest.approx(0.1, rel=0.01)


def test_the_type_stream_leaves_the_other_streams_as_they_were() -> None:
    plan = StagePlan(0, "1x", 1.0, 5.0, 42, (1, 0))
    arrivals, identities = plan.streams(0)
    assert plan.type_stream(0).random() not in (arrivals.random(), identities.random())
    spec_data = {
        "target": {}, "time_scale": 1.0, "reference": True, "arrivals": "poisson", "profile": None,
        "warmup": 1.0, "window": 1.0, "drain": 1.0, "late_after": 0.1, "max_in_flight": 1, "max_requests": 1,
        "sample_interval": 0.1, "workers": 1, "out_dir": ".", "stages": [],
        "workflow_types": [["quick", 0.5], ["slow", 0.5]],
    }  # fmt: skip
    assert GeneratorSpec.from_json(spec_data).workflow_types == (("quick", 0.5), ("slow", 0.5))


@pytest.mark.timeout(120)
def test_the_reference_platform_measures_each_type_of_a_mix(tmp_path: Path) -> None:
    study = load_study(STUDY)
    stages = plan_stages(study, candidates=["Engine"])
    with ReferencePlatform(STUDY, "Engine") as platform:
        table = run_load_test(
            LoadPlan(study=study, candidate="Engine", stages=stages, base_url=platform.base_url, out_dir=tmp_path)
        )
    by_type = {
        kind: dict(zip(rows["metric"], rows["value"], strict=True))
        for kind, rows in table.frame.groupby("workflow_type")
    }
    assert sorted(by_type) == ["all", "quick", "slow"]
    whole, quick, slow = by_type["all"], by_type["quick"], by_type["slow"]
    assert quick["started"] + slow["started"] == whole["started"]
    assert 0.25 < quick["started"] / whole["started"] < 0.75  # half, drawn: about 80 workflows
    # the slow type waits a fixed 300 ms before its step; the quick one does not wait
    assert slow["cycle_time_p50"] - quick["cycle_time_p50"] == pytest.approx(0.3, abs=0.1)
    assert quick["cycle_time_p95"] < whole["cycle_time_p95"] <= slow["cycle_time_p95"]


def test_each_recorded_type_is_checked_against_its_own_slo() -> None:
    from evalkit.load import check_thresholds

    study = load_study(STUDY)
    types = {p.name: study.workflow_slo(p.name) for p in study.workload.processes}
    metrics = {
        "cycle_time_p95": 0.5, "error_rate": 0.0, "saturated": 0.0,
        "started@slow": 40.0, "cycle_time_p95@slow": 1.5, "error_rate@slow": 0.0,  # slow's SLO: 1 s
    }  # fmt: skip
    checks = {c.name: c for c in check_thresholds(metrics, study.slo, types)}
    assert checks["p95 cycle time"].passed and not checks["p95 cycle time (slow)"].passed
    assert checks["p95 cycle time (slow)"].describe() == "p95 cycle time (slow) 1.5 s <= 1 s: FAILED"
    assert "p95 cycle time (quick)" not in checks  # not recorded: not judged


def test_the_loadtest_stage_table_lists_each_type_under_the_whole_with_its_own_verdict() -> None:
    import io

    from rich.console import Console

    from evalkit.commands.loadtest import stage_table
    from evalkit.results import ResultTable, observations

    study = load_study(STUDY)
    metrics = {
        "offered_rate": 10.0, "cycle_time_p95": 0.5, "error_rate": 0.0, "saturated": 0.0,
        "started@slow": 40.0, "cycle_time_p95@slow": 1.5, "error_rate@slow": 0.0,  # slow's SLO: 1 s
        "started@quick": 60.0, "cycle_time_p95@quick": 0.2, "error_rate@quick": 0.0,
    }  # fmt: skip
    candidate = study.candidates[0]
    table = ResultTable.from_observations(
        observations(
            source="load",
            candidate=candidate.name,
            design=candidate.design,
            scenario="baseline",
            multiple=1.0,
            replication=1,
            metrics=metrics,
        )
    )
    console = Console(file=io.StringIO(), width=250)
    console.print(stage_table(table, study))
    lines = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    whole = next(line for line in lines if candidate.name in line)
    slow = next(line for line in lines if "│   slow" in line or "  slow " in line)
    quick = next(line for line in lines if "│   quick" in line or "  quick " in line)
    assert "pass" in whole  # the whole meets the study's SLO
    assert "FAIL p95" in slow and "1.5 s" in slow  # slow misses its own 1 s SLO
    assert "pass" in quick and "200 ms" in quick

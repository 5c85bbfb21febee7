"""The load harness's pure parts: arrivals, records, saturation, thresholds, the adapter, the plan."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from evalkit.errors import InputError, TargetError
from evalkit.load import check_thresholds, plan_stages
from evalkit.load.arrivals import arrival_offsets, mean_share
from evalkit.load.measurement import stage_metrics
from evalkit.load.recording import StageRecorder, merge_records
from evalkit.load.stages import stage_seed
from evalkit.load.targets import check_same_host, classify_status, expand_headers, render_body, resolve_pointer
from evalkit.study import Slo, Target, load_study
from evalkit.study.candidates import Completion, StartRequest
from evalkit.study.traffic import SpikeProfile


def test_poisson_arrivals_have_exponential_gaps_at_the_rate() -> None:
    offsets = arrival_offsets(200.0, 50.0, "poisson", np.random.default_rng(1))
    gaps = np.diff(offsets)
    assert abs(len(offsets) - 10_000) < 4 * math.sqrt(10_000)
    assert stats.kstest(gaps, "expon", args=(0, 1 / 200)).pvalue > 0.001


def test_constant_arrivals_from_several_processes_interleave_evenly() -> None:
    workers = 3
    parts = [arrival_offsets(10.0 / workers, 6.0, "constant", None, phase=k / workers) for k in range(workers)]  # type: ignore[arg-type]
    merged = np.sort(np.concatenate(parts))
    assert len(merged) == 60
    assert np.allclose(np.diff(merged), 0.1)


def test_thinned_arrivals_follow_the_profile() -> None:
    spike = SpikeProfile(kind="spike", base=1.0, factor=3.0, at=10.0, ramp=0.0, hold=10.0)
    offsets = arrival_offsets(50.0, 30.0, "poisson", np.random.default_rng(2), share=spike.share, max_share=3.0)
    inside = ((offsets >= 10) & (offsets < 20)).sum()
    outside = len(offsets) - inside
    assert abs(inside - 1500) < 4 * math.sqrt(1500) and abs(outside - 1000) < 4 * math.sqrt(1000)
    assert mean_share(spike.share, 0, 30) == pytest.approx(5 / 3, rel=0.01)


def test_merged_histograms_equal_the_histogram_of_the_union() -> None:
    rng = np.random.default_rng(3)
    samples = [rng.lognormal(-1, 0.8, 2000), rng.lognormal(-0.5, 0.5, 3000)]
    parts, whole = [], StageRecorder(0.0, 10.0, 0.1)
    for values in samples:
        part = StageRecorder(0.0, 10.0, 0.1)
        for value in values:
            for recorder in (part, whole):
                recorder.started(1.0, 0.0, 0.01)
                recorder.ended(1.0, "completed", float(value))
        parts.append(part)
    merged = merge_records([type(p).from_json(p.to_json()) for p in parts])
    for percentile in (50, 95, 99, 99.9):
        assert merged.cycle.get_value_at_percentile(percentile) == whole.cycle.get_value_at_percentile(percentile)
    assert merged.counts == whole.counts
    # 3 significant digits: the p95 is within 0.1% of the exact sample p95
    exact = np.percentile(np.concatenate(samples), 95)
    assert merged.cycle.get_value_at_percentile(95) / 1e6 == pytest.approx(exact, rel=2e-3)


def _record_with_backlog(slope: float, arrivals: int) -> StageRecorder:
    record = StageRecorder(2.0, 12.0, 0.1)
    record.counts["scheduled"] = record.counts["started"] = arrivals
    record.in_system = [round(5 + slope * max(t * 0.1 - 2.0, 0)) for t in range(121)]
    return record


def test_saturation_needs_growth_beyond_a_stable_queues_noise() -> None:
    # 10 s window, 400 arrivals: a tenth is 40, three Poisson sd are 60 -> the bar is 60 workflows
    assert stage_metrics(_record_with_backlog(8.0, 400), time_scale=1.0)["saturated"] == 1
    assert stage_metrics(_record_with_backlog(4.0, 400), time_scale=1.0)["saturated"] == 0
    flat = stage_metrics(_record_with_backlog(0.0, 400), time_scale=1.0)
    assert flat["saturated"] == 0 and flat["backlog_growth"] == pytest.approx(0.0, abs=1e-9)


def test_time_scale_converts_back_to_study_units() -> None:
    record = _record_with_backlog(2.0, 100)
    record.started(3.0, 0.0, 0.01)
    record.ended(3.0, "completed", 0.5)
    metrics = stage_metrics(record, time_scale=0.001)
    assert metrics["cycle_time_mean"] == pytest.approx(500.0)  # 0.5 real s at 1 ms per study s
    assert metrics["offered_rate"] == pytest.approx(100 / 10 * 0.001)
    assert metrics["backlog_growth"] == pytest.approx(2.0 * 0.001, rel=0.05)


def test_thresholds_fail_without_data_and_judge_each_slo() -> None:
    slo = Slo(p95_cycle_time=1.0, p99_cycle_time=2.0, max_error_rate=0.01)
    good = {"cycle_time_p95": 0.5, "cycle_time_p99": 1.5, "error_rate": 0.0, "saturated": 0.0}
    assert all(check.passed for check in check_thresholds(good, slo))
    bad = check_thresholds({**good, "cycle_time_p99": 2.5, "saturated": 1.0}, slo)
    assert [c.metric for c in bad if not c.passed] == ["cycle_time_p99", "saturated"]
    empty = check_thresholds({"cycle_time_p95": math.nan, "error_rate": math.nan, "saturated": 0.0}, slo)
    assert [c.passed for c in empty] == [False, False, False, True]
    assert "no data: FAILED" in empty[0].describe()


def test_adapter_pointer_body_headers_and_statuses() -> None:
    document = {"data": {"items": [{"id": "a/b"}]}, "x~y": 1}
    assert resolve_pointer(document, "/data/items/0/id") == "a/b"
    assert resolve_pointer(document, "/x~0y") == 1
    with pytest.raises(LookupError):
        resolve_pointer(document, "/data/missing")
    body = render_body({"n": "{{seq}}", "ref": "order-{{seq}}-{{uuid}}", "list": ["{{uuid}}", 3]}, 7, "U")
    assert body == {"n": 7, "ref": "order-7-U", "list": ["U", 3]}
    assert expand_headers({"Authorization": "Bearer ${EVALKIT_SECRET_T}"}, {"EVALKIT_SECRET_T": "abc"}) == {
        "Authorization": "Bearer abc"
    }
    with pytest.raises(TargetError, match=r"\$\{EVALKIT_SECRET_T\}"):
        expand_headers({"Authorization": "Bearer ${EVALKIT_SECRET_T}"}, {})
    completion = Completion(done=("DONE",), failed=("ERROR", "lost"))
    assert [classify_status(v, completion) for v in ("DONE", "ERROR", "lost", "RUNNING")] == [
        "completed",
        "failed",
        "lost",
        None,
    ]


def test_plan_stages_keys_and_common_arrivals(default_study_path) -> None:  # type: ignore[no-untyped-def]
    study = load_study(default_study_path)
    stages = plan_stages(study, candidates=["Domain Mesh"], multiples=[2, 1])
    assert [s.key for s in stages] == ["load|Domain Mesh|baseline|1.0|0", "load|Domain Mesh|baseline|2.0|0"]
    assert len(plan_stages(study)) == len(study.candidates) * len(study.traffic.multiples)
    with pytest.raises(InputError, match="unknown candidate"):
        plan_stages(study, candidates=["Nope"])
    # the arrival stream depends on the multiple and the process, not on the candidate
    assert stage_seed(1, 2.0, 0).generate_state(2).tolist() == stage_seed(1, 2.0, 0).generate_state(2).tolist()
    assert stage_seed(1, 2.0, 0).generate_state(2).tolist() != stage_seed(1, 2.0, 1).generate_state(2).tolist()


def test_public_api_is_curated() -> None:
    import evalkit.load

    assert sorted(evalkit.load.__all__) == [
        "FleetConfig",
        "LoadPlan",
        "LoadStage",
        "ReferencePlatform",
        "ThresholdCheck",
        "check_thresholds",
        "plan_stages",
        "run_load_test",
    ]


def test_a_target_talks_only_to_its_own_host() -> None:
    check_same_host(Target(base_url="http://a:8080", start=StartRequest(path="http://a:8080/start")))
    with pytest.raises(TargetError, match="another host"):
        check_same_host(Target(base_url="http://a:8080", start=StartRequest(path="http://b:8080/start")))

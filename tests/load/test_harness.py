"""The open-model harness: rates held, load never quietly reduced, bad targets handled, any API driven.

Every test runs real generator processes against a loopback target for a few seconds.
"""

from __future__ import annotations

import csv
import math
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from load_targets import BODIES, failing_app, hanging_app, instant_app, job_api_app, one_system_study

from evalkit.errors import TargetError
from evalkit.load import FleetConfig, LoadPlan, plan_stages, run_load_test

pytestmark = pytest.mark.timeout(120)
STAGE_SECONDS = 3
FAST = {"stage_warmup": "1 s", "stage_duration": f"{STAGE_SECONDS} s", "drain_timeout": "1 s"}
SYNC_WORK = {"start": {"path": "/work"}, "completion": {"mode": "sync"}}


def metrics_of(table, multiple: float = 1.0) -> dict[str, float]:  # type: ignore[no-untyped-def]
    rows = table.select(multiple=multiple)
    return dict(zip(rows["metric"], rows["value"], strict=True))


def test_pipeline_api_does_not_import_gevent_or_locust() -> None:
    code = (
        "import sys, evalkit.load, evalkit.pipeline\n"
        "from evalkit.load import ReferencePlatform, plan_stages, run_load_test, check_thresholds\n"
        "print(sorted(m for m in ('gevent', 'locust') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_constant_rate_is_held_within_two_percent(serve, write_study_dict, tmp_path: Path) -> None:
    server = serve(instant_app())
    target = {"base_url": server.base_url, **SYNC_WORK}
    _, study = write_study_dict(
        one_system_study(peak_rate="150/s", multiples=[1], target=target, load=FAST, arrivals="constant")
    )
    metrics = metrics_of(
        run_load_test(LoadPlan(study=study, candidate="target", stages=plan_stages(study), out_dir=tmp_path / "out"))
    )
    assert metrics["offered_rate"] == pytest.approx(150, rel=0.01)
    assert metrics["achieved_rate"] == pytest.approx(metrics["offered_rate"], rel=0.02)
    assert metrics["completed"] == metrics["started"] and metrics["dropped_starts"] == 0
    # the loopback round trip, measured before the stage, is stated as the resolution (not subtracted)
    assert 0 < metrics["client_resolution"] < 0.05 and metrics["client_resolution"] < metrics["cycle_time_p50"]


def test_two_generator_processes_share_a_poisson_rate(serve, write_study_dict, tmp_path: Path) -> None:
    server = serve(instant_app())
    target = {"base_url": server.base_url, **SYNC_WORK}
    _, study = write_study_dict(one_system_study(peak_rate="120/s", multiples=[1], target=target, load=FAST))
    out = tmp_path / "out"
    metrics = metrics_of(
        run_load_test(
            LoadPlan(study=study, candidate="target", stages=plan_stages(study), out_dir=out), FleetConfig(processes=2)
        )
    )
    expected = 120 * STAGE_SECONDS
    # the superposition of the two processes' streams is Poisson at the whole rate
    assert abs(metrics["offered_rate"] * STAGE_SECONDS - expected) < 4 * math.sqrt(expected)
    assert metrics["achieved_rate"] == pytest.approx(metrics["offered_rate"], rel=0.02)
    assert metrics["completed"] == metrics["started"]
    assert (out / "1x-worker0_stats.csv").is_file() and (out / "1x-worker1_stats.csv").is_file()


def test_unreachable_target_is_refused_in_one_line(write_study_dict, tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    target = {"base_url": f"http://127.0.0.1:{port}", **SYNC_WORK}
    _, study = write_study_dict(one_system_study(peak_rate="10/s", multiples=[1], target=target, load=FAST))
    with pytest.raises(TargetError, match="cannot connect"):
        run_load_test(LoadPlan(study=study, candidate="target", stages=plan_stages(study), out_dir=tmp_path / "out"))


def test_http_500s_are_an_error_rate_and_a_breach_stops_the_ramp(serve, write_study_dict, tmp_path: Path) -> None:
    server = serve(failing_app())
    target = {"base_url": server.base_url, **SYNC_WORK}
    load = {**FAST, "abort_on_breach": True}
    _, study = write_study_dict(one_system_study(peak_rate="20/s", multiples=[1, 2], target=target, load=load))
    out = tmp_path / "out"
    table = run_load_test(LoadPlan(study=study, candidate="target", stages=plan_stages(study), out_dir=out))
    assert set(table.frame["multiple"]) == {1.0}  # the 2x stage was not run against a failing target
    metrics = metrics_of(table)
    assert metrics["started"] > 0 and metrics["lost"] == metrics["started"]
    assert metrics["error_rate"] == 1.0 and metrics["completed"] == 0
    with (out / "1x_stats.csv").open() as stream:
        aggregated = next(row for row in csv.DictReader(stream) if row["Name"] == "Aggregated")
    assert int(aggregated["Failure Count"]) == int(aggregated["Request Count"]) > 0


def test_a_hanging_target_gives_counted_timeouts_and_the_stage_still_ends(
    serve, write_study_dict, tmp_path: Path
) -> None:
    server = serve(hanging_app())
    target = {"base_url": server.base_url, **SYNC_WORK, "timeout": "60 s", "workflow_timeout": "60 s"}
    load = {"stage_warmup": "0.5 s", "stage_duration": "2 s", "drain_timeout": "0.5 s"}
    _, study = write_study_dict(one_system_study(peak_rate="25/s", multiples=[1], target=target, load=load))
    metrics = metrics_of(
        run_load_test(LoadPlan(study=study, candidate="target", stages=plan_stages(study), out_dir=tmp_path / "out"))
    )
    assert metrics["started"] > 0 and metrics["timeouts"] == metrics["started"]
    assert metrics["completed"] == 0 and math.isnan(metrics["error_rate"])  # nothing ended: no rate to claim
    assert metrics["saturated"] == 1
    assert metrics["cycle_time_p50"] >= study.load.drain_timeout  # given up on, at their age: a lower bound


def test_generic_adapter_polls_an_async_job_api_with_a_secret_header(
    serve, write_study_dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = job_api_app(duration=0.1, token="s3cret")
    server = serve(app)
    target = {
        "base_url": server.base_url,
        "start": {"path": "/api/jobs", "body": {"order": "{{seq}}", "key": "k-{{uuid}}"}, "id_pointer": "/data/jobId"},
        "completion": {
            "mode": "poll",
            "status_path": "/api/jobs/{id}",
            "status_pointer": "/job/state",
            "done": ["DONE"],
            "failed": ["ERROR"],
            "poll_interval": "20ms",
        },
        "headers": {"Authorization": "Bearer ${EVALKIT_SECRET_TEST_TOKEN}"},
    }
    _, study = write_study_dict(one_system_study(peak_rate="20/s", multiples=[1], target=target, load=FAST))
    with pytest.raises(TargetError, match="EVALKIT_SECRET_TEST_TOKEN"):
        run_load_test(
            LoadPlan(study=study, candidate="target", stages=plan_stages(study), out_dir=tmp_path / "refused")
        )
    monkeypatch.setenv("EVALKIT_SECRET_TEST_TOKEN", "s3cret")
    metrics = metrics_of(
        run_load_test(LoadPlan(study=study, candidate="target", stages=plan_stages(study), out_dir=tmp_path / "out"))
    )
    assert metrics["started"] > 0 and metrics["completed"] == metrics["started"]
    assert metrics["error_rate"] == 0
    # done after 0.1 s, seen at the next poll: between 0.1 s and a poll interval (plus overhead) later
    assert 0.1 <= metrics["cycle_time_mean"] <= 0.1 + 0.02 + 0.03
    bodies = app[BODIES]
    assert len({body["order"] for body in bodies}) == len(bodies) and all(isinstance(b["order"], int) for b in bodies)
    assert all(body["key"].startswith("k-") and len(body["key"]) == 38 for body in bodies)

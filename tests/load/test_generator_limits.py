"""The generator's own limits are not charged to the platform: generator-limited stages, polling.

A stage whose late starts pass 1% (at least 10 of them), or whose generator used more than 90% of
a core, measured the generator; the analysis must draw nothing about the platform from it. Dropped
starts alone (the in-flight pool full behind a slow platform) are the platform's overload.
Polls are capped in flight and back off on a busy target, and their rate is reported.
"""

from __future__ import annotations

import asyncio
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from load_targets import ThreadedServer, instant_app, one_system_study

from evalkit.analysis import analyse
from evalkit.load import LoadPlan, plan_stages, run_load_test
from evalkit.load.measurement import generator_advice, stage_metrics
from evalkit.load.recording import StageRecorder
from evalkit.results import ResultTable, observations

pytestmark = pytest.mark.timeout(120)


def _generator_constants() -> tuple[int, float]:
    """The client's poll cap and back-off, read in a child: importing it here would let Locust
    monkey-patch this test process with gevent."""
    code = "from evalkit.load.generator.client import MAX_BACKOFF as b, MAX_POLLS_IN_FLIGHT as n; print(n, b)"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return int(found[0]), float(found[1])


def _record(started: int = 1000, late: int = 0, dropped: int = 0, cpu: float = 0.3) -> StageRecorder:
    record = StageRecorder(1.0, 11.0, 0.1)
    record.counts.update(scheduled=started + dropped, started=started, late=late, dropped=dropped)
    record.generator_cpu = cpu
    return record


@pytest.mark.parametrize(
    ("late", "dropped", "cpu", "limited"),
    [(0, 0, 0.3, 0), (10, 0, 0.3, 0), (11, 0, 0.3, 1), (0, 1, 0.3, 0), (0, 0, 0.95, 1), (0, 0, math.nan, 0),
     (20, 50, 0.3, 1)],
)  # fmt: skip
def test_late_or_busy_generator_marks_the_stage(late: int, dropped: int, cpu: float, limited: int) -> None:
    metrics = stage_metrics(_record(late=late, dropped=dropped, cpu=cpu), time_scale=1.0)
    assert metrics["generator_limited"] == limited
    advice = generator_advice("4x", metrics)
    assert (advice is None) == (not limited)
    if advice:
        assert "--load-processes" in advice and "--load-workers" in advice and "\n" not in advice


def _rows(source: str, multiple: float, **metrics: float) -> list[Any]:
    base = {
        "offered_rate": 10 * multiple,
        "completed_rate": 10 * multiple,
        "started": 100.0,
        "cycle_time_p95": 0.2,
        "cycle_time_p99": 0.3,
        "error_rate": 0.0,
        "backlog_growth": 0.0,
        "saturated": 0.0,
    }
    return observations(
        source=source,
        candidate="target",
        design="centralized",
        scenario="baseline",
        multiple=multiple,
        replication=0,
        metrics={**base, **metrics},
    )


def test_a_generator_limited_cell_is_no_knock_out_degradation_point_or_model_error(write_study_dict) -> None:
    _, study = write_study_dict(one_system_study(peak_rate="10/s", multiples=[1, 2, 3], target=None, load={}))
    rows = [row for m in (1.0, 2.0, 3.0) for row in _rows("sim", m)]
    rows += _rows("load", 1.0, generator_limited=0.0) + _rows("load", 2.0, generator_limited=0.0)
    # the generator could not keep up at 3x: it reads saturated and slow, but that was the generator
    rows += _rows("load", 3.0, generator_limited=1.0, saturated=1.0, cycle_time_p95=9.0, backlog_growth=50.0)
    found = analyse(study, ResultTable.from_observations(rows)).candidate("target")
    assert found is not None
    load = found.sources["load"]
    assert list(load.curve.multiples) == [1.0, 2.0]
    assert load.sustainable.never_broke  # ">= 2x": not "fails at 3x"
    assert [error.multiple for error in found.model_vs_measured] == [1.0, 2.0]


def test_an_overloaded_generator_never_yields_a_platform_verdict(serve, write_study_dict, tmp_path: Path) -> None:
    server = serve(instant_app())
    target = {"base_url": server.base_url, "start": {"path": "/work"}, "completion": {"mode": "sync"}}
    load = {"stage_warmup": "0.5 s", "stage_duration": "2 s", "drain_timeout": "1 s", "max_in_flight": 50}
    _, study = write_study_dict(one_system_study(peak_rate="20000/s", multiples=[1], target=target, load=load))
    said: list[str] = []
    plan = LoadPlan(study=study, candidate="target", stages=plan_stages(study), out_dir=tmp_path / "o")
    table = run_load_test(plan, progress=lambda label, fraction: said.append(label))
    metrics = dict(zip(table.frame["metric"], table.frame["value"], strict=True))
    assert metrics["generator_limited"] == 1
    advice = [line for line in said if "generator-limited" in line]
    assert len(advice) == 1 and "--load-processes" in advice[0]  # one line, saying how to fix it
    analysis = analyse(study, table)
    assert analysis.candidate("target") is None  # nothing conclusive about the platform
    assert analysis.metric("target", "max_sustainable_multiple", source="load").missing


def _polled_job_app(duration: float, poll_hold: float, busy: bool) -> tuple[web.Application, dict[str, int]]:
    """Jobs that finish after ``duration``; each poll is held ``poll_hold`` s, answered 503 when ``busy``."""
    jobs: dict[str, float] = {}
    seen = {"polls": 0, "in_flight": 0, "most_in_flight": 0}

    async def submit(request: web.Request) -> web.Response:
        job = str(len(jobs))
        jobs[job] = asyncio.get_running_loop().time() + duration
        return web.json_response({"id": job})

    async def status(request: web.Request) -> web.Response:
        seen["polls"] += 1
        seen["in_flight"] += 1
        seen["most_in_flight"] = max(seen["most_in_flight"], seen["in_flight"])
        try:
            await asyncio.sleep(poll_hold)
        finally:
            seen["in_flight"] -= 1
        if busy:
            return web.json_response({"error": "busy"}, status=503)
        done = asyncio.get_running_loop().time() >= jobs[request.match_info["job"]]
        return web.json_response({"status": "completed" if done else "running"})

    app = web.Application()
    app.router.add_post("/jobs", submit)
    app.router.add_get("/jobs/{job}", status)
    return app, seen


def _poll_study(base_url: str, rate: float, interval: str) -> dict[str, Any]:
    target = {
        "base_url": base_url,
        "start": {"path": "/jobs", "id_pointer": "/id"},
        "completion": {"mode": "poll", "status_path": "/jobs/{id}", "poll_interval": interval},
        "workflow_timeout": "30 s",
    }
    load = {"stage_warmup": "0.5 s", "stage_duration": "3 s", "drain_timeout": "0.5 s"}
    return one_system_study(peak_rate=f"{rate}/s", multiples=[1], target=target, load=load)


def _run(study_dict, write_study_dict, out: Path) -> dict[str, float]:  # type: ignore[no-untyped-def]
    _, study = write_study_dict(study_dict)
    table = run_load_test(LoadPlan(study=study, candidate="target", stages=plan_stages(study), out_dir=out))
    return dict(zip(table.frame["metric"], table.frame["value"], strict=True))


def test_polls_in_flight_are_capped(serve, write_study_dict, tmp_path: Path) -> None:
    # 200 workflows/s that never finish, each poll held 0.5 s, polled every 20 ms: unchecked,
    # hundreds of polls would be outstanding at once
    cap, _ = _generator_constants()
    app, seen = _polled_job_app(duration=60, poll_hold=0.5, busy=False)
    server = serve(app)
    metrics = _run(_poll_study(server.base_url, 200, "20ms"), write_study_dict, tmp_path / "out")
    assert seen["most_in_flight"] > cap / 2  # the cap was reached...
    assert seen["most_in_flight"] <= cap  # ...and held
    assert metrics["polls_per_second"] > 0


def test_polls_back_off_on_a_busy_target_and_are_counted(write_study_dict, tmp_path: Path) -> None:
    _, backoff = _generator_constants()
    quiet_app, quiet = _polled_job_app(duration=60, poll_hold=0.0, busy=False)
    busy_app, busy = _polled_job_app(duration=60, poll_hold=0.0, busy=True)
    with ThreadedServer(quiet_app) as server:
        plain = _run(_poll_study(server.base_url, 20, "50ms"), write_study_dict, tmp_path / "quiet")
    with ThreadedServer(busy_app) as server:
        backed_off = _run(_poll_study(server.base_url, 20, "50ms"), write_study_dict, tmp_path / "busy")
    # 20/s for 3.5 s, each polled every ~50 ms until the end: in the window about 20·t/0.05 per second
    assert plain["polls_per_second"] == pytest.approx(quiet["polls"] / 4.5, rel=0.5)
    assert backed_off["polls_per_second"] < plain["polls_per_second"] * 3 / backoff
    assert busy["polls"] < quiet["polls"]


def test_a_few_late_starts_in_a_small_stage_are_jitter_not_a_limited_generator() -> None:
    """1 late start of 24 is 4%, but it is the shared machine's scheduler, not the generator."""
    metrics = stage_metrics(_record(started=24, late=1), time_scale=1.0)
    assert metrics["generator_limited"] == 0
    assert stage_metrics(_record(started=24, late=12), time_scale=1.0)["generator_limited"] == 1


def test_dropped_starts_behind_a_slow_platform_are_its_overload() -> None:
    metrics = stage_metrics(_record(started=1000, dropped=40), time_scale=1.0)
    assert metrics["generator_limited"] == 0 and metrics["saturated"] == 1

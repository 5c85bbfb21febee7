"""Celery 5 + Flower, really: the load harness against a live engine whose capacity is known.

The worker has 4 slots and each workflow is one task sleeping 0.25 s, so the engine completes at
most 4 / 0.25 = 16 workflows per second. A loopback proxy in front of Flower answers 503 to every
start whose sequence number ends in 5 (the engine itself never pushes back at these rates), and
every sequence number ending in 0 asks the task to sleep a negative time, which fails it. Two
stages: 4/s (utilisation 0.2) and 32/s (offered successful work 1.6 times the capacity).
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from aiohttp import ClientSession, web
from load_targets import ThreadedServer, one_system_study

from evalkit.load import LoadPlan, plan_stages, run_load_test
from evalkit.study import load_study

pytestmark = [pytest.mark.timeout(180)]
SLOTS, TASK_TIME = 4, 0.25
CAPACITY = SLOTS / TASK_TIME


def rejecting_proxy(upstream: str) -> web.Application:
    """Forwards to Flower, except starts whose sequence number ends in 5: 503 with Retry-After."""

    async def forward(request: web.Request) -> web.Response:
        body = await request.read()
        if request.method == "POST" and int(json.loads(body)["args"][1]) % 10 == 5:
            return web.json_response({"error": "busy"}, status=503, headers={"Retry-After": "1"})
        async with (
            ClientSession() as session,
            session.request(
                request.method, upstream + request.path_qs, data=body, headers={"Content-Type": "application/json"}
            ) as answer,
        ):
            return web.Response(status=answer.status, body=await answer.read(), content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", forward)
    return app


def by_multiple(table) -> dict[float, dict[str, float]]:  # type: ignore[no-untyped-def]
    frame = table.frame
    return {
        multiple: dict(zip(rows["metric"], rows["value"], strict=True)) for multiple, rows in frame.groupby("multiple")
    }


def test_celery_counts_saturation_failures_and_back_pressure(celery_kit: ModuleType, tmp_path: Path) -> None:
    with ThreadedServer(rejecting_proxy(celery_kit.base_url())) as proxy:
        target = celery_kit.target("evalkit.sleep", [TASK_TIME, "{{seq}}", 10], poll_interval="100ms")
        target["base_url"] = proxy.base_url
        load = {"stage_warmup": 1, "stage_duration": 5, "drain_timeout": 2}
        study_dict = one_system_study(
            peak_rate=4, multiples=[1, 8], target=target, load=load, arrivals="constant", service="250ms"
        )
        study_dict["slo"] = {"p95_cycle_time": "10s", "max_error_rate": "50%"}
        path = tmp_path / "celery.yaml"
        path.write_text(yaml.safe_dump(study_dict, sort_keys=False), encoding="utf-8")
        study = load_study(path)
        table = run_load_test(LoadPlan(study=study, candidate="target", stages=plan_stages(study), out_dir=tmp_path))
    stages = by_multiple(table)
    low, high = stages[1.0], stages[8.0]
    print({m: {k: round(v, 3) for k, v in s.items() if not k.startswith("errors_")} for m, s in stages.items()})
    for metrics in (low, high):
        started = metrics["started"]
        # every cohort workflow is accounted for: completions = started - failed - rejected - backlog given up
        ended_otherwise = metrics["failed"] + metrics["rejected"] + metrics["lost"] + metrics["timeouts"]
        assert metrics["completed"] == started - ended_otherwise
        assert metrics["lost"] == 0
        # the cohort is consecutive sequence numbers: a tenth (±1) end in 5 (rejected at the start)
        assert abs(metrics["rejected"] - started / 10) <= 1, metrics["rejected"]
        assert metrics["rejected_share"] == pytest.approx(metrics["rejected"] / started)
        assert metrics["requests_per_workflow"] >= 1.5  # a start and at least a poll, most of them
    assert low["timeouts"] == 0 and low["saturated"] == 0
    assert (
        abs(low["failed"] - low["started"] / 10) <= 1
    )  # the negative sleeps (past saturation some wait in the backlog)
    assert low["completed_rate"] == pytest.approx(4 * 0.8, rel=0.2)
    # past saturation the engine completes what its slots allow, and the backlog grows
    assert high["saturated"] == 1
    assert abs(high["completed_rate"] - CAPACITY) <= 0.2 * CAPACITY, high["completed_rate"]


def test_the_order_process_runs_as_a_celery_canvas(celery_kit: ModuleType) -> None:
    request = urllib.request.Request(
        f"{celery_kit.base_url()}/api/task/async-apply/evalkit.order",
        data=json.dumps({"args": [0.1]}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        task = json.loads(answer.read())["task-id"]
    from kitlib import wait_for

    def done() -> bool:
        with urllib.request.urlopen(f"{celery_kit.base_url()}/api/task/result/{task}", timeout=5) as answer:
            result = json.loads(answer.read())
        return result["state"] == "SUCCESS" and result["result"] == "notify-customer"

    wait_for(done, 20, "the order process")

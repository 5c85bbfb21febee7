"""The checks every kit passes: two load stages through a back-pressure proxy, with known truth.

Each kit's one-step workflow sleeps ``task_time`` on a worker with ``slots`` concurrent slots, so
the engine completes at most ``slots / task_time`` workflows per second. The start path carries
``?seq={{seq}}``; a loopback proxy in front of the engine strips it and answers 503 (with
``Retry-After``) to every start whose sequence number ends in 5, since no engine pushes back at
these rates. The workflow fails (a negative sleep) when its sequence number ends in 0. Stage 1
offers ``rate`` (light load), stage 2 ``high`` times as much (past saturation).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import ClientSession, web
from load_targets import ThreadedServer, one_system_study

from evalkit.load import LoadPlan, plan_stages, run_load_test
from evalkit.study import load_study

_SEQ = re.compile(r"[?&]seq=(\d+)")


SESSION = web.AppKey("session", ClientSession)


def rejecting_proxy(upstream: str) -> web.Application:
    """Forwards to the engine with ``seq`` stripped; 503 for starts whose sequence number ends in 5."""

    async def forward(request: web.Request) -> web.Response:
        match = _SEQ.search(request.path_qs)
        if match and int(match.group(1)) % 10 == 5:
            return web.json_response({"error": "busy"}, status=503, headers={"Retry-After": "1"})
        path = _SEQ.sub("", request.path_qs)
        body = await request.read()
        session = request.app[SESSION]
        headers = {"Content-Type": "application/json"}
        if "X-N8N-API-KEY" in request.headers:  # n8n's status polls need its API key
            headers["X-N8N-API-KEY"] = request.headers["X-N8N-API-KEY"]
        async with session.request(request.method, upstream + path, data=body, headers=headers) as answer:
            return web.Response(status=answer.status, body=await answer.read(), content_type="application/json")

    async def session(app: web.Application):  # type: ignore[no-untyped-def]
        # one pool of kept-alive connections: a new connection per request cost the proxy more CPU
        # than the engine spent, on a 2-core machine
        app[SESSION] = ClientSession()
        yield
        await app[SESSION].close()

    app = web.Application()
    app.cleanup_ctx.append(session)
    app.router.add_route("*", "/{tail:.*}", forward)
    return app


def run_two_stages(
    target: dict[str, Any],
    tmp_path: Path,
    *,
    rate: float,
    high: float,
    window: float = 5,
    drain: float = 2,
    warmup: float = 1,
) -> dict[float, dict[str, float]]:
    """Load-test ``target`` (its start path gains ``?seq=``) through the proxy; metrics by multiple.

    ``warmup`` should outlast one workflow, so the completed rate is counted with the engine's
    slots already full rather than while the first workflows are still running."""
    with ThreadedServer(rejecting_proxy(target["base_url"])) as proxy:
        target = {**target, "base_url": proxy.base_url}
        start = dict(target["start"])
        start["path"] += ("&" if "?" in start["path"] else "?") + "seq={{seq}}"
        target["start"] = start
        load = {"stage_warmup": f"{warmup} s", "stage_duration": f"{window} s", "drain_timeout": f"{drain} s"}
        study_dict = one_system_study(
            peak_rate=f"{rate}/s", multiples=[1, high], target=target, load=load, arrivals="constant"
        )
        study_dict["slo"] = {"p95_cycle_time": "30s", "max_error_rate": "50%"}
        path = tmp_path / "study.yaml"
        path.write_text(yaml.safe_dump(study_dict, sort_keys=False), encoding="utf-8")
        study = load_study(path)
        table = run_load_test(LoadPlan(study=study, candidate="target", stages=plan_stages(study), out_dir=tmp_path))
    frame = table.frame
    stages = {
        multiple: dict(zip(rows["metric"], rows["value"], strict=True)) for multiple, rows in frame.groupby("multiple")
    }
    shown = (
        "started",
        "completed",
        "failed",
        "rejected",
        "timeouts",
        "lost",
        "completed_rate",
        "saturated",
        "engine_cpu_seconds",
        "carried_in",
    )
    print(
        {m: {k: round(s[k], 3) for k in (*shown, "requests_per_workflow", "cycle_time_p50")} for m, s in stages.items()}
    )
    return stages


def check_stages(stages: dict[float, dict[str, float]], *, rate: float, high: float, capacity: float) -> None:
    """The kit checks: completions = started - backlog, failures, rejections, the saturation rate."""
    low, past = stages[1.0], stages[float(high)]
    for metrics in (low, past):
        started = metrics["started"]
        # every cohort workflow is accounted for: completions = started - failed - rejected - backlog given up
        assert metrics["completed"] == started - metrics["failed"] - metrics["rejected"] - metrics["timeouts"]
        assert metrics["lost"] == 0
        # the cohort is consecutive sequence numbers: a tenth (±1) end in 5, rejected at the start
        assert abs(metrics["rejected"] - started / 10) <= 1, metrics["rejected"]
        assert metrics["rejected_share"] == pytest.approx(metrics["rejected"] / started)
        assert metrics["requests_per_workflow"] >= 1.5  # a start and polls for most
        assert metrics["engine_cpu_seconds"] > 0 and metrics["engine_peak_memory"] > 10  # the kit's processes
    assert low["timeouts"] == 0 and low["saturated"] == 0
    assert abs(low["failed"] - low["started"] / 10) <= 1  # the negative sleeps, all ended by the drain
    assert low["completed_rate"] == pytest.approx(rate * 0.8, rel=0.2)
    # past saturation the engine completes what its slots allow, and the backlog grows
    assert past["saturated"] == 1
    assert abs(past["completed_rate"] - capacity) <= 0.2 * capacity, (past["completed_rate"], capacity)

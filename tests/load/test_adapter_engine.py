"""The generic adapter against in-process fakes of real engines' HTTP contracts (known truth).

The fake engine decides each workflow's fate by its sequence number, which the adapter puts in
the start path, so every class of outcome is present in a known share of the cohort: completed,
failed by status code, rejected by back-pressure, 4xx, 5xx, a status value the target does not
know (protocol) and a start call that never answers (read timeout).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from load_targets import one_system_study

from evalkit.errors import EvalkitError, InputError
from evalkit.load import LoadPlan, plan_stages, run_load_test

pytestmark = pytest.mark.timeout(120)
FAST = {"stage_warmup": "1 s", "stage_duration": "3 s", "drain_timeout": "1.5 s"}
FATES = 8  # seq % 8 picks the fate below
SEEN = web.AppKey("seen", list)


def metrics_of(table) -> dict[str, float]:  # type: ignore[no-untyped-def]
    rows = table.select(multiple=1.0)
    return dict(zip(rows["metric"], rows["value"], strict=True))


def engine_app() -> web.Application:
    """Starts at POST /wf/w-{seq} (the client names the id); GET /wf/{id} answers 470 while running."""
    due: dict[str, tuple[float, str]] = {}

    async def start(request: web.Request) -> web.Response:
        workflow = request.match_info["id"]
        fate = int(workflow.removeprefix("w-")) % FATES
        if fate == 3:
            return web.json_response({"error": "bad request"}, status=400)
        if fate == 4:
            return web.json_response({"error": "engine broke"}, status=500)
        if fate == 5:
            return web.json_response({"error": "busy"}, status=503, headers={"Retry-After": "0"})
        if fate == 7:
            await asyncio.sleep(1.0)  # longer than the target's timeout: no answer in time
            return web.json_response({})
        final = {2: "FAILED", 6: "WEIRD"}.get(fate, "DONE")
        due[workflow] = (asyncio.get_running_loop().time() + 0.05, final)
        return web.json_response({"runId": "r"}, status=201)

    async def status(request: web.Request) -> web.Response:
        at, final = due[request.match_info["id"]]
        if asyncio.get_running_loop().time() < at:
            return web.json_response({"status": "RUNNING"}, status=470)
        if final == "FAILED":
            return web.json_response({"status": "FAILED"}, status=500)
        return web.json_response({"status": final})

    app = web.Application()
    app.router.add_post("/wf/{id}", start)
    app.router.add_get("/wf/{id}", status)
    return app


def test_every_failure_class_is_told_apart_and_requests_are_counted(serve, write_study_dict, tmp_path: Path) -> None:
    server = serve(engine_app())
    target = {
        "base_url": server.base_url,
        "start": {"path": "/wf/{{id}}", "id": "w-{{seq}}", "body": {"input": "{{uuid}}"}},
        "completion": {
            "status_path": "/wf/{id}",
            "status_pointer": "/status",
            "done": ["DONE"],
            "failed": ["FAILED"],
            "pending": ["RUNNING"],
            "pending_status": [470],
            "failed_status": [500],
            "poll_interval": "20ms",
        },
        "timeout": "0.4 s",
    }
    study_dict = one_system_study(peak_rate="40/s", multiples=[1], target=target, load=FAST, arrivals="constant")
    _, study = write_study_dict(study_dict)
    metrics = metrics_of(
        run_load_test(LoadPlan(study=study, candidate="target", stages=plan_stages(study), out_dir=tmp_path / "out"))
    )
    started = metrics["started"]
    share = started / FATES  # the cohort is a run of consecutive sequence numbers
    assert started > 80
    ended = sum(metrics[name] for name in ("completed", "failed", "lost", "rejected", "timeouts"))
    assert ended == started and metrics["timeouts"] == 0
    assert abs(metrics["completed"] - 2 * share) <= 2  # fates 0 and 1
    for name in ("failed", "rejected", "errors_http_4xx", "errors_http_5xx", "errors_protocol", "errors_read_timeout"):
        assert abs(metrics[name] - share) <= 1, (name, metrics[name], share)
    assert metrics["errors_connection_refused"] == metrics["errors_connect_timeout"] == 0
    assert metrics["lost"] == sum(metrics[f"errors_{c}"] for c in ("http_4xx", "http_5xx", "protocol", "read_timeout"))
    assert metrics["rejected_share"] == pytest.approx(metrics["rejected"] / started)
    # polled workflows send a start and at least two polls (470 first, then the answer); the others one start
    assert 1.2 < metrics["requests_per_workflow"] < 4
    # only completed workflows have a cycle time here: the read timeouts never got an answer
    assert metrics["cycle_time_p95"] < 0.4


def test_completion_by_status_code_alone_and_retry_after_honoured(serve, write_study_dict, tmp_path: Path) -> None:
    tries: dict[str, int] = {}

    async def run(request: web.Request) -> web.Response:
        key = request.match_info["key"]
        tries[key] = tries.get(key, 0) + 1
        if tries[key] == 1:
            return web.Response(status=429, headers={"Retry-After": "0.2"})
        return web.Response(status=500 if int(key) % 4 == 0 else 200, text="not json")

    app = web.Application()
    app.router.add_post("/run/{key}", run)
    server = serve(app)
    target = {
        "base_url": server.base_url,
        "start": {"path": "/run/{{seq}}", "retries": 2},
        "completion": {"mode": "sync", "status_pointer": None, "done_status": [200], "failed_status": [500]},
    }
    study_dict = one_system_study(peak_rate="20/s", multiples=[1], target=target, load=FAST, arrivals="constant")
    _, study = write_study_dict(study_dict)
    metrics = metrics_of(
        run_load_test(LoadPlan(study=study, candidate="target", stages=plan_stages(study), out_dir=tmp_path / "out"))
    )
    started = metrics["started"]
    assert started > 40 and metrics["rejected"] == 0 and metrics["lost"] == 0
    assert abs(metrics["failed"] - started / 4) <= 1
    assert metrics["completed"] + metrics["failed"] == started
    assert metrics["requests_per_workflow"] == 2.0
    assert metrics["cycle_time_p50"] >= 0.2  # waited as Retry-After said, timed from the intended start


def sink_app() -> web.Application:
    """Records every request it is sent: path, headers and body."""
    seen: list[str] = []

    async def anything(request: web.Request) -> web.Response:
        seen.append(f"{request.method} {request.path_qs} {dict(request.headers)} {await request.text()}")
        return web.json_response({"id": "1", "status": "completed"})

    app = web.Application()
    app[SEEN] = seen
    app.router.add_route("*", "/{tail:.*}", anything)
    return app


@pytest.mark.parametrize(
    "where",
    [
        {"headers": {"X-Trace": "${EVALKIT_TEST_CLOUD_KEY}"}},
        {"start": {"path": "/w?k=${EVALKIT_TEST_CLOUD_KEY}"}},
        {"start": {"path": "/w", "body": {"k": "${EVALKIT_TEST_CLOUD_KEY}"}}},
        {"completion": {"status_path": "/w/{id}?k=${EVALKIT_TEST_CLOUD_KEY}"}},
    ],
)
def test_a_disallowed_variable_is_never_sent(
    where: dict[str, Any], serve, write_study_dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = sink_app()
    server = serve(app)
    monkeypatch.setenv("EVALKIT_TEST_CLOUD_KEY", "hunter2")
    monkeypatch.delenv("EVALKIT_ALLOW_ENV", raising=False)
    target = {"base_url": server.base_url, "start": {"path": "/w"}, "completion": {"mode": "sync"}, **where}
    _, study = write_study_dict(one_system_study(peak_rate="20/s", multiples=[1], target=target, load=FAST))
    with pytest.raises(EvalkitError, match="EVALKIT_TEST_CLOUD_KEY") as refused:
        run_load_test(LoadPlan(study=study, candidate="target", stages=plan_stages(study), out_dir=tmp_path / "out"))
    assert app[SEEN] == [] and "hunter2" not in str(refused.value)
    # allowed by the runner, the same study runs, and the value is sent
    monkeypatch.setenv("EVALKIT_ALLOW_ENV", "EVALKIT_TEST_CLOUD_KEY")
    metrics = metrics_of(
        run_load_test(LoadPlan(study=study, candidate="target", stages=plan_stages(study), out_dir=tmp_path / "ok"))
    )
    assert metrics["completed"] > 0 and any("hunter2" in line for line in app[SEEN])


def test_a_metadata_target_is_refused_before_any_request(write_study_dict, tmp_path: Path) -> None:
    target = {"base_url": "http://169.254.169.254", "completion": {"mode": "sync"}}
    _, study = write_study_dict(one_system_study(peak_rate="20/s", multiples=[1], target=target, load=FAST))
    with pytest.raises(InputError, match="cloud-metadata"):
        run_load_test(LoadPlan(study=study, candidate="target", stages=plan_stages(study), out_dir=tmp_path / "out"))

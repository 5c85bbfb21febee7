"""Backlog spill between stages on a live target, against an in-process fake engine (known truth).

A live engine cannot be reset between stages: workflows a stage's drain gave up on keep running
there and load the next stage. The fake engine runs every workflow for exactly ``DURATION``
seconds and notes how many of its workflows were running at each start. The drain is shorter
than a workflow, so the end of every stage gives up on the last ones; the generators then wait
(as long as the drain again) for them to end. With a wait long enough, the next stage starts on
an empty engine (``carried_in`` 0, and the engine agrees); with one too short, ``carried_in`` is
the previous stage's ``spilled`` count, and the engine saw at most that many at its first start.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from pathlib import Path

import pytest
from aiohttp import web
from load_targets import one_system_study

from evalkit.load import LoadPlan, plan_stages, run_load_test

pytestmark = pytest.mark.timeout(120)
DURATION = 1.0
STARTS = web.AppKey("starts", list)


def timed_engine() -> web.Application:
    """Every workflow runs ``DURATION`` s; each start notes (time, workflows running then)."""
    due: dict[str, float] = {}
    starts: list[tuple[float, int]] = []
    ids = itertools.count()

    async def start(request: web.Request) -> web.Response:
        now = asyncio.get_running_loop().time()
        starts.append((now, sum(1 for end in due.values() if end > now)))
        workflow = f"w{next(ids)}"
        due[workflow] = now + DURATION
        return web.json_response({"id": workflow}, status=201)

    async def status(request: web.Request) -> web.Response:
        done = asyncio.get_running_loop().time() >= due[request.match_info["id"]]
        return web.json_response({"status": "completed" if done else "running"})

    app = web.Application()
    app[STARTS] = starts
    app.router.add_post("/workflows", start)
    app.router.add_get("/workflows/{id}", status)
    return app


def second_stage_start(starts: list[tuple[float, int]]) -> int:
    """Workflows running on the engine at the second stage's first start (after the longest pause)."""
    gaps = [later[0] - earlier[0] for earlier, later in itertools.pairwise(starts)]
    return starts[gaps.index(max(gaps)) + 1][1]


def run_two_stages(serve, write_study_dict, tmp_path: Path, drain: float):  # type: ignore[no-untyped-def]
    server = serve(timed_engine())
    target = {"base_url": server.base_url, "completion": {"poll_interval": "20ms"}}
    load = {"stage_warmup": "0.5s", "stage_duration": "1.5s", "drain_timeout": f"{drain}s"}
    study_dict = one_system_study(peak_rate="5/s", multiples=[1, 2], target=target, load=load, arrivals="constant")
    _, study = write_study_dict(study_dict)
    table = run_load_test(LoadPlan(study=study, candidate="target", stages=plan_stages(study), out_dir=tmp_path / "o"))
    stages = {
        multiple: dict(zip(rows["metric"], rows["value"], strict=True))
        for multiple, rows in table.frame.groupby("multiple")
    }
    return stages, second_stage_start(server.app[STARTS])


def test_a_long_enough_wait_starts_the_next_stage_on_an_empty_engine(serve, write_study_dict, tmp_path: Path) -> None:
    # given up after 0.7 s of drain, a workflow has at most 0.3 s left: the 0.7 s wait sees it end
    stages, running = run_two_stages(serve, write_study_dict, tmp_path, drain=0.7)
    first, second = stages[1.0], stages[2.0]
    assert first["timeouts"] > 0  # the drain did give up on some
    assert first["carried_in"] == 0 and first["spilled"] == 0
    assert second["carried_in"] == 0 and "spilled" not in second  # nothing to wait for after the last
    assert running == 0
    assert first["poll_interval"] == pytest.approx(0.02)
    # the provenance's record of the target: a live one, measured, polled every 20 ms
    recorded = json.loads((tmp_path / "o" / "target.json").read_text(encoding="utf-8"))
    assert recorded["kind"] == "measured" and recorded["poll_interval"] == pytest.approx(0.02)
    assert recorded["base_url"].startswith("http://127.0.0.1:") and recorded["engine_version"] is None


def test_a_short_wait_records_the_spill_the_next_stage_starts_with(serve, write_study_dict, tmp_path: Path) -> None:
    # given up after 0.2 s of drain, the last workflows need up to 0.8 s more: the 0.2 s wait is too short
    stages, running = run_two_stages(serve, write_study_dict, tmp_path, drain=0.2)
    first, second = stages[1.0], stages[2.0]
    assert first["spilled"] >= 1
    assert second["carried_in"] == first["spilled"]
    assert running <= first["spilled"]  # some may end between the wait and the first start

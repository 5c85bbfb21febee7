"""n8n, really (marked ``platforms``: ``make test-platforms``): a webhook start, polls through the public API.

n8n runs at most 2 production executions at once (``N8N_CONCURRENCY_PRODUCTION_LIMIT``, queueing
the rest) and the one-step workflow's Wait node sleeps 4 s, so at most 0.5 workflows per second
complete. The sleep is long because n8n itself costs about 0.3 CPU-seconds and holds a slot
about 0.4 s longer than the sleep per execution here (webhook, execution records in SQLite): at
0.5 s that overhead, not the knob, set the rate.
A queued execution's start call is answered only when it starts (the webhook's answer is its
first node), so queued workflows do not poll. Status polls need the API key the kit created
(header ``X-N8N-API-KEY``). Stages of 30 s at 0.25/s and 1.5/s after a 6 s warm-up
(longer than one workflow, so the slots are full when counting starts; ``harness.py``).
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
from harness import check_stages, run_two_stages

pytestmark = [pytest.mark.platforms, pytest.mark.timeout(400)]
SLOTS, TASK_TIME = 2, 4.0


def test_n8n_counts_saturation_failures_and_back_pressure(n8n_kit: ModuleType, tmp_path: Path) -> None:
    body = {"seconds": TASK_TIME, "seq": "{{seq}}", "fail_every": 10}
    target = n8n_kit.target("sleep", body, poll_interval="500ms")
    stages = run_two_stages(target, tmp_path, rate=0.25, high=6, window=30, drain=6, warmup=6)
    check_stages(stages, rate=0.25, high=6, capacity=SLOTS / TASK_TIME)


def test_the_order_process_runs_as_an_n8n_workflow(n8n_kit: ModuleType) -> None:
    import json
    import time
    import urllib.request

    from kitlib import http_json

    status, answer = http_json("POST", f"{n8n_kit.base_url()}/webhook/evalkit-order", {"scale": 0.1}, timeout=20)
    assert status == 200
    key = n8n_kit.api_key_file().read_text(encoding="ascii").strip()
    url = f"{n8n_kit.base_url()}/api/v1/executions/{answer['executionId']}?includeData=true"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"X-N8N-API-KEY": key}), timeout=5) as response:
            execution = json.loads(response.read())
        if execution["status"] not in ("new", "running"):
            break
        time.sleep(0.2)
    assert execution["status"] == "success"
    steps = list(execution["data"]["resultData"]["runData"])
    assert steps[2:] == [step for step, _ in n8n_kit.ORDER_STEPS]

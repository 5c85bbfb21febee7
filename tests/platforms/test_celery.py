"""Celery 5 + Flower, really: the load harness against a live engine whose capacity is known.

The worker has 8 slots and the one-step workflow is a task sleeping 0.5 s, so the engine
completes at most 16 workflows per second. Stages at 4/s and 32/s (``harness.py``).
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
from harness import check_stages, run_two_stages

pytestmark = [pytest.mark.timeout(180)]
SLOTS, TASK_TIME = 8, 0.5


def test_celery_counts_saturation_failures_and_back_pressure(celery_kit: ModuleType, tmp_path: Path) -> None:
    target = celery_kit.target("evalkit.sleep", [TASK_TIME, "{{seq}}", 10], poll_interval="100ms")
    stages = run_two_stages(target, tmp_path, rate=4, high=8)
    check_stages(stages, rate=4, high=8, capacity=SLOTS / TASK_TIME)


def test_the_order_process_runs_as_a_celery_canvas(celery_kit: ModuleType) -> None:
    from kitlib import http_json, wait_for

    status, answer = http_json("POST", f"{celery_kit.base_url()}/api/task/async-apply/evalkit.order", {"args": [0.1]})
    assert status == 200
    url = f"{celery_kit.base_url()}/api/task/result/{answer['task-id']}"

    def done() -> bool:
        result = http_json("GET", url)[1]
        return result["state"] == "SUCCESS" and result["result"] == "notify-customer"

    wait_for(done, 20, "the order process")

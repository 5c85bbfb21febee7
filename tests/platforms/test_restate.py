"""Restate, really (marked ``platforms``: ``make test-platforms``): completion by HTTP status code.

The service shares 4 step slots and the one-step workflow sleeps 0.25 s in one journaled step,
so at most 16 workflows per second complete. The status poll answers 470 while an invocation
runs, 200 when it completed and 500 when it failed. Stages at 4/s and 32/s (``harness.py``).
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
from harness import check_stages, run_two_stages

pytestmark = [pytest.mark.platforms, pytest.mark.timeout(240)]
SLOTS, TASK_TIME = 4, 0.25


def test_restate_counts_saturation_failures_and_back_pressure(restate_kit: ModuleType, tmp_path: Path) -> None:
    body = {"seconds": TASK_TIME, "seq": "{{seq}}", "fail_every": 10}
    target = restate_kit.target("sleep", body, poll_interval="100ms")
    stages = run_two_stages(target, tmp_path, rate=4, high=8)
    check_stages(stages, rate=4, high=8, capacity=SLOTS / TASK_TIME)


def test_the_order_process_runs_as_a_restate_service(restate_kit: ModuleType) -> None:
    from kitlib import http_json

    status, answer = http_json("POST", f"{restate_kit.base_url()}/evalkit/order", {"scale": 0.1}, timeout=20)
    assert (status, answer) == (200, "notify-customer")

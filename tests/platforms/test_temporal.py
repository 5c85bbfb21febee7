"""Temporal's dev server, really (marked ``platforms``: ``make test-platforms``).

The worker has 2 activity slots and the one-step workflow is one activity sleeping 1 s, so at
most 2 workflows per second complete. Stages at 1/s and 6/s (``harness.py``) with 12 s windows,
so a 1 s task cycles often enough; completion is read with the history long poll.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
from harness import check_stages, run_two_stages

pytestmark = [pytest.mark.platforms, pytest.mark.timeout(240)]
SLOTS, TASK_TIME = 2, 1.0


def test_temporal_counts_saturation_failures_and_back_pressure(temporal_kit: ModuleType, tmp_path: Path) -> None:
    target = temporal_kit.target("EvalkitSleep", [TASK_TIME, "{{seq}}", 10], poll_interval="10ms")
    stages = run_two_stages(target, tmp_path, rate=1, high=6, window=12, drain=3)
    check_stages(stages, rate=1, high=6, capacity=SLOTS / TASK_TIME)


def test_the_order_process_runs_as_a_temporal_workflow(temporal_kit: ModuleType) -> None:
    from kitlib import http_json, wait_for

    url = f"{temporal_kit.base_url()}/api/v1/namespaces/default/workflows/evalkit-order-test"
    body = {"workflowType": {"name": "EvalkitOrder"}, "taskQueue": {"name": "evalkit"}, "input": [0.1]}
    assert http_json("POST", url, body)[0] == 200

    def done() -> bool:
        return http_json("GET", url)[1]["workflowExecutionInfo"]["status"] == "WORKFLOW_EXECUTION_STATUS_COMPLETED"

    wait_for(done, 20, "the order process")

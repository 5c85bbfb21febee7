"""Small studies built in Python for the analytic model's tests: queues whose answers are known."""

from __future__ import annotations

from typing import Any

from evalkit.study import Study


def one_queue(
    *, servers: int, mean: float, rate: float, dist: str = "exponential", design: str = "centralized"
) -> Study:
    """One step on one system: an M/M/c (or M/G/c) queue, with a free orchestration layer."""
    service: dict[str, Any] = (
        {"dist": dist, "mean": mean} if dist == "exponential" else {"dist": "constant", "value": mean}
    )
    return tandem([(servers, service)], rate=rate, design=design)


def tandem(stations: list[tuple[int, dict[str, Any]]], *, rate: float, design: str = "centralized") -> Study:
    """Steps in series, one system each, with an orchestration layer that costs nothing."""
    systems = [
        {"name": f"s{i}", "domain": "one", "capacity": servers, "service_time": service}
        for i, (servers, service) in enumerate(stations)
    ]
    steps: list[dict[str, Any]] = []
    for i in range(len(stations)):
        steps.append({"id": f"step{i}", "system": f"s{i}", **({"after": [f"step{i - 1}"]} if i else {})})
    free = {
        "centralized": {"dispatch_time": 0, "persist_time": 0},
        "federated": {"dispatch_time": 0, "persist_time": 0, "coordinator_time": 0, "handoff_latency": 0},
        "event-driven": {
            "publish_latency": 0,
            "consume_latency": 0,
            "tracing_overhead": 0,
            "delivery": "exactly-once",
            "consumer_concurrency": 10_000,
        },
    }[design]
    data = {
        "name": "known-queue",
        "workload": {"systems": systems, "process": {"name": "p", "steps": steps}},
        "traffic": {"peak_rate": rate, "multiples": [1], "horizon": 2000, "warmup": 100, "replications": 1},
        "slo": {"p95_cycle_time": 100},
        "candidates": [{"name": "C", "design": design, "parameters": free}],
    }
    return Study.model_validate(data)

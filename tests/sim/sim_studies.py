"""Reduced studies for the simulation tests, built as ``Study`` objects, and replication helpers.

Each builder returns a valid study small enough to simulate many replications in a second or
two: one or two systems, one process, zero-overhead candidates where the test compares with a
queueing formula. ``replicate`` runs a cell's replications and returns one metric per
replication; ``inside_ci`` is the assertion every theory test makes: the theoretical value lies
inside the 95% t-interval of the replications.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from evalkit.results import t_interval
from evalkit.sim import SimCell, run_cell
from evalkit.study import Study

ZERO_OVERHEAD: dict[str, dict[str, Any]] = {
    "centralized": {"engine_workers": 10_000, "dispatch_time": 0, "store_connections": 10_000, "persist_time": 0},
    "federated": {
        "controller_workers": 10_000,
        "dispatch_time": 0,
        "store_connections": 10_000,
        "persist_time": 0,
        "coordinator_workers": 10_000,
        "coordinator_time": 0,
        "handoff_latency": 0,
    },
    "event-driven": {
        "partitions": 1,
        "publish_latency": 0,
        "consume_latency": 0,
        "tracing_overhead": 0,
        "consumer_concurrency": 10_000,
        "duplicate_probability": 0,
    },
}
DESIGNS = tuple(ZERO_OVERHEAD)


def candidate(design: str, name: str | None = None, automation: float = 0.0, **parameters: Any) -> dict[str, Any]:
    """A candidate of ``design`` with zero orchestration overhead unless ``parameters`` say otherwise."""
    return {
        "name": name or design,
        "design": design,
        "exception_automation": automation,
        "parameters": {**ZERO_OVERHEAD[design], **parameters},
    }


def study(
    *,
    systems: Sequence[dict[str, Any]],
    steps: Sequence[dict[str, Any]],
    candidates: Sequence[dict[str, Any]],
    rate: float,
    horizon: float,
    warmup: float,
    replications: int = 20,
    staff: Sequence[dict[str, Any]] = (),
    faults: Sequence[dict[str, Any]] = (),
    multiples: Sequence[float] = (1.0,),
    seed: int = 11,
    slo: float = 10.0,
) -> Study:
    """A validated study from its parts (systems default to domain ``main``)."""
    return Study.model_validate(
        {
            "name": "reduced",
            "seed": seed,
            "workload": {
                "systems": [{"domain": "main", **s} for s in systems],
                "staff": list(staff),
                "process": {"name": "p", "steps": list(steps)},
            },
            "traffic": {
                "peak_rate": rate,
                "multiples": list(multiples),
                "horizon": horizon,
                "warmup": warmup,
                "replications": replications,
            },
            "slo": {"p95_cycle_time": slo},
            "faults": list(faults),
            "candidates": list(candidates),
        }
    )


def exponential(mean: float) -> dict[str, Any]:
    return {"dist": "exponential", "mean": mean}


def constant(value: float) -> dict[str, Any]:
    return {"dist": "constant", "value": value}


def lognormal(mean: float, cv: float) -> dict[str, Any]:
    return {"dist": "lognormal", "mean": mean, "cv": cv}


def one_queue(design: str, *, servers: int, service: dict[str, Any], rate: float, **options: Any) -> Study:
    """One step on one system with ``servers`` servers: an M/G/c queue under ``design``."""
    return study(
        systems=[{"name": "s", "capacity": servers, "service_time": service}],
        steps=[{"id": "only", "system": "s"}],
        candidates=[candidate(design)],
        rate=rate,
        **options,
    )


def runs(study: Study, candidate: str, *, scenario: str = "baseline", multiple: float = 1.0) -> list[dict[str, float]]:
    """Every replication's metrics for one candidate, scenario and multiple (a mix's types as ``metric@type``)."""
    return [
        {
            row.metric if row.workflow_type == "all" else f"{row.metric}@{row.workflow_type}": row.value
            for row in run_cell(study, SimCell(candidate, scenario, multiple, replication))
        }
        for replication in range(1, study.traffic.replications + 1)
    ]


def replicate(study: Study, candidate: str, metric: str, **where: Any) -> list[float]:
    """One value of ``metric`` per replication."""
    return [r[metric] for r in runs(study, candidate, **where)]


def interval(values: Sequence[float]) -> tuple[float, float]:
    """The 95% t-interval of replications."""
    mean, _, half = t_interval(values)
    return mean - half, mean + half


def inside_ci(theory: float, values: Sequence[float]) -> bool:
    """True when ``theory`` lies inside the 95% t-interval of ``values``."""
    low, high = interval(values)
    return math.isfinite(theory) and low <= theory <= high

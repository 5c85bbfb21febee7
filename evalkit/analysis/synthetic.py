"""Synthetic results of known shape: for checking the analysis, and for demos without a simulation.

A ``Shape`` says how a candidate behaves as load rises: its p95 cycle time as a function of the
load multiple (linear, M/M/1-shaped 1/(1 - rho), exponential…), where it saturates, how busy
each resource is, its error rate. ``shape_rows`` turns a shape into the rows the simulation or the
load test would write, with optional multiplicative noise per replication drawn from a passed-in
seeded generator. Because the truth is known, a test can assert that the analysis recovers it
(the right degradation class, the sustainable multiple where p95 crosses the SLO).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from evalkit.results import Observation, ResultTable, observations

__all__ = ["Shape", "shape_rows", "shape_table", "linear", "mm1", "exponential"]

Function = Callable[[float], float]


def linear(floor: float, slope: float) -> Function:
    """p95 = floor + slope·m."""
    return lambda m: floor + slope * m


def mm1(service: float, rho_per_multiple: float) -> Function:
    """p95 = service / (1 - rho1·m): a single queue whose utilisation grows with load."""
    return lambda m: service / (1.0 - rho_per_multiple * m) if rho_per_multiple * m < 1 else math.inf


def exponential(scale: float, rate: float) -> Function:
    """p95 = scale·e^(rate·m)."""
    return lambda m: scale * math.exp(rate * m)


@dataclass(frozen=True)
class Shape:
    """How one candidate behaves along the load multiples."""

    p95: Function
    peak_rate: float = 10.0
    saturate_above: float | None = None  # multiples above this saturate
    capacity_multiple: float | None = None  # throughput ceiling (as a multiple of peak) once saturated
    utilization: Mapping[str, Function] = field(default_factory=dict)
    error_rate: Function = lambda m: 0.001
    throughput: Function | None = None  # completed rate; default: offered, capped when saturated
    window: float = 60.0  # measured seconds, for the counts
    manual_share: float = 0.0  # manual interventions per completed workflow
    extra: Mapping[str, float] = field(default_factory=dict)

    def metrics(self, multiple: float, wobble: float) -> dict[str, float]:
        """Every metric of one replication at one multiple; ``wobble`` scales the latencies."""
        offered = self.peak_rate * multiple
        saturated = self.saturate_above is not None and multiple > self.saturate_above
        completed_rate = self._completed_rate(multiple, offered, saturated)
        p95 = self.p95(multiple) * wobble
        values = {
            "offered_rate": offered,
            "started": offered * self.window,
            "completed": completed_rate * self.window,
            "failed": offered * self.window * self.error_rate(multiple),
            "completed_rate": completed_rate,
            "error_rate": self.error_rate(multiple),
            "cycle_time_mean": 0.5 * p95,
            "cycle_time_p50": 0.4 * p95,
            "cycle_time_p95": p95,
            "cycle_time_p99": 1.6 * p95,
            "backlog_end": max(0.0, offered - completed_rate) * self.window,
            "backlog_growth": max(0.0, offered - completed_rate) if saturated else 0.0,
            "saturated": 1.0 if saturated else 0.0,
            "manual_interventions": self.manual_share * completed_rate * self.window,
            **self.extra,
        }
        for resource, busy in self.utilization.items():
            values[f"utilization:{resource}"] = min(1.0, busy(multiple))
        return values

    def _completed_rate(self, multiple: float, offered: float, saturated: bool) -> float:
        if self.throughput is not None:
            return self.throughput(multiple)
        if saturated and self.capacity_multiple is not None:
            return self.peak_rate * self.capacity_multiple
        return offered


def shape_rows(
    shape: Shape,
    *,
    candidate: str,
    design: str = "centralized",
    source: str = "sim",
    scenario: str = "baseline",
    multiples: tuple[float, ...] = (1.0, 1.5, 2.0, 3.0, 4.0),
    replications: int = 5,
    noise: float = 0.0,
    rng: np.random.Generator | None = None,
) -> list[Observation]:
    """The rows one source would write for this shape; noise is a relative s.d. on latencies."""
    if noise > 0 and rng is None:
        raise ValueError("noise needs a seeded numpy Generator")
    rows: list[Observation] = []
    for multiple in multiples:
        for replication in range(replications):
            wobble = 1.0 + noise * float(rng.standard_normal()) if noise > 0 and rng is not None else 1.0
            metrics = shape.metrics(multiple, max(wobble, 0.05))
            metrics = {k: v for k, v in metrics.items() if not (isinstance(v, float) and math.isinf(v))}
            rows += observations(
                source=source,  # type: ignore[arg-type]
                candidate=candidate,
                design=design,
                scenario=scenario,
                multiple=multiple,
                replication=replication,
                metrics=metrics,
            )
    return rows


def shape_table(*parts: list[Observation]) -> ResultTable:
    """A results table from several candidates' rows."""
    return ResultTable.from_observations([row for part in parts for row in part])

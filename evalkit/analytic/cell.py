"""One analytic cell: a candidate's design at one load multiple, solved in closed form.

``solve_cell`` reads the candidate's design spec, solves its network at the multiple's arrival
rate (peak × multiple × the profile's mean share over the measurement window), composes the cycle
time, and returns the figures under the result-metric names the simulation and the load test
use (``evalkit.metrics``). Counts are expectations over the study's measurement window. A
saturated cell (some station offered at least its capacity) has no steady state: it reports its
growth rate and the throughput its bottleneck can carry, and no cycle time (NaN), as the
simulation does when it cannot measure one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from evalkit.analytic.cycle import CycleTime, cycle_time
from evalkit.analytic.model import demands, stations, visit_ratios
from evalkit.analytic.network import NetworkSolution, solve
from evalkit.analytic.routes import Routes
from evalkit.design.spec import DesignSpec, Occupy
from evalkit.study import Study

__all__ = ["AnalyticCell", "arrival_rate", "routes_of", "saturation_multiple", "solve_cell", "window_share"]


@dataclass(frozen=True)
class AnalyticCell:
    """The solved network and cycle time of one cell, and its result metrics."""

    multiple: float
    network: NetworkSolution
    cycle: CycleTime
    metrics: dict[str, float]

    @property
    def saturated(self) -> bool:
        return self.network.saturated


def window_share(study: Study, points: int = 512) -> float:
    """The traffic profile's mean share of peak over the measurement window."""
    traffic = study.traffic
    if traffic.profile.kind == "flat":
        return 1.0
    times = np.linspace(traffic.warmup, traffic.horizon, points, endpoint=False)
    return float(np.mean([traffic.profile.share(float(t)) for t in times]))


def arrival_rate(study: Study, multiple: float) -> float:
    """Workflows started per second at ``multiple`` of peak, averaged over the window."""
    return study.traffic.peak_rate * multiple * window_share(study)


def routes_of(study: Study, spec: DesignSpec) -> Routes | None:
    """The sampled routing of a process with decisions, loops or types; None for a plain one."""
    routes = Routes.of(study, spec.plan)
    return None if routes.plain else routes


def saturation_multiple(spec: DesignSpec, study: Study, routes: Routes | None = None) -> float:
    """The load multiple at which the design's bottleneck saturates (operational laws)."""
    network = solve(stations(spec), demands(spec, routes), 0.0)
    return network.max_rate / arrival_rate(study, 1.0)


def solve_cell(spec: DesignSpec, study: Study, multiple: float, routes: Routes | None = None) -> AnalyticCell:
    """Solve one candidate's design at one load multiple (``routes``: see ``routes_of``)."""
    rate = arrival_rate(study, multiple)
    network = solve(stations(spec), demands(spec, routes), rate)
    if study.traffic.profile.kind != "flat" and not network.saturated:
        # A surge can overload a station for a while even when the mean rate does not.
        from evalkit.analytic.surge import surge_cycle_time

        cycle = surge_cycle_time(spec, study, multiple, network, routes)
    else:
        cycle = cycle_time(spec, network, routes=routes)
    return AnalyticCell(multiple, network, cycle, _metrics(spec, study, network, cycle, routes))


def _metrics(
    spec: DesignSpec, study: Study, network: NetworkSolution, cycle: CycleTime, routes: Routes | None
) -> dict[str, float]:
    rate = network.arrival_rate
    window = study.traffic.horizon - study.traffic.warmup
    success, exceptions, manual, duplicates = _per_workflow(spec, routes)
    carried = min(rate, network.max_rate)
    saturated = network.saturated
    started = rate * window
    metrics: dict[str, float] = {
        "offered_rate": rate,
        "started": started,
        "completed": carried * window * success,
        "failed": carried * window * (1 - success),
        "lost": 0.0,
        "completed_rate": carried * success,
        "error_rate": 1 - success,
        "cycle_time_mean": math.nan if saturated else cycle.mean,
        "cycle_time_p50": math.nan if saturated else cycle.p50,
        "cycle_time_p95": math.nan if saturated else cycle.p95,
        "cycle_time_p99": math.nan if saturated else cycle.p99,
        "backlog_growth": max(0.0, rate - network.max_rate),
        "saturated": float(saturated),
        "exceptions": started * exceptions,
        "manual_interventions": started * manual,
        "duplicates": started * duplicates,
    }
    if not saturated:
        metrics["little_l"] = metrics["little_lambda_w"] = rate * cycle.mean
    if routes is not None:
        for number, kind in enumerate(routes.routing.types):
            if len(routes.routing.types) < 2:
                break
            share = float((routes.types == number).mean())
            metrics[f"started@{kind.name}"] = started * share
            by_type = cycle.by_type.get(kind.name)
            for name in ("mean", "p50", "p95", "p99"):
                value = getattr(by_type, name) if by_type is not None and not saturated else math.nan
                metrics[f"cycle_time_{name}@{kind.name}"] = value
    for name, station in network.stations.items():
        if station.arrival_rate <= 0:
            continue
        metrics[f"utilization:{name}"] = min(station.utilization, 1.0)
        if math.isfinite(station.wait_mean):
            metrics[f"wait_mean:{name}"] = station.wait_mean
            metrics[f"queue_mean:{name}"] = station.queue_mean
    return metrics


def _per_workflow(spec: DesignSpec, routes: Routes | None) -> tuple[float, float, float, float]:
    """P(a workflow completes), and expected exceptions, manual resolutions and duplicates per workflow."""
    success = 1.0
    exceptions = manual = duplicates = 0.0
    runs = routes.visits() if routes is not None else None
    for plan, step in zip(spec.plan.steps, spec.steps, strict=True):
        times = 1.0 if runs is None else float(runs[plan.index])
        ratios = visit_ratios(plan.exception, spec)
        success *= ratios.success**times
        manual += ratios.manual * times
        if plan.exception is not None:
            p = plan.exception.probability
            # Every attempt but a compensating one may raise the exception.
            raising = sum(p**k for k in range(ratios.retries_allowed + 1))
            exceptions += p * raising * times
        for visit in step.attempt:
            if isinstance(visit, Occupy):
                duplicates += ratios.attempts * visit.duplicate_probability * times
    return success, exceptions, manual, duplicates

"""Cycle time under a time-varying traffic profile: pointwise-stationary slices plus a fluid backlog.

A stationary solution at the window's mean rate cannot see a surge that overloads a station for
a while. Here the window is cut into ``SLICES`` slices; each is solved as a stationary network at
its own rate (the **pointwise-stationary approximation**, Green and Kolesar, "The pointwise
stationary approximation for queues with nonstationary arrivals", Management Science 37(1),
1991), capped just below the bottleneck's capacity; and the backlog that builds while the rate
exceeds capacity is followed as a **fluid** from time 0: dQ/dt = λ(t) - μ while Q > 0 or
λ(t) > μ, with μ the rate at which the bottleneck saturates. A workflow arriving in a slice
takes that slice's stationary cycle time plus Q/μ, the time to clear the backlog ahead of it.

The cell's figures are arrival-weighted mixtures over the slices: the mean exactly so, the
percentiles from each slice's distribution function interpolated through its median, 95th and
99th percentiles (shifted by its backlog delay). Good when the profile changes slowly compared
with the cycle time, as a surge of minutes does for a workflow of seconds.
"""

from __future__ import annotations

import math

import numpy as np

from evalkit.analytic.cycle import CycleTime, cycle_time
from evalkit.analytic.model import demands, stations
from evalkit.analytic.network import NetworkSolution, solve
from evalkit.analytic.routes import Routes
from evalkit.design import DesignSpec
from evalkit.study import Study

__all__ = ["SLICES", "surge_cycle_time"]

SLICES = 24
#: Slices are solved at no more than this share of the bottleneck's capacity.
CAP = 0.97


def surge_cycle_time(
    spec: DesignSpec, study: Study, multiple: float, network: NetworkSolution, routes: Routes | None
) -> CycleTime:
    """The arrival-weighted cycle time over the window under the study's profile."""
    traffic = study.traffic
    rate_of = _rates(study, multiple)
    capacity = network.max_rate
    edges = np.linspace(traffic.warmup, traffic.horizon, SLICES + 1)
    backlog = _fluid_backlog(rate_of, capacity, edges)
    found = demands(spec, routes)
    pools = stations(spec)
    weights, cycles, delays = [], [], []
    cache: dict[float, CycleTime] = {}
    for index in range(SLICES):
        middle = 0.5 * (edges[index] + edges[index + 1])
        rate = rate_of(middle)
        # Rates within 1% of capacity of each other share one stationary solution.
        level = min(rate, CAP * capacity)
        level = round(level / capacity, 2) * capacity if math.isfinite(capacity) and capacity > 0 else level
        if level not in cache:
            cache[level] = cycle_time(spec, solve(pools, found, level), routes=routes)
        weights.append(rate)
        cycles.append(cache[level])
        delays.append(backlog[index] / capacity if capacity > 0 else math.inf)
    weight = np.asarray(weights) / max(sum(weights), 1e-300)
    mean = float(sum(w * (c.mean + d) for w, c, d in zip(weight, cycles, delays, strict=True)))
    p50, p95, p99 = (_mixture_quantile(q, weight, cycles, delays) for q in (0.50, 0.95, 0.99))
    return CycleTime(mean, p50, p95, p99)


def _rates(study: Study, multiple: float):
    traffic = study.traffic
    return lambda t: traffic.peak_rate * multiple * traffic.profile.share(float(t))


def _fluid_backlog(rate_of, capacity: float, edges: np.ndarray, steps: int = 2000) -> list[float]:
    """Fluid backlog (workflows) at the middle of each slice, integrated from time 0."""
    times = np.linspace(0.0, float(edges[-1]), steps + 1)
    step = times[1] - times[0]
    queue = np.zeros(times.size)
    for index in range(1, times.size):
        queue[index] = max(0.0, queue[index - 1] + (rate_of(times[index - 1]) - capacity) * step)
    middles = 0.5 * (edges[:-1] + edges[1:])
    return [float(v) for v in np.interp(middles, times, queue)]


def _mixture_quantile(quantile: float, weight: np.ndarray, cycles: list[CycleTime], delays: list[float]) -> float:
    """The quantile of the slices' mixture, each slice's CDF linear through (p50, p95, p99)."""
    levels = np.array([0.0, 0.50, 0.95, 0.99, 1.0])

    def cdf(x: float) -> float:
        total = 0.0
        for w, c, d in zip(weight, cycles, delays, strict=True):
            points = np.array([0.0, c.p50, c.p95, c.p99, c.p99 + 3 * (c.p99 - c.p95)]) + d
            total += w * float(np.interp(x, points, levels, left=0.0, right=1.0))
        return total

    low, high = 0.0, max(c.p99 + 3 * (c.p99 - c.p95) + d for c, d in zip(cycles, delays, strict=True))
    for _ in range(40):  # a trillionth of the range: far below any figure's precision
        middle = 0.5 * (low + high)
        if cdf(middle) < quantile:
            low = middle
        else:
            high = middle
    return 0.5 * (low + high)

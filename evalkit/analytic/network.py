"""An open queueing network: stations, the work a workflow brings to each, and what that costs.

A **station** is a pool of ``servers`` identical units with one FIFO queue (the engine, a state
store, a system, a staff pool), repeated ``partitions`` times with each copy fed its own share of
the traffic (broker partitions: a workflow's events always go to its partition). A
**demand** says how often an average workflow visits a station (``visits``, a visit ratio that
already counts retries, compensations, resolutions and duplicates) and what one visit holds
(mean and squared cv of the hold). A hold may last for a visit to another station (``wraps``: a
consumer is held while its system call waits and runs), so its mean includes that station's
wait.

At arrival rate λ (workflows per second) each station is solved on its own, as in a Jackson
network (a station of an open network with Poisson arrivals behaves as an isolated queue):

- operational laws: throughput λ·V, demand D = V·E[S] per workflow, utilisation λ·D/c; the
  **bottleneck** is the station with the largest D/c and the network saturates at λ = c/D there;
- mean wait: Erlang C for each pool (Allen-Cunneen's (1 + cv²)/2 for non-exponential holds, which
  for one server is Pollaczek-Khinchine), a partition fed 1/partitions of the visits;
- the wait's distribution: zero with probability 1 - P(wait) and exponential beyond, which is
  exact for M/M/c (``evalkit.analytic.queues.mmc_wait_exceeds``) and the usual approximation
  otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from evalkit.analytic import queues

__all__ = ["Demand", "NetworkSolution", "Station", "StationResult", "solve"]


@dataclass(frozen=True)
class Station:
    """``partitions`` independent pools of ``servers`` units each, reported as one station."""

    name: str
    servers: int
    partitions: int = 1

    @property
    def units(self) -> int:
        return self.servers * self.partitions


@dataclass(frozen=True)
class Demand:
    """What an average workflow asks of one station."""

    station: str
    visits: float
    mean: float
    cv2: float = 0.0
    #: The hold lasts for visits to these stations in turn: their waits are part of it.
    wraps: tuple[str, ...] = ()


@dataclass(frozen=True)
class StationResult:
    """One station at one arrival rate."""

    name: str
    servers: int  # units in all partitions together
    arrival_rate: float  # visits per second
    hold_mean: float  # seconds per visit
    demand: float  # seconds of hold per workflow
    utilization: float
    wait_mean: float  # seconds in queue per visit (inf when saturated)
    wait_probability: float

    @property
    def queue_mean(self) -> float:
        """Mean number waiting (Little's law on the queue)."""
        return self.arrival_rate * self.wait_mean if math.isfinite(self.wait_mean) else math.inf

    @property
    def saturated(self) -> bool:
        return self.utilization >= 1


@dataclass(frozen=True)
class NetworkSolution:
    """Every station at one arrival rate, and the network's bottleneck."""

    arrival_rate: float
    stations: dict[str, StationResult]
    bottleneck: str
    max_rate: float  # workflows per second at which the bottleneck saturates

    @property
    def saturated(self) -> bool:
        return self.arrival_rate >= self.max_rate or any(r.saturated for r in self.stations.values())


def solve(stations: Sequence[Station], demands: Sequence[Demand], arrival_rate: float) -> NetworkSolution:
    """Solve every station at ``arrival_rate`` workflows per second."""
    by_name = {station.name: station for station in stations}
    grouped: dict[str, list[Demand]] = {station.name: [] for station in stations}
    for demand in demands:
        if demand.station not in grouped:
            raise ValueError(f"demand on unknown station {demand.station!r}")
        grouped[demand.station].append(demand)
    results: dict[str, StationResult] = {}
    # Plain stations first: a wrapping hold needs the wait of the station it wraps.
    order = sorted(by_name, key=lambda name: any(d.wraps for d in grouped[name]))  # stable: study order kept
    for name in order:
        results[name] = _solve_station(by_name[name], grouped[name], arrival_rate, results)
    bottleneck = max(results.values(), key=lambda r: (r.utilization, r.demand / r.servers, r.name))
    # A wrapping hold grows with the wrapped station's wait, so its capacity depends on the rate:
    # the largest rate is judged on the finite per-workflow demands, saturation on utilisation.
    finite = [r.demand / r.servers for r in results.values() if math.isfinite(r.demand)]
    per_capacity = max(finite, default=0.0)
    max_rate = 1 / per_capacity if per_capacity > 0 else math.inf
    return NetworkSolution(arrival_rate, results, bottleneck.name, max_rate)


def _solve_station(
    station: Station, demands: Sequence[Demand], arrival_rate: float, solved: dict[str, StationResult]
) -> StationResult:
    visits = math.fsum(d.visits for d in demands)
    if visits <= 0:
        return StationResult(station.name, station.units, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    first = second = 0.0
    for demand in demands:
        mean = demand.mean
        variance = demand.cv2 * demand.mean**2
        for name in demand.wraps:
            wait = solved[name].wait_mean
            mean += wait
            variance += wait**2  # an exponential-like wait: variance ≈ mean²
        first += demand.visits * mean
        second += demand.visits * (variance + mean**2)
    hold = first / visits
    cv2 = max(0.0, (second / visits) / hold**2 - 1) if hold > 0 and math.isfinite(hold) else 1.0
    rate = arrival_rate * visits
    units = station.units
    utilization = rate * hold / units if math.isfinite(hold) else math.inf
    if hold <= 0:
        return StationResult(station.name, units, rate, 0.0, 0.0, 0.0, 0.0, 0.0)
    if utilization >= 1:
        return StationResult(station.name, units, rate, hold, first, utilization, math.inf, 1.0)
    # Each partition is an M/G/c of its own, fed 1/partitions of the visits.
    share = rate / station.partitions
    wait = queues.mgc_wait(share, hold, station.servers, cv2)
    probability = queues.erlang_c(station.servers, share * hold)
    return StationResult(station.name, units, rate, hold, first, utilization, wait, probability)

"""One simulated cell: a candidate's design, in a scenario, at a load multiple, one replication.

``Model`` builds a station for every pool of the candidate's design spec (``evalkit.design``:
systems and staff pools, then the design's own), hands the executor of the spec's visits, the
walker and the faults a narrow ``CellContext``, deals the workflows their random numbers, starts
them at their intended times and runs SimPy in up to two phases:

1. **Measure**: until the horizon. Workflows starting in ``[warmup, horizon)`` are counted. If
   the backlog passes a hard limit first, the window ends there (a run past saturation must not
   simulate an ever-growing queue for ages, nor hold it in memory); if that happens before the
   window even opens, the cell reports only what it saw: saturated, its backlog and its growth.
2. **Drain**: arrivals keep coming (uncounted) so the counted workflows finish under the same
   load, until every counted workflow has ended and the backlog has recovered from a fault, or
   for at most one more window length.

The run is **saturated** when the backlog grows without bound, judged four ways: the backlog hit
the hard limit; some station was offered more work in the window than its capacity could do in
the time it was up (offered load ≥ 1); the backlog's slope exceeded a tenth of the arrival rate
(outside fault scenarios, whose outage builds a backlog on purpose); or the counted workflows
could not drain. A saturated run skips the drain: its unfinished
workflows enter the cycle-time statistics with their age so far (a lower bound).

The result is a flat ``metric -> value`` mapping with the names of ``evalkit.metrics``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import simpy
from simpy.events import AnyOf, Process, Timeout

from evalkit.design import DesignSpec, DrawSource, Plan, design_spec
from evalkit.design.routing import Routing, Tokens
from evalkit.metrics import WORKFLOW_COUNTERS
from evalkit.sim.arrivals import arrival_times
from evalkit.sim.context import CellContext
from evalkit.sim.draws import Draws
from evalkit.sim.execute import Executor, Trace
from evalkit.sim.faults import schedule_outages
from evalkit.sim.flow import Flow
from evalkit.sim.group import StationGroup
from evalkit.sim.station import Station, Visit
from evalkit.sim.streams import Streams
from evalkit.sim.tally import Tally
from evalkit.sim.type_tally import TypeTally
from evalkit.sim.walker import Walker
from evalkit.study import Fault, Study

__all__ = ["BACKLOG_LIMIT_CAP", "BACKLOG_LIMIT_FLOOR", "SATURATION_GROWTH_SHARE", "Model", "WindowClose"]

#: A backlog slope above this share of the arrival rate means saturation.
SATURATION_GROWTH_SHARE = 0.10
#: The hard backlog limit: ten SLO-p95s' worth of arrivals (by Little's law, a mean cycle time of
#: ten times the SLO), but at least the floor and at most the cap, which bounds memory: a workflow
#: waiting in the model holds a few kilobytes of SimPy processes and events.
BACKLOG_LIMIT_FLOOR = 10_000
BACKLOG_LIMIT_CAP = 100_000


@dataclass(frozen=True)
class WindowClose:
    """What the end of the measurement window established."""

    #: The window's length (shorter than planned when the backlog hit its limit).
    span: float
    backlog_end: int
    growth: float
    offered_rate: float
    saturated: bool


class Model:
    """The SimPy model of one cell."""

    def __init__(
        self,
        study: Study,
        candidate: str,
        multiple: float,
        streams: Streams,
        fault: Fault | None = None,
        *,
        draws: DrawSource | None = None,
        trace: Trace | None = None,
    ) -> None:
        """``draws`` replaces the cell's random numbers and ``trace`` sees every visit (for tests)."""
        self.study = study
        self.candidate = study.candidate(candidate)
        self.multiple = multiple
        self.env = simpy.Environment()
        traffic = study.traffic
        self.window = (traffic.warmup, traffic.horizon)
        self.plan = Plan.of(study)
        self.spec: DesignSpec = design_spec(study, self.candidate, self.plan)
        self.routing = Routing.of(study, self.plan)
        routed = not self.routing.plain
        self.draws: DrawSource = draws if draws is not None else Draws(self.plan, streams, routed=routed)
        self.stations: list[Station] = []
        limit = math.ceil(10 * traffic.peak_rate * multiple * traffic.profile.max_share * study.slo.p95_cycle_time)
        limit = min(BACKLOG_LIMIT_CAP, max(BACKLOG_LIMIT_FLOOR, limit))
        self.tally = Tally(self.env, self.window, limit)
        if len(self.routing.types) > 1:
            self.tally.by_type = TypeTally(tuple(t.name for t in self.routing.types))
        pools = {
            pool.name: tuple(self._station(pool.name, pool.capacity) for _ in range(pool.count))
            for pool in self.spec.pools
        }
        groups = {name: StationGroup(self.env, pools[name]) for name in self.spec.awaited_pools()}
        self.context = CellContext(self.env, self.spec, self.tally, self.draws, pools, groups, traffic.warmup)
        self.walker = Walker(self.context, Executor(self.context, trace), None if self.routing.plain else self.routing)
        planned = [(f"system:{s.name}", w.at, w.duration) for s in study.workload.systems for w in s.outages]
        self.fault = schedule_outages(self.context, planned, fault)
        self._times = arrival_times(traffic, multiple, streams.arrivals.per_workflow)
        self._demand_before = [0.0] * len(self.stations)

    def _station(self, name: str, capacity: int) -> Station:
        station = Station(self.env, name, capacity, self.window)
        self.stations.append(station)
        return station

    def flow(self, index: int, at: float) -> Flow:
        """A new workflow intended to start at ``at``, dealt its random numbers."""
        start, end = self.window
        dealt = self.draws.deal()
        flow = Flow(index, at, start <= at < end, dealt.service, dealt.luck, dealt.partition, self.plan)
        if not self.routing.plain:
            flow.route = dealt.route
            flow.workflow_type = self.routing.choose_type(dealt.type_coin)
            flow.tokens = Tokens(self.plan, self.routing, flow.workflow_type)
        return flow

    def _arrivals(self) -> Visit:
        env, tally, new, begin = self.env, self.tally, self.flow, self.walker.begin
        for index, at in enumerate(self._times):
            yield Timeout(env, at - env.now)
            flow = new(index, at)
            tally.arrive(flow)
            begin(flow)

    def _window_opens(self) -> Visit:
        yield Timeout(self.env, self.window[0])
        self._demand_before = [station.demand for station in self.stations]

    def run(self) -> dict[str, float]:
        """Simulate the cell and return its metrics."""
        env, tally = self.env, self.tally
        Process(env, self._window_opens())
        Process(env, self._arrivals())
        env.run(until=AnyOf(env, [Timeout(env, self.window[1]), tally.overload]))
        if env.now <= self.window[0]:
            return self._overloaded_in_warmup()
        closed = self._close_window(env.now)
        saturated = closed.saturated
        if not saturated and (tally.live or not tally.recovery_settled):
            saturated = not self._drain(closed.span)
        for station in self.stations:
            station.close()
        tally.finish()
        return self._metrics(closed, saturated)

    def _close_window(self, end: float) -> WindowClose:
        tally = self.tally
        tally.close_window(end)
        for station in self.stations:
            station.window_end = min(station.window_end, end)
        span = tally.window_end - tally.window_start
        growth = tally.backlog_growth()
        offered_rate = tally.started / span if span > 0 else math.nan
        # An injected outage piles up a backlog that is meant to drain: in a fault scenario the
        # slope alone proves nothing, and the drain decides instead.
        growing = self.fault is None and growth > SATURATION_GROWTH_SHARE * offered_rate
        saturated = tally.overload.triggered or self._overloaded_station(end, span) or growing
        return WindowClose(span, tally.wip, growth, offered_rate, saturated)

    def _overloaded_station(self, end: float, span: float) -> bool:
        """Was any station asked for more service than it could give while it was up?"""
        for station, before in zip(self.stations, self._demand_before, strict=True):
            demand = station.demand - before
            available = station.capacity * (span - station.down_time_until(end))
            if demand > 0 and demand >= available:
                return True
        return False

    def _drain(self, span: float) -> bool:
        """Run on until every counted workflow has ended, for at most ``span``; did they all end?"""
        env, tally = self.env, self.tally
        drained = env.event()
        tally.drained = drained
        env.run(until=AnyOf(env, [drained, Timeout(env, span)]))
        tally.drained = None
        return not tally.live

    def _metrics(self, closed: WindowClose, saturated: bool) -> dict[str, float]:
        tally, span = self.tally, closed.span
        ended = tally.completed + tally.failed + tally.lost
        metrics: dict[str, float] = {
            "offered_rate": closed.offered_rate,
            "started": tally.started,
            "completed": tally.completed,
            "failed": tally.failed,
            "lost": tally.lost,
            "completed_rate": tally.completions_in_window / span,
            "error_rate": (tally.failed + tally.lost) / ended if ended else math.nan,
            "cycle_time_mean": tally.cycle_time_mean,
            "cycle_time_p50": tally.cycle_time(50),
            "cycle_time_p95": tally.cycle_time(95),
            "cycle_time_p99": tally.cycle_time(99),
            "backlog_end": closed.backlog_end,
            "backlog_growth": closed.growth,
            "saturated": float(saturated),
            "little_l": tally.area / span,
            "little_lambda_w": tally.sojourn_sum / span,
            "exceptions": tally.exceptions,
            "manual_interventions": tally.manual_interventions,
            "dead_lettered": tally.dead_lettered,
            "duplicates": tally.duplicates,
        }
        if tally.by_type is not None:
            metrics.update(tally.by_type.metrics())
        metrics.update(self._station_metrics(span))
        if self.fault is not None:
            metrics.update(self.fault.metrics(tally))
        return metrics

    def _overloaded_in_warmup(self) -> dict[str, float]:
        """The backlog passed its limit before the window opened: nothing was measured but that."""
        now, tally = self.env.now, self.tally
        nothing = dict.fromkeys(("cycle_time_mean", "cycle_time_p50", "cycle_time_p95", "cycle_time_p99"), math.nan)
        counts = dict.fromkeys(
            WORKFLOW_COUNTERS,
            0.0,
        )
        return {
            **counts,
            **nothing,
            "offered_rate": tally.arrived / now,
            "completed_rate": math.nan,
            "error_rate": math.nan,
            "backlog_end": tally.wip,
            "backlog_growth": tally.wip / now,  # from empty to the limit in ``now`` seconds
            "saturated": 1.0,
        }

    def _station_metrics(self, span: float) -> dict[str, float]:
        """Utilisation, mean wait and mean queue per resource; stations of one name are one resource."""
        groups: dict[str, list[Station]] = {}
        for station in self.stations:
            groups.setdefault(station.name, []).append(station)
        metrics: dict[str, float] = {}
        for name, stations in groups.items():
            capacity = sum(s.capacity for s in stations)
            waits = sum(s.waits for s in stations)
            metrics[f"utilization:{name}"] = sum(s.busy_time for s in stations) / (capacity * span)
            if waits:
                metrics[f"wait_mean:{name}"] = sum(s.wait_sum for s in stations) / waits
            metrics[f"queue_mean:{name}"] = sum(s.queue_time for s in stations) / span
        return metrics

    @property
    def visits(self) -> int:
        """Resource visits served so far, every station counted (the benchmark's unit of work)."""
        return sum(station.served for station in self.stations)

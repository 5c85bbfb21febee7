"""What a replication measures about workflows: counts, cycle times, backlog, Little's law.

Workflows whose intended start falls in the measurement window ``[warmup, horizon)`` are
*counted*: their outcomes, exceptions and cycle times are the replication's results; earlier
ones only warm the system up. The backlog (workflows in the system, counted or not) is
integrated over the window as it changes, which gives its time average (Little's L), its
least-squares slope (``backlog_growth``, per second) and its level before a fault.

Cycle times go into a streaming HDR histogram (microsecond resolution, three significant
digits) so that a million workflows cost a fixed 300 KB instead of a list of a million floats.
Workflows still in the system when the run ends are *censored*: their age so far enters the
cycle-time statistics as a lower bound, so a saturated run reports a large p95 instead of the
flattering p95 of the few that got through.
"""

from __future__ import annotations

import math
from typing import Any

import simpy
from hdrh.histogram import HdrHistogram

from evalkit.sim.flow import COMPLETED, FAILED, LOST, Flow
from evalkit.sim.type_tally import TypeTally

__all__ = ["Tally"]

_MICROSECONDS = 1e6
_LARGEST_MICROSECONDS = 10**13  # about 115 days: longer cycle times are recorded as this


class Tally:
    """Running measurements of one replication's workflows."""

    def __init__(self, env: simpy.Environment, window: tuple[float, float], backlog_limit: int) -> None:
        self.env = env
        self.window_start, self.window_end = window
        self.backlog_limit = backlog_limit
        self.overload = env.event()
        self.drained: simpy.Event | None = None
        self.wip = 0
        self.arrived = 0
        self.live: dict[int, Flow] = {}
        self._last = 0.0
        self.area_total = 0.0
        self.area = 0.0
        self.moment = 0.0
        self.started = self.completed = self.failed = self.lost = 0
        self.completions_in_window = 0
        self.exceptions = self.manual_interventions = self.dead_lettered = self.duplicates = 0
        self.stalled = 0
        self.censored = 0
        self.cycle_sum = 0.0
        self.sojourn_sum = 0.0
        self.histogram = HdrHistogram(1, _LARGEST_MICROSECONDS, 3)
        self.recovery_level: float | None = None
        self.recovered_at: float | None = None
        #: With a mix of workflow types: the same measurements per type (``metric@type``).
        self.by_type: TypeTally | None = None

    def _advance(self, now: float) -> None:
        last = self._last
        if now <= last:
            return
        wip = self.wip
        self.area_total += wip * (now - last)
        low, high = self.window_start, self.window_end
        left = last if last > low else low
        right = now if now < high else high
        if right > left:
            self.area += wip * (right - left)
            self.moment += wip * (right * right - left * left) / 2
        self._last = now

    def arrive(self, flow: Flow) -> None:
        """A workflow entered the system at its intended start (now)."""
        self._advance(flow.start)
        self.wip += 1
        self.arrived += 1
        if flow.counted:
            self.started += 1
            self.live[flow.index] = flow
            if self.by_type is not None:
                self.by_type.start(flow.workflow_type)
        if self.wip > self.backlog_limit and not self.overload.triggered:
            self.overload.succeed()

    def end(self, flow: Flow, outcome: str) -> None:
        """A workflow ended: completed, failed or lost. Later calls for it are ignored."""
        if flow.ended:
            return
        flow.ended = True
        flow.outcome = outcome
        now = self.env._now  # the property costs a call on every workflow
        self._advance(now)
        self.wip -= 1
        if outcome == COMPLETED and self.window_start <= now < self.window_end:
            self.completions_in_window += 1
        if flow.counted:
            self._count(flow, outcome, now - flow.start)
        if self.recovery_level is not None and self.recovered_at is None and self.wip <= self.recovery_level:
            self.recovered_at = now
        if self.drained is not None and not self.live and self.recovery_settled:
            self.drained.succeed()
            self.drained = None

    def _count(self, flow: Flow, outcome: str, age: float) -> None:
        del self.live[flow.index]
        self.sojourn_sum += age
        if self.by_type is not None:
            self.by_type.end(flow.workflow_type, outcome, age)
        if outcome == COMPLETED:
            self.completed += 1
            self.cycle_sum += age
            self.histogram.record_value(min(int(age * _MICROSECONDS), _LARGEST_MICROSECONDS))
        elif outcome == FAILED:
            self.failed += 1
        elif outcome == LOST:
            self.lost += 1

    # Counters of what happened to counted workflows.
    def exception(self, flow: Flow) -> None:
        if flow.counted:
            self.exceptions += 1

    def manual(self, flow: Flow) -> None:
        if flow.counted:
            self.manual_interventions += 1

    def dead_letter(self, flow: Flow) -> None:
        if flow.counted:
            self.dead_lettered += 1

    def duplicate(self, flow: Flow) -> None:
        if flow.counted:
            self.duplicates += 1

    def stall(self, flow: Any) -> None:
        """A workflow found a failed component down (the outage watch of a fault)."""
        if not flow.stalled and not flow.ended:
            flow.stalled = True
            self.stalled += 1

    # Faults.
    def backlog_area_now(self) -> float:
        """∫ backlog dt from time 0 until now."""
        self._advance(self.env.now)
        return self.area_total

    def expect_recovery(self, level: float) -> None:
        """From now, note the first moment the backlog is back at ``level`` or below."""
        self.recovery_level = level
        if self.wip <= level:
            self.recovered_at = self.env.now

    @property
    def recovery_settled(self) -> bool:
        return self.recovery_level is None or self.recovered_at is not None

    # The end of a run.
    def close_window(self, end: float) -> None:
        """The measurement window ends at ``end`` (the horizon, or earlier when overloaded)."""
        self._advance(end)
        self.window_end = min(self.window_end, end)

    def backlog_growth(self) -> float:
        """Least-squares slope of the backlog over the window (workflows per second)."""
        start, end = self.window_start, self.window_end
        span = end - start
        if span <= 0:
            return math.nan
        middle = (start + end) / 2
        return (self.moment - middle * self.area) / (span**3 / 12)

    def finish(self) -> None:
        """Censor counted workflows still in the system: their age so far is a lower bound."""
        now = self.env.now
        for flow in self.live.values():
            age = now - flow.start
            self.censored += 1
            self.sojourn_sum += age
            self.cycle_sum += age
            self.histogram.record_value(min(int(age * _MICROSECONDS), _LARGEST_MICROSECONDS))
            if self.by_type is not None:
                self.by_type.censor(flow.workflow_type, age)
        self.live = {}

    def cycle_time(self, percentile: float) -> float:
        """A cycle-time percentile in seconds (NaN when nothing completed)."""
        if self.histogram.get_total_count() == 0:
            return math.nan
        return self.histogram.get_value_at_percentile(percentile) / _MICROSECONDS

    @property
    def cycle_time_mean(self) -> float:
        measured = self.completed + self.censored
        return self.cycle_sum / measured if measured else math.nan

"""Cycle times and outcomes per workflow type of a mix (``metric@type`` results).

The replication's ``Tally`` measures the whole; with a mix of workflow types it hands each
counted workflow's arrival, outcome and cycle time (or, censored, its age so far) to a
``TypeTally`` too, which keeps the same counts and a streaming histogram per type. The whole
stays under the plain names (``workflow_type = all``); each type gets ``cycle_time_p95@NAME``
and the other ``evalkit.metrics.TYPE_METRICS``.
"""

from __future__ import annotations

import math

from hdrh.histogram import HdrHistogram

__all__ = ["TypeTally"]

_MICROSECONDS = 1e6
_LARGEST_MICROSECONDS = 10**13


class _Counts:
    __slots__ = ("completed", "cycle_sum", "failed", "histogram", "lost", "measured", "started")

    def __init__(self) -> None:
        self.started = self.completed = self.failed = self.lost = self.measured = 0
        self.cycle_sum = 0.0
        self.histogram = HdrHistogram(1, _LARGEST_MICROSECONDS, 3)

    def record(self, age: float) -> None:
        self.measured += 1
        self.cycle_sum += age
        self.histogram.record_value(min(int(age * _MICROSECONDS), _LARGEST_MICROSECONDS))

    def percentile(self, percentile: float) -> float:
        if self.histogram.get_total_count() == 0:
            return math.nan
        return self.histogram.get_value_at_percentile(percentile) / _MICROSECONDS


class TypeTally:
    """Counted workflows' outcomes and cycle times, per workflow type."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self._counts = [_Counts() for _ in names]

    def start(self, workflow_type: int) -> None:
        self._counts[workflow_type].started += 1

    def end(self, workflow_type: int, outcome: str, age: float) -> None:
        counts = self._counts[workflow_type]
        if outcome == "completed":
            counts.completed += 1
            counts.record(age)
        elif outcome == "failed":
            counts.failed += 1
        elif outcome == "lost":
            counts.lost += 1

    def censor(self, workflow_type: int, age: float) -> None:
        """A counted workflow still in the system at the end: its age is a lower bound."""
        self._counts[workflow_type].record(age)

    def metrics(self) -> dict[str, float]:
        """``metric@type`` for every type."""
        found: dict[str, float] = {}
        for name, counts in zip(self.names, self._counts, strict=True):
            ended = counts.completed + counts.failed + counts.lost
            found.update(
                {
                    f"started@{name}": counts.started,
                    f"completed@{name}": counts.completed,
                    f"failed@{name}": counts.failed,
                    f"lost@{name}": counts.lost,
                    f"error_rate@{name}": (counts.failed + counts.lost) / ended if ended else math.nan,
                    f"cycle_time_mean@{name}": counts.cycle_sum / counts.measured if counts.measured else math.nan,
                    f"cycle_time_p50@{name}": counts.percentile(50),
                    f"cycle_time_p95@{name}": counts.percentile(95),
                    f"cycle_time_p99@{name}": counts.percentile(99),
                }
            )
        return found

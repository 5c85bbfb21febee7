"""A candidate's measured stages, read from a run's results table.

A **stage** is one load multiple of a load test (``source="load"``, fault-free): its offered
rate, and the figures a calibration can fit to: throughput (``completed_rate``), mean and p95
cycle time, and, where the target exposes them, utilisation and mean wait per resource. A stage
flagged ``saturated`` has no steady state to fit; it still serves the hold-out check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from evalkit.errors import InputError
from evalkit.results import ResultTable

__all__ = ["Stage", "measured_stages"]


@dataclass(frozen=True)
class Stage:
    """One measured multiple of one candidate."""

    multiple: float
    metrics: dict[str, float]

    @property
    def offered_rate(self) -> float:
        return self.metrics["offered_rate"]

    @property
    def saturated(self) -> bool:
        return self.metrics.get("saturated", 0.0) > 0 or not math.isfinite(self.metrics.get("cycle_time_p95", math.nan))

    def value(self, metric: str) -> float:
        return self.metrics.get(metric, math.nan)


def measured_stages(table: ResultTable, candidate: str, source: str = "load") -> list[Stage]:
    """Every measured multiple of ``candidate`` (mean over replications), lowest first."""
    frame = table.whole  # the whole traffic's figures (a mix's per-type rows repeat the names)
    rows = frame[(frame["source"] == source) & (frame["candidate"] == candidate) & (frame["scenario"] == "baseline")]
    if rows.empty:
        known = sorted(set(frame.loc[frame["source"] == source, "candidate"]))
        hint = f"; it has {source} rows for: {', '.join(known)}" if known else f"; it has no {source} rows at all"
        raise InputError(f"the run has no {source} measurements of candidate {candidate!r}{hint}")
    stages = []
    for multiple, group in rows.groupby("multiple", sort=True):
        means = group.groupby("metric")["value"].mean()
        stages.append(Stage(float(multiple), {str(k): float(v) for k, v in means.items()}))
    return stages

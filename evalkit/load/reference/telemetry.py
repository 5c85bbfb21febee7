"""The reference platform's ``/metrics``: cumulative accounting, and metrics between two snapshots.

A snapshot holds, per resource (named as in results: ``engine``, ``store:sales``, ``broker``,
``consumers:pick``, ``system:payments``, ``staff:analysts``; a broker's partitions add up to
``broker``), cumulative busy time, queue-length integral and waits, plus the platform's counters
(exceptions, manual interventions, dead letters, duplicates) and its current queue lengths. All
times are study seconds, already divided by the time scale. Two snapshots taken at the edges of a
measurement window give that window's utilisation, mean queue and mean wait, which is how a load
test reports the same per-resource metrics as the simulation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from evalkit.load.reference.resources import PoolTotals
from evalkit.metrics import WORKFLOW_COUNTERS

__all__ = ["COUNTERS", "snapshot", "window_metrics"]

COUNTERS = WORKFLOW_COUNTERS


def snapshot(
    pools: Iterable[tuple[str, PoolTotals]], counters: Mapping[str, int], *, now: float, time_scale: float
) -> dict[str, Any]:
    """A JSON-ready snapshot; ``now`` is real seconds since the platform started."""
    resources: dict[str, dict[str, float]] = {}
    for name, totals in pools:
        entry = resources.setdefault(
            name, {"capacity": 0, "busy": 0.0, "queued": 0.0, "wait_sum": 0.0, "waits": 0, "in_use": 0, "queue": 0}
        )
        entry["capacity"] += totals.capacity
        entry["busy"] += totals.busy / time_scale
        entry["queued"] += totals.queued / time_scale
        entry["wait_sum"] += totals.wait_sum / time_scale
        entry["waits"] += totals.waits
        entry["in_use"] += totals.in_use
        entry["queue"] += totals.queue
    return {"time": now / time_scale, "resources": resources, "counters": dict(counters)}


def window_metrics(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, float]:
    """Utilisation, mean queue and mean wait per resource, and counter increments, between snapshots."""
    elapsed = after["time"] - before["time"]
    metrics: dict[str, float] = {}
    if elapsed <= 0:
        return metrics
    for name, end in after["resources"].items():
        start = before["resources"].get(name)
        if start is None:
            continue
        waits = end["waits"] - start["waits"]
        metrics[f"utilization:{name}"] = (end["busy"] - start["busy"]) / (end["capacity"] * elapsed)
        metrics[f"queue_mean:{name}"] = (end["queued"] - start["queued"]) / elapsed
        metrics[f"wait_mean:{name}"] = (end["wait_sum"] - start["wait_sum"]) / waits if waits else math.nan
    for name in ("exceptions", "manual_interventions", "dead_lettered", "duplicates"):
        metrics[name] = float(after["counters"].get(name, 0) - before["counters"].get(name, 0))
    return metrics

"""From a stage's merged record to the result metrics the simulation also writes.

The definitions follow ``docs/models.md`` ("What is measured"): the cohort is the workflows whose
intended start falls in the window; ``offered_rate`` is the cohort's size per second, while
``achieved_rate`` counts the starts actually *sent* inside the window (a generator that falls
behind shows it there); ``completed_rate`` counts completions inside the window; ``error_rate``
is (failed + lost) / ended; cycle-time statistics cover completed workflows plus those the stage
gave up on, at their age then (``timeouts``, a lower bound). A mix whose start call carried each
workflow's type has the same outcome and cycle-time figures per type (``metric@type``, filed under
the results' ``workflow_type``).

Every duration the generator measured is wall-clock; a reference platform running at
``time_scale`` real seconds per study second is converted back, so a measured ``cycle_time_p95``
and a simulated one are in the same unit. Rates are per study second.

**Saturation.** A finite window cannot prove that a backlog grows *without bound*; it can show
that the backlog grew by more than a stable queue's noise. A stage is flagged saturated when the
least-squares growth of workflows in the system over the window exceeds both a tenth of the
window's arrivals (the simulation's rule) and three Poisson standard deviations of them
(``3·sqrt(n)``, which keeps a short, quiet window from being flagged by chance), or when arrivals
had to be dropped because the bounded pool of in-flight workflows was full.

**Generator-limited.** A stage whose late starts exceed ``LATE_SHARE_LIMIT`` of its starts (and
number at least ``MIN_LATE_STARTS``), or whose busiest generator process used more than
``GENERATOR_CPU_LIMIT`` of a core over the arrivals, measured the generator as much as the
platform: ``generator_limited`` is 1 and the analysis treats the stage as inconclusive (no
knock-out, no degradation point, no model error). ``generator_advice`` is the one line that says
how to give the generator more room.

Two deliberate departures from "any sign of strain": a handful of late starts in a small stage
(1 of 24 is 4%) is the scheduler of a shared machine, a few milliseconds on a few workflows, not a
generator that cannot keep time, so a count floor applies; and dropped starts alone do not mark
the stage, because a start is dropped when the in-flight pool is full, which is what a platform
that falls behind does to an idle generator: that is the platform's overload (the stage is
saturated), not the generator's. A generator that drops because it is itself overwhelmed is late
or busy as well, and is caught by those rules.
"""

from __future__ import annotations

import math

import numpy as np

from evalkit.load.failures import failure_metrics
from evalkit.load.recording import StageRecord
from evalkit.load.reference.telemetry import window_metrics

__all__ = [
    "GENERATOR_CPU_LIMIT",
    "LATE_SHARE_LIMIT",
    "MIN_LATE_STARTS",
    "SATURATION_SHARE",
    "backlog_growth",
    "generator_advice",
    "is_generator_limited",
    "is_saturated",
    "stage_metrics",
]

SATURATION_SHARE = 0.10
#: More late starts than this share of the stage's starts: the generator could not keep time.
LATE_SHARE_LIMIT = 0.01
#: Fewer late starts than this are scheduler jitter, whatever their share (see the module doc).
MIN_LATE_STARTS = 10
#: A generator process busier than this share of one core is the bottleneck itself.
GENERATOR_CPU_LIMIT = 0.90
_CYCLE = ("cycle_time_mean", "cycle_time_p50", "cycle_time_p95", "cycle_time_p99")


def backlog_growth(record: StageRecord) -> float:
    """Least-squares slope of workflows in the system over the window, per wall-clock second."""
    times, counts = record.window_samples()
    if len(times) < 3:
        return math.nan
    slope, _ = np.polyfit(times, counts, 1)
    return float(slope)


def is_saturated(record: StageRecord, growth_per_second: float) -> bool:
    """Whether the window's backlog grew beyond what a stable queue shows (see the module doc)."""
    if record.counts["dropped"] > 0:
        return True
    if math.isnan(growth_per_second):
        return False
    arrivals = record.counts["scheduled"]
    grown = growth_per_second * record.window
    return grown > max(SATURATION_SHARE * arrivals, 3.0 * math.sqrt(arrivals), 1.0)


def is_generator_limited(record: StageRecord) -> bool:
    """Whether the generator's own limits shaped this stage (see the module doc)."""
    counts = record.counts
    return _late(counts["late"], counts["started"]) or _busy(record.generator_cpu)


def _late(late: float, started: float) -> bool:
    return bool(started) and late >= MIN_LATE_STARTS and late / started > LATE_SHARE_LIMIT


def _busy(cpu: float) -> bool:
    return math.isfinite(cpu) and cpu > GENERATOR_CPU_LIMIT


def generator_advice(label: str, metrics: dict[str, float]) -> str | None:
    """One line saying why a stage was generator-limited and how to fix it; ``None`` when it was not."""
    if metrics.get("generator_limited") != 1.0:
        return None
    started = metrics.get("started", 0.0)
    found = []
    if _late(metrics.get("late_starts", 0.0), started):
        found.append(f"{metrics['late_starts'] / started:.0%} late starts")
    if metrics.get("dropped_starts", 0.0) > 0:
        found.append(f"{metrics['dropped_starts']:.0f} dropped starts")
    cpu = metrics.get("generator_cpu", math.nan)
    if _busy(cpu):
        found.append(f"generator CPU {cpu:.0%}")
    fixes = "more generators (--load-processes N or --load-workers N)"
    if metrics.get("polls_per_second", 0.0) > 0:
        fixes += ", a longer poll_interval"
    if metrics.get("dropped_starts", 0.0) > 0:
        fixes += ", a larger load.max_in_flight"
    return f"{label}: generator-limited ({', '.join(found)}), inconclusive for the platform; use {fixes}"


def _seconds(histogram_value: int, time_scale: float) -> float:
    return histogram_value / 1e6 / time_scale


def _cycle_metrics(record: StageRecord, time_scale: float) -> dict[str, float]:
    count = record.sums["cycle_count"]
    if not count:
        return dict.fromkeys(_CYCLE, math.nan)
    histogram = record.cycle
    return {
        "cycle_time_mean": record.sums["cycle_sum"] / count / time_scale,
        "cycle_time_p50": _seconds(histogram.get_value_at_percentile(50), time_scale),
        "cycle_time_p95": _seconds(histogram.get_value_at_percentile(95), time_scale),
        "cycle_time_p99": _seconds(histogram.get_value_at_percentile(99), time_scale),
    }


def _start_metrics(record: StageRecord, time_scale: float) -> dict[str, float]:
    count = record.sums["start_latency_count"]
    if not count:
        return {"start_latency_mean": math.nan, "start_latency_p95": math.nan}
    return {
        "start_latency_mean": record.sums["start_latency_sum"] / count / time_scale,
        "start_latency_p95": _seconds(record.start_latency.get_value_at_percentile(95), time_scale),
    }


def _backlog_metrics(record: StageRecord, time_scale: float) -> dict[str, float]:
    growth = backlog_growth(record)
    _, counts = record.window_samples()
    in_system = record.sums["in_system_count"]
    mean_time = record.sums["in_system_sum"] / in_system if in_system else math.nan
    return {
        "backlog_end": float(counts[-1]) if len(counts) else math.nan,
        # per wall-clock second -> per study second
        "backlog_growth": growth * time_scale,
        "saturated": float(is_saturated(record, growth)),
        "little_l": float(counts.mean()) if len(counts) else math.nan,
        "little_lambda_w": record.counts["started"] / record.window * mean_time,
    }


def stage_metrics(record: StageRecord, *, time_scale: float) -> dict[str, float]:
    """Result metrics of one stage (per study second and in study seconds)."""
    counts = record.counts
    window = record.window / time_scale
    ended = counts["completed"] + counts["failed"] + counts["lost"]
    metrics = {
        "offered_rate": counts["scheduled"] / window,
        "started": float(counts["started"]),
        "achieved_rate": counts["sent_in_window"] / window,
        "completed": float(counts["completed"]),
        "failed": float(counts["failed"]),
        "lost": float(counts["lost"]),
        "timeouts": float(counts["timeouts"]),
        "completed_rate": counts["completed_in_window"] / window,
        "error_rate": (counts["failed"] + counts["lost"]) / ended if ended else math.nan,
        "late_starts": float(counts["late"]),
        "dropped_starts": float(counts["dropped"]),
        "polls_per_second": counts["polls_in_window"] / window,
        "generator_cpu": record.generator_cpu,
        "generator_limited": float(is_generator_limited(record)),
        **_cycle_metrics(record, time_scale),
        **_start_metrics(record, time_scale),
        **_backlog_metrics(record, time_scale),
        **failure_metrics(record),  # back-pressure, requests per workflow, errors per class
    }
    if record.reference:
        metrics.update(window_metrics(record.reference["before"], record.reference["after"]))
    for workflow_type, part in record.types.items():
        metrics.update({f"{name}@{workflow_type}": value for name, value in _type_metrics(part, time_scale).items()})
    return metrics


def _type_metrics(part: StageRecord, time_scale: float) -> dict[str, float]:
    """One workflow type's cohort (``evalkit.metrics.TYPE_METRICS``): outcomes and cycle times."""
    counts = part.counts
    ended = counts["completed"] + counts["failed"] + counts["lost"]
    return {
        "started": float(counts["started"]),
        "completed": float(counts["completed"]),
        "failed": float(counts["failed"]),
        "lost": float(counts["lost"]),
        "error_rate": (counts["failed"] + counts["lost"]) / ended if ended else math.nan,
        **_cycle_metrics(part, time_scale),
    }

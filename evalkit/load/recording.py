"""What one generator process records during one stage, and how processes' records merge.

A **cohort** is the workflows whose *intended* start falls in the stage's measurement window;
they are the ones counted (``started``, ``completed``…), whatever time they actually started or
ended. Their cycle times and start-call latencies go into HDR histograms (3 significant digits,
microseconds), so memory stays bounded at any rate and several processes' histograms merge
exactly (encode, decode and add, never an average of percentiles). A cohort workflow the stage
gave up on (a timeout) enters the cycle-time histogram with its age at that moment, a lower
bound, as the simulation does with workflows still in the system when it stops.

Two counts go by wall-clock time instead of cohort: starts actually *sent* inside the window
(the achieved rate: a generator that falls behind sends fewer) and completions inside the window
(the completed rate). Alongside, the number of workflows in the system (intended start passed,
not yet ended) is sampled at a fixed interval: its slope over the window is the backlog growth.

This module is plain Python: the generator fills a ``StageRecorder`` under gevent and ships
``to_json()``; the calling process rebuilds and merges them with ``merge_records``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from hdrh.histogram import HdrHistogram

from evalkit.metrics import ERROR_CLASSES

__all__ = ["HIGHEST_MICROSECONDS", "Outcome", "StageRecord", "StageRecorder", "merge_records", "new_histogram"]

#: Longest duration a histogram holds: one week, in microseconds (longer values are clamped).
HIGHEST_MICROSECONDS = 7 * 24 * 3600 * 1_000_000
SIGNIFICANT_DIGITS = 3
#: ``rejected``: the target pushed back (429/503) on every try of the start call; not a lost workflow.
Outcome = Literal["completed", "failed", "lost", "timeout", "rejected"]
_COUNTS = (
    "scheduled",
    "started",
    "completed",
    "failed",
    "lost",
    "timeouts",
    "late",
    "dropped",
    "sent_in_window",
    "completed_in_window",
    # live targets: back-pressure, requests sent per workflow, and why workflows ended in error
    "rejected",
    "requests",
    *(f"errors_{name}" for name in ERROR_CLASSES),
)
_SUMS = ("cycle_sum", "cycle_count", "start_latency_sum", "start_latency_count", "in_system_sum", "in_system_count")


def new_histogram() -> HdrHistogram:
    return HdrHistogram(1, HIGHEST_MICROSECONDS, SIGNIFICANT_DIGITS)


def _microseconds(seconds: float) -> int:
    return min(max(round(seconds * 1e6), 1), HIGHEST_MICROSECONDS)


@dataclass
class StageRecord:
    """Everything counted for one stage, by one process or merged over several (wall-clock seconds)."""

    window_start: float
    window_end: float
    sample_interval: float
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_COUNTS, 0))
    sums: dict[str, float] = field(default_factory=lambda: dict.fromkeys(_SUMS, 0.0))
    cycle: HdrHistogram = field(default_factory=new_histogram)
    start_latency: HdrHistogram = field(default_factory=new_histogram)
    in_system: list[int] = field(default_factory=list)
    reference: dict[str, Any] | None = None
    in_system_now: int = 0  # recording side: intended start passed, not ended yet
    #: How many generators' records this one merges (1 for a single generator's own record).
    generators: int = 1
    #: Raw cycle times (microseconds) in a debug run only: they let a test check the merged
    #: histogram against one built from the union of the samples. ``None``: not kept.
    samples: list[int] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "window_start": self.window_start,
            "window_end": self.window_end,
            "sample_interval": self.sample_interval,
            "counts": self.counts,
            "sums": self.sums,
            "cycle": self.cycle.encode().decode("ascii"),
            "start_latency": self.start_latency.encode().decode("ascii"),
            "in_system": self.in_system,
            "reference": self.reference,
            "generators": self.generators,
            **({"samples": self.samples} if self.samples is not None else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StageRecord:
        record = cls(data["window_start"], data["window_end"], data["sample_interval"])
        record.counts = {name: int(data["counts"].get(name, 0)) for name in _COUNTS}
        record.sums = {name: float(data["sums"].get(name, 0.0)) for name in _SUMS}
        record.cycle.decode_and_add(data["cycle"])
        record.start_latency.decode_and_add(data["start_latency"])
        record.in_system = [int(n) for n in data["in_system"]]
        record.reference = data.get("reference")
        record.generators = int(data.get("generators", 1))
        record.samples = [int(v) for v in data["samples"]] if data.get("samples") is not None else None
        return record

    @property
    def window(self) -> float:
        return self.window_end - self.window_start

    def in_window(self, offset: float) -> bool:
        return self.window_start <= offset < self.window_end

    def window_samples(self) -> tuple[np.ndarray, np.ndarray]:
        """Sample times and in-system counts inside the measurement window."""
        counts = np.asarray(self.in_system, dtype=float)
        times = np.arange(len(counts)) * self.sample_interval
        inside = (times >= self.window_start - 1e-9) & (times <= self.window_end + 1e-9)
        return times[inside], counts[inside]


class StageRecorder(StageRecord):
    """The recording side: one generator process calls these as its workflows progress.

    ``offset`` is a workflow's intended start, in seconds from the start of the stage.
    """

    def scheduled(self, offset: float) -> None:
        if self.in_window(offset):
            self.counts["scheduled"] += 1

    def dropped(self, offset: float) -> None:
        if self.in_window(offset):
            self.counts["dropped"] += 1

    def started(self, offset: float, lateness: float, late_after: float) -> None:
        """A start call is about to be sent ``lateness`` seconds after its intended time."""
        self.in_system_now += 1
        if self.in_window(offset + lateness):
            self.counts["sent_in_window"] += 1
        if self.in_window(offset):
            self.counts["started"] += 1
            self.counts["late"] += lateness > late_after

    def start_answered(self, offset: float, latency: float) -> None:
        if self.in_window(offset):
            self.start_latency.record_value(_microseconds(latency))
            self.sums["start_latency_sum"] += latency
            self.sums["start_latency_count"] += 1

    def ended(
        self, offset: float, outcome: Outcome, elapsed: float, *, error: str | None = None, requests: int = 0
    ) -> None:
        """The workflow ended (or was given up on: ``timeout``) ``elapsed`` seconds after its intended start."""
        self.in_system_now -= 1
        if outcome == "completed" and self.in_window(offset + elapsed):
            self.counts["completed_in_window"] += 1
        if not self.in_window(offset):
            return
        self.counts["requests"] += requests
        if error is not None:  # one of evalkit.metrics.ERROR_CLASSES
            self.counts[f"errors_{error}"] += 1
        self.counts["timeouts" if outcome == "timeout" else outcome] += 1
        self.sums["in_system_sum"] += elapsed
        self.sums["in_system_count"] += 1
        if outcome in ("completed", "timeout"):
            self.cycle.record_value(_microseconds(elapsed))
            if self.samples is not None:
                self.samples.append(_microseconds(elapsed))
            self.sums["cycle_sum"] += elapsed
            self.sums["cycle_count"] += 1

    def sample(self) -> None:
        self.in_system.append(self.in_system_now)


def merge_records(records: list[StageRecord]) -> StageRecord:
    """One record for a stage from every process's record (exact: counts add, histograms add)."""
    first = records[0]
    merged = StageRecord(first.window_start, first.window_end, first.sample_interval)
    length = max(len(r.in_system) for r in records)
    in_system = np.zeros(length, dtype=int)
    for record in records:
        for name, value in record.counts.items():
            merged.counts[name] += value
        for name, total in record.sums.items():
            merged.sums[name] += total
        merged.cycle.add(record.cycle)
        merged.start_latency.add(record.start_latency)
        samples = np.asarray(record.in_system, dtype=int)
        # A process that stopped sampling early held its last count (nothing new arrived there).
        if len(samples):
            in_system += np.pad(samples, (0, length - len(samples)), mode="edge")
        merged.reference = merged.reference or record.reference
        if record.samples is not None:
            merged.samples = (merged.samples or []) + record.samples
    merged.generators = sum(record.generators for record in records)
    merged.in_system = in_system.tolist()
    return merged

"""What one generator process records during one stage, and how processes' records merge.

A **cohort** is the workflows whose *intended* start falls in the stage's measurement window;
they are the ones counted (``started``, ``completed``…), whatever time they actually started or
ended. Their cycle times and start-call latencies go into HDR histograms (3 significant digits,
microseconds), so memory stays bounded at any rate and several processes' histograms merge
exactly (encode, decode and add, never an average of percentiles). A cohort workflow the stage
gave up on (a timeout) enters the cycle-time histogram with its age at that moment, a lower
bound, as the simulation does with workflows still in the system when it stops.

Two counts go by wall-clock time instead of cohort: starts actually *sent* inside the window
(the achieved rate: a generator that falls behind sends fewer), completions inside the window
(the completed rate) and status polls sent inside the window. Alongside, the number of workflows
in the system (intended start passed, not yet ended) is sampled about every ``sample_interval``:
its slope over the window is the backlog growth. Every sample carries the time it was actually
taken, and the slope is fitted on those times: a generator too busy to sample on time takes its
samples late, and placing them by their index would slide samples from the drain into the window.

The generator also notes its own CPU share over the stage's arrivals (``generator_cpu``): with
the late and dropped starts, it says whether the stage measured the platform or the generator.

**A mix of workflow types.** When the generator chose each workflow's type (and the start call
carried it to the target), the cohort is also counted per type: ``types`` holds one small record
per type name with its outcome counts and cycle-time histogram, merged the same exact way.

This module is plain Python: the generator fills a ``StageRecorder`` under gevent and ships
``to_json()``; the calling process rebuilds and merges them with ``merge_records``.
"""

from __future__ import annotations

import math
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
    "polls_in_window",
    # live targets: back-pressure, requests sent per workflow, and why workflows ended in error
    "rejected",
    "requests",
    # given up on at the drain's end and still running on the live target when the next stage began
    "spilled",
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
    #: When each ``in_system`` sample was taken (seconds from the stage's start), same length.
    sample_times: list[float] = field(default_factory=list)
    #: CPU time ÷ wall time of the busiest generator process over the arrivals (NaN: not measured).
    generator_cpu: float = math.nan
    reference: dict[str, Any] | None = None
    in_system_now: int = 0  # recording side: intended start passed, not ended yet
    #: How many generators' records this one merges (1 for a single generator's own record).
    generators: int = 1
    #: Raw cycle times (microseconds) in a debug run only: they let a test check the merged
    #: histogram against one built from the union of the samples. ``None``: not kept.
    samples: list[int] | None = None
    #: workflow type -> the cohort's counts and cycle times of that type (a mix whose type the start carried).
    types: dict[str, StageRecord] = field(default_factory=dict)

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
            "sample_times": self.sample_times,
            "generator_cpu": None if math.isnan(self.generator_cpu) else self.generator_cpu,
            "reference": self.reference,
            "generators": self.generators,
            **({"samples": self.samples} if self.samples is not None else {}),
            **({"types": {name: part.to_json() for name, part in self.types.items()}} if self.types else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StageRecord:
        record = cls(data["window_start"], data["window_end"], data["sample_interval"])
        record.counts = {name: int(data["counts"].get(name, 0)) for name in _COUNTS}
        record.sums = {name: float(data["sums"].get(name, 0.0)) for name in _SUMS}
        record.cycle.decode_and_add(data["cycle"])
        record.start_latency.decode_and_add(data["start_latency"])
        record.in_system = [int(n) for n in data["in_system"]]
        record.sample_times = [float(t) for t in data.get("sample_times", [])]
        cpu = data.get("generator_cpu")
        record.generator_cpu = math.nan if cpu is None else float(cpu)
        record.reference = data.get("reference")
        record.generators = int(data.get("generators", 1))
        record.samples = [int(v) for v in data["samples"]] if data.get("samples") is not None else None
        record.types = {str(name): cls.from_json(part) for name, part in data.get("types", {}).items()}
        return record

    @property
    def window(self) -> float:
        return self.window_end - self.window_start

    def in_window(self, offset: float) -> bool:
        return self.window_start <= offset < self.window_end

    def sample_clock(self) -> np.ndarray:
        """When each in-system sample was taken (a record without time stamps: by index)."""
        if len(self.sample_times) == len(self.in_system):
            return np.asarray(self.sample_times, dtype=float)
        return np.arange(len(self.in_system)) * self.sample_interval

    def window_samples(self) -> tuple[np.ndarray, np.ndarray]:
        """Sample times and in-system counts taken inside the measurement window."""
        counts = np.asarray(self.in_system, dtype=float)
        times = self.sample_clock()
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

    def type_record(self, workflow_type: str) -> StageRecorder:
        """The per-type record of ``workflow_type`` (made on first use, same window)."""
        part = self.types.get(workflow_type)
        if part is None:
            part = self.types[workflow_type] = StageRecorder(self.window_start, self.window_end, self.sample_interval)
        return part  # type: ignore[return-value]

    def started(self, offset: float, lateness: float, late_after: float, workflow_type: str = "") -> None:
        """A start call is about to be sent ``lateness`` seconds after its intended time."""
        if workflow_type:
            self.type_record(workflow_type).started(offset, lateness, late_after)
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
        self,
        offset: float,
        outcome: Outcome,
        elapsed: float,
        *,
        error: str | None = None,
        requests: int = 0,
        workflow_type: str = "",
    ) -> None:
        """The workflow ended (or was given up on: ``timeout``) ``elapsed`` seconds after its intended start."""
        if workflow_type:
            self.type_record(workflow_type).ended(offset, outcome, elapsed, error=error, requests=requests)
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

    def polled(self, at: float) -> None:
        """A status poll was sent ``at`` seconds after the stage's start."""
        if self.in_window(at):
            self.counts["polls_in_window"] += 1

    def sample(self, at: float) -> None:
        """Note the workflows in the system now, ``at`` seconds after the stage's start."""
        self.in_system.append(self.in_system_now)
        self.sample_times.append(at)


def merge_records(records: list[StageRecord]) -> StageRecord:
    """One record for a stage from every process's record (exact: counts add, histograms add)."""
    first = records[0]
    merged = StageRecord(first.window_start, first.window_end, first.sample_interval)
    merged.sample_times, merged.in_system = _merge_samples(records)
    cpu = [r.generator_cpu for r in records if not math.isnan(r.generator_cpu)]
    merged.generator_cpu = max(cpu) if cpu else math.nan
    for record in records:
        for name, value in record.counts.items():
            merged.counts[name] += value
        for name, total in record.sums.items():
            merged.sums[name] += total
        merged.cycle.add(record.cycle)
        merged.start_latency.add(record.start_latency)
        merged.reference = merged.reference or record.reference
        if record.samples is not None:
            merged.samples = (merged.samples or []) + record.samples
    merged.generators = sum(record.generators for record in records)
    names = sorted({name for record in records for name in record.types})
    merged.types = {name: merge_records([r.types[name] for r in records if name in r.types]) for name in names}
    return merged


def _merge_samples(records: list[StageRecord]) -> tuple[list[float], list[int]]:
    """The whole fleet's in-system count at every time any process took a sample.

    Processes sample at their own moments (a busy one late), so each process's count is
    interpolated at the union of the sample times: linearly between its own samples, held at its
    first and last count outside them (a process that stopped sampling early had nothing new).
    """
    sampled = [r for r in records if r.in_system]
    if not sampled:
        return [], []
    times = np.unique(np.concatenate([r.sample_clock() for r in sampled]))
    total = np.zeros(len(times))
    for record in sampled:
        total += np.interp(times, record.sample_clock(), np.asarray(record.in_system, dtype=float))
    return times.tolist(), np.rint(total).astype(int).tolist()

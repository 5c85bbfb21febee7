"""Load stages: one measured step of a load test at one multiple of the study's peak.

A load test ramps through the study's multiples; each **stage** offers an open stream of workflow
starts at ``peak_rate × multiple`` (shaped by the study's profile) for a warm-up, which is
discarded, then a measurement window, then waits up to ``drain_timeout`` for the window's
workflows to finish. A stage is also the unit of resume: the pipeline commits each finished stage
to the run's ledger under ``LoadStage.key``.

Times of a stage are wall-clock seconds of the load test; rates sent to a reference platform are
divided by its ``time_scale`` (a platform that runs a day in 86 s receives a day's arrivals in
86 s) and measured durations are multiplied back, so results are in the study's own units.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from evalkit.errors import InputError
from evalkit.study import Study

__all__ = ["SCENARIO", "LoadStage", "StageTiming", "plan_stages", "stage_seed", "stage_timing"]

SCENARIO = "baseline"
#: Spawn-key namespace that keeps load-test arrival streams apart from the simulation's streams.
_LOAD_STREAM = 0x10AD


@dataclass(frozen=True)
class LoadStage:
    """One stage: a candidate at one load multiple (fault-free, one replication)."""

    candidate: str
    multiple: float

    @property
    def key(self) -> str:
        """Stable ledger key, e.g. ``load|Conductor Engine|baseline|2.0|0``."""
        return f"load|{self.candidate}|{SCENARIO}|{float(self.multiple)!r}|0"

    @property
    def label(self) -> str:
        """Short display and file name: ``2x``, ``1.5x``."""
        return f"{self.multiple:g}x"


@dataclass(frozen=True)
class StageTiming:
    """Wall-clock phases of every stage of one load test."""

    warmup: float
    window: float
    drain: float

    @property
    def arrivals_end(self) -> float:
        return self.warmup + self.window

    @property
    def longest(self) -> float:
        """The most a stage can take: arrivals, then the drain."""
        return self.warmup + self.window + self.drain

    def faster(self, speedup: float) -> StageTiming:
        """The same stage for a platform played ``speedup`` times faster: every phase shortened alike."""
        if not math.isfinite(speedup) or speedup <= 0:
            raise ValueError(f"speedup must be a positive number, got {speedup!r}")
        return StageTiming(warmup=self.warmup / speedup, window=self.window / speedup, drain=self.drain / speedup)


def plan_stages(
    study: Study, *, candidates: Sequence[str] | None = None, multiples: Sequence[float] | None = None
) -> list[LoadStage]:
    """Stages for every (chosen) candidate at every (chosen) multiple, candidates in study order."""
    names = [c.name for c in study.candidates]
    chosen = list(candidates) if candidates is not None else names
    for name in chosen:
        if name not in names:
            raise InputError(f"unknown candidate {name!r}; the study has: {', '.join(names)}")
    levels = sorted(set(float(m) for m in (multiples if multiples is not None else study.traffic.multiples)))
    if not levels or any(not math.isfinite(m) or m <= 0 for m in levels):
        raise InputError(f"load multiples must be positive numbers, got {list(multiples or [])}")
    return [LoadStage(name, m) for name in names if name in chosen for m in levels]


def stage_timing(study: Study, stage_seconds: float | None = None) -> StageTiming:
    """The study's warm-up and drain around a measurement window (``stage_seconds`` overrides it)."""
    window = study.load.stage_duration if stage_seconds is None else float(stage_seconds)
    if not math.isfinite(window) or window <= 0:
        raise InputError(f"stage seconds must be a positive number, got {stage_seconds!r}")
    return StageTiming(warmup=study.load.stage_warmup, window=window, drain=study.load.drain_timeout)


def stage_seed(study_seed: int, multiple: float, worker: int) -> np.random.SeedSequence:
    """The arrival stream of one generator process at one multiple.

    It does not depend on the candidate: every candidate is offered the same arrivals at the same
    multiple (common random numbers), so differences between them are the platforms', not luck's.
    """
    return np.random.SeedSequence(entropy=study_seed, spawn_key=(_LOAD_STREAM, round(multiple * 1_000_000), worker))

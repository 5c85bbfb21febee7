"""Validity: whether one cell's latency figure is evidence at all.

A percentile is only as good as the observations under it. A load stage of a minutes-scale
process that ends after three seconds completes nothing; its "p95" is the age at which the stage
gave up. Every measured and simulated cell is therefore judged before any number is shown or used:

* **conclusive**: at least ``needed_completions(q)`` workflows *completed* in the cell's window,
  past the warm-up (per replication for the simulation), and the workflows the stage gave up on
  (``timeouts``) are at most the share ``1 - q`` of those observed. The rule for a percentile q
  is that at least one observation is expected beyond it: n·(1 - q) ≥ 1, so a p95 needs 20
  completions and a p99 needs 100. Fewer, and the "p95" is the largest value seen, not a
  percentile.
* **lower bound**: more than ``1 - q`` of the observed workflows timed out. Their ages are ages
  at the end of the stage, not cycle times, so the p95 lands on a censored value: the true p95 is
  *at least* that. It is shown "≥ x". When that bound already breaks the SLO the cell is a
  conclusive failure; when it is below the SLO it can prove nothing and the cell is inconclusive.
* **inconclusive**: too few observations (or a load generator that could not keep time). It shows
  no number, only what happened ("0 of 2 workflows completed in a 3 s stage") and the fix.

Inconclusive cells make no knock-out, no degradation point and no model error
(``evalkit.analysis.core``); lower-bound cells are not points either, so they stay out of the
degradation fit and the model error, but they can still show a breach.

``typical_cycle_time`` is the process's cycle time with no queueing: the longest path through
the steps' mean times. A stage shorter than that (at the load test's ``time_scale``) cannot
complete a workflow; ``stage_advice`` says so before any load is offered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from evalkit.analysis.curves import Cell
from evalkit.study import Study

__all__ = [
    "TAIL_OBSERVATIONS",
    "Validity",
    "ValidityVerdict",
    "needed_completions",
    "judge_validity",
    "typical_cycle_time",
    "stage_advice",
]

#: Observations expected beyond the percentile for the percentile to be more than the maximum.
TAIL_OBSERVATIONS = 1.0

ValidityVerdict = Literal["conclusive", "lower bound", "inconclusive"]


@dataclass(frozen=True, slots=True)
class Validity:
    """The verdict on one cell's p95, what happened, and what would fix an inconclusive one."""

    verdict: ValidityVerdict
    reason: str = ""
    fix: str = ""

    @property
    def conclusive(self) -> bool:
        return self.verdict == "conclusive"

    @property
    def usable(self) -> bool:
        """May the cell take part in SLO judgements (a breach shown by a lower bound counts)."""
        return self.verdict != "inconclusive"


def needed_completions(quantile: float = 0.95) -> int:
    """Completions a percentile needs: n·(1 - q) ≥ ``TAIL_OBSERVATIONS`` (20 for p95, 100 for p99)."""
    return math.ceil(TAIL_OBSERVATIONS / (1.0 - quantile) - 1e-9)


def _count(cell: Cell, metric: str) -> float:
    value = cell.mean(metric)
    return value if math.isfinite(value) else 0.0


def _window(study: Study, source: str) -> str:
    if source == "load":
        return f"a {study.load.stage_duration:g} s stage"
    return f"a {study.traffic.horizon - study.traffic.warmup:g} s window"


def judge_validity(study: Study, source: str, cell: Cell, quantile: float = 0.95) -> Validity:
    """Is this cell's percentile evidence? (module docstring for the rule)."""
    if source == "analytic":
        return Validity("conclusive")
    if cell.generator_limited:
        return Validity(
            "inconclusive",
            "the load generator could not keep time (late or dropped starts, or a busy generator)",
            "give the generator more room: more worker processes, or a lower rate per process",
        )
    completed, timeouts = _count(cell, "completed"), _count(cell, "timeouts")
    started = max(_count(cell, "started"), completed + timeouts)
    observed = completed + timeouts
    needed = needed_completions(quantile)
    where = _window(study, source)
    if cell.get("completed") is None:
        return Validity("conclusive")  # a producer that does not count completions: nothing to judge by
    if observed > 0 and timeouts > (1.0 - quantile) * observed and observed >= needed:
        p95 = cell.mean("cycle_time_p95")
        reason = f"{timeouts:,.0f} of {started:,.0f} workflows timed out in {where}: p95 is only a lower bound"
        if math.isfinite(p95) and p95 > study.slo.p95_cycle_time:
            return Validity("lower bound", reason)
        return Validity("inconclusive", reason + " below the SLO, which proves nothing", stage_fix(study, source))
    if completed < needed:
        reason = f"{completed:,.0f} of {started:,.0f} workflows completed in {where}; a p95 needs {needed}"
        return Validity("inconclusive", reason, stage_fix(study, source))
    return Validity("conclusive")


def stage_fix(study: Study, source: str) -> str:
    """The setting that gives a cell enough completions."""
    if source == "sim":
        return "lengthen traffic.horizon (or lower traffic.warmup)"
    typical = typical_cycle_time(study)
    needed = typical * study.load.time_scale
    room = f" (the process's typical cycle time {_seconds(typical)} needs {_seconds(needed)} of wall clock)"
    if _has_live_target(study):
        return (
            f"lengthen load.stage_duration and load.drain_timeout{room}; on a live target, stub the slow steps "
            f"({', '.join(slow_steps(study)) or 'human tasks and waits'}) in the platform's test workflow"
        )
    return f"lengthen load.stage_duration and load.drain_timeout, or lower load.time_scale{room}"


def _has_live_target(study: Study) -> bool:
    return any(c.target is not None for c in study.candidates)


def _seconds(value: float) -> str:
    from evalkit.units import format_duration

    return format_duration(value)


def _step_mean(study: Study, process_events: dict[str, float], step: object) -> float:
    service = getattr(step, "service_time", None)
    if service is not None:
        return float(service.mean)
    system = getattr(step, "system", None)
    if system is not None:
        return float(study.system(system).service_time.mean)
    wait = getattr(step, "wait", None)
    if wait is not None:
        return process_events.get(wait, 0.0)
    return 0.0  # a gateway


def typical_cycle_time(study: Study) -> float:
    """Longest path through the steps' mean times (no queueing), over every workflow type."""
    longest = 0.0
    for process in study.workload.processes:
        events = {event.name: float(event.delay.mean) for event in process.events}
        finish: dict[str, float] = {}
        for step in study.topological_steps(process):
            start = max((finish.get(before, 0.0) for before in step.after), default=0.0)
            finish[step.id] = start + _step_mean(study, events, step)
        longest = max(longest, max(finish.values(), default=0.0))
    return longest


def slow_steps(study: Study) -> list[str]:
    """Human tasks and waits: the steps a live target's test workflow should stub."""
    return [step.id for step in study.workload.steps if step.staff is not None or step.wait is not None]


def stage_advice(study: Study) -> list[str]:
    """Warnings, before any load, when a load stage cannot complete the process's typical cycle."""
    typical = typical_cycle_time(study)
    if typical <= 0:
        return []
    settings = study.load
    wall = typical * settings.time_scale
    room = settings.stage_duration + settings.drain_timeout
    if wall <= room:
        return []
    said = (
        f"a load stage ({settings.stage_duration:g} s + {settings.drain_timeout:g} s drain) cannot complete the "
        f"process's typical cycle time of {_seconds(typical)}"
    )
    if settings.time_scale != 1.0:
        said += f" at time_scale {settings.time_scale:g} ({_seconds(wall)} of wall clock)"
    advice = []
    if any(c.target is None for c in study.candidates):
        scale = room / typical / 2
        advice.append(
            f"{said}: on the reference platform set load.time_scale to {scale:.3g} or less, "
            f"or lengthen load.stage_duration to at least {math.ceil(wall * 2):g} s; its cells would be inconclusive"
        )
    if _has_live_target(study):
        steps = ", ".join(slow_steps(study)) or "the slowest steps"
        advice.append(
            f"{said}: a live target cannot scale time; lengthen load.stage_duration and load.drain_timeout, "
            f"or stub these steps in the platform's test workflow: {steps}"
        )
    return advice

"""How big a run is before it starts: cells, simulated workflows, a rough wall time and memory.

A study can ask for more work than a machine can do (50 multiples × 10,000 replications is one
line of YAML). ``estimate_run`` says what a study asks for before any of it runs, so ``validate``
can print it and ``run`` can refuse a study above ``LIMITS`` unless given ``--yes-big``.

How the estimate is made:

* **cells** are counted exactly, as the sweep would plan them (candidates × scenarios × multiples
  × replications);
* **workflows**: each cell simulates about ``peak_rate × multiple × mean profile share ×
  horizon`` workflows;
* **time**: workflows × process steps × ``SECONDS_PER_STEP``, a constant measured on the project's
  2-core machine from the default study's sweep with one worker (14.3 s for 141,750 workflows of
  7 steps, about 14 µs per workflow-step), divided by the simulation workers. Orchestration
  overhead, exceptions and fork/join make it rough: trust the order of magnitude;
* **memory**: the results table, about ``BYTES_PER_ROW`` per row and ``ROWS_PER_CELL`` rows per
  cell, plus the interpreter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evalkit.study import Study

__all__ = ["LIMITS", "RunEstimate", "estimate_run"]

SECONDS_PER_STEP = 14e-6
ROWS_PER_CELL = 40
BYTES_PER_ROW = 400
BASE_MEMORY_MB = 250


@dataclass(frozen=True)
class Limits:
    """What ``evalkit run`` starts without ``--yes-big``."""

    cells: int = 50_000
    hours: float = 6.0


LIMITS = Limits()


@dataclass(frozen=True)
class RunEstimate:
    """The size of a study's simulation sweep."""

    cells: int
    workflows: float
    seconds_one_worker: float
    memory_mb: float

    def seconds(self, workers: int) -> float:
        return self.seconds_one_worker / max(1, workers)

    def too_big(self, workers: int) -> str | None:
        """Why the run is over the limits, or None when it is within them."""
        if self.cells > LIMITS.cells:
            return f"{self.cells:,} simulated cells is more than {LIMITS.cells:,}"
        if self.seconds(workers) > LIMITS.hours * 3600:
            return f"about {self.seconds(workers) / 3600:,.1f} h of simulation is more than {LIMITS.hours:g} h"
        return None

    def describe(self, workers: int) -> str:
        minutes = self.seconds(workers) / 60
        took = f"{minutes:,.1f} min" if minutes >= 1 else f"{self.seconds(workers):,.0f} s"
        return (
            f"{self.cells:,} simulated cells, about {self.workflows:,.0f} workflows, about {took} with "
            f"{workers} worker{'s' if workers != 1 else ''}, about {self.memory_mb:,.0f} MB"
        )


def _step_count(data: Any) -> int:
    """Steps in the process (every workflow type's, when the study has a mix)."""
    if isinstance(data, dict):
        steps = data.get("steps")
        own = len(steps) if isinstance(steps, list) else 0
        return own + sum(_step_count(v) for k, v in data.items() if k != "steps")
    if isinstance(data, list):
        return sum(_step_count(item) for item in data)
    return 0


def estimate_run(study: Study) -> RunEstimate:
    """Estimate the simulation sweep of a study (see the module docstring for how)."""
    traffic = study.traffic
    candidates = len(study.candidates)
    share = traffic.profile.max_share  # an upper bound: the mean share is at most the peak's
    scenarios = [(traffic.multiples, traffic.replications)]
    scenarios += [(fault.multiples, traffic.replications) for fault in study.faults]
    cells = sum(len(multiples) * replications for multiples, replications in scenarios) * candidates
    workflows = sum(
        traffic.peak_rate * multiple * share * traffic.horizon * replications * candidates
        for multiples, replications in scenarios
        for multiple in multiples
    )
    steps = max(1, _step_count(study.workload.model_dump(mode="json")))
    memory = BASE_MEMORY_MB + cells * ROWS_PER_CELL * BYTES_PER_ROW / 1e6
    return RunEstimate(cells, workflows, workflows * steps * SECONDS_PER_STEP, memory)

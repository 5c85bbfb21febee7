"""Fault impact: what an injected outage did to one candidate.

A fault scenario (``study.faults``) runs the same workload with one component down for a while;
its rows in the results table carry the fault's name as ``scenario``. Per fault, multiple and
source the impact is the workflows that were **stalled** (in the system and unable to make
progress during the outage), the **recovery time** (from the end of the outage until the backlog
is back to its pre-fault level) and the workflows **lost** (refused or dropped). A recovery
time that is infinite means the backlog never returned to its pre-fault level within the run.
"""

from __future__ import annotations

import math

from evalkit.analysis.curves import Curve
from evalkit.scorecard_data import FaultImpact
from evalkit.study import Study

__all__ = ["fault_impacts"]


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def fault_impacts(study: Study, curves: list[Curve]) -> list[FaultImpact]:
    """One record per fault scenario, multiple and source of one candidate's fault curves."""
    components = {fault.name: fault.component for fault in study.faults}
    impacts = []
    for curve in sorted(curves, key=lambda c: (c.scenario, c.source)):
        for cell in curve.cells:
            recovery = cell.mean("recovery_time")
            impacts.append(
                FaultImpact(
                    scenario=curve.scenario,
                    component=components.get(curve.scenario, "unknown"),
                    multiple=cell.multiple,
                    stalled_workflows=_finite_or_none(cell.mean("stalled_workflows")),
                    # JSON cannot hold infinity: an unrecovered backlog is None here and said in the scoring note.
                    recovery_time=_finite_or_none(recovery),
                    lost=_finite_or_none(cell.mean("lost")),
                    source=curve.source,  # type: ignore[arg-type]
                )
            )
    return impacts

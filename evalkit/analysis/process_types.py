"""Per-type SLOs of a mix: each workflow type judged against its own service level.

A study whose ``process`` is a list of workflow types gives each type its own SLO (a straight-
through claim within 4 h, every claim within 3 d). A cell is sustainable only when the whole and
every type meet theirs (``evalkit.analysis.sustainable``); this module says, per type, how far
that type alone would carry: the highest multiple at which *its* SLO holds (the platform-wide
checks, saturation and a growing backlog, still apply), and its p95 at the costing target
multiple, the multiple the scorecard reads. A source that does not record per-type rows (a live
target whose start call cannot carry the type) says so instead of showing a number.
"""

from __future__ import annotations

import math

from evalkit.analysis.curves import Curve
from evalkit.analysis.sustainable import judge_cell, max_sustainable
from evalkit.analysis.validity import needed_completions
from evalkit.results import WHOLE
from evalkit.scorecard_data import TypeSlo
from evalkit.study import Study
from evalkit.units import format_duration

__all__ = ["type_slos"]


def type_slos(study: Study, curve: Curve) -> list[TypeSlo]:
    """The whole and every workflow type of a mix, each against its own SLO; ``[]`` for one process."""
    if not study.workload.mixed:
        return []
    names = [WHOLE, *(process.name for process in study.workload.processes)]
    return [_verdict(study, curve, name) for name in names]


def _slo_text(study: Study, workflow_type: str) -> str:
    slo = study.workflow_slo(workflow_type)
    parts = [f"p95 ≤ {format_duration(slo.p95_cycle_time)}"]
    if slo.p99_cycle_time is not None:
        parts.append(f"p99 ≤ {format_duration(slo.p99_cycle_time)}")
    parts.append(f"errors ≤ {slo.max_error_rate:.2%}".replace(".00%", "%"))
    return ", ".join(parts)


def _split(curve: Curve, workflow_type: str) -> bool:
    return workflow_type == WHOLE or any(workflow_type in cell.types for cell in curve.cells)


def _verdict(study: Study, curve: Curve, workflow_type: str) -> TypeSlo:
    target = study.costing.target_multiple
    slo = _slo_text(study, workflow_type)
    if not _split(curve, workflow_type):
        note = f"the {curve.source} results do not record this type's own figures: judged on the whole"
        return TypeSlo(workflow_type=workflow_type, slo=slo, target_multiple=target, split=False, note=note)
    found = max_sustainable(study, curve, only=workflow_type)
    cell = curve.cell(target)
    p95, display, meets = None, f"{target:g}x not tested", None
    if cell is not None:
        estimate = cell.get("cycle_time_p95", workflow_type)
        count = cell.get("completed", workflow_type)
        completed = count.mean if count is not None and count.finite else math.inf  # not counted: not judged
        needed = needed_completions(0.95)
        too_few = completed < needed
        if cell.saturated:
            display = "saturated"
        elif too_few:
            # The whole cell may be conclusive while a rare type saw too few completions for a p95
            # (evalkit.analysis.validity's rule on the type's own count): no number and no verdict.
            display = f"inconclusive: {completed:,.0f} {workflow_type} workflows completed; a p95 needs {needed}"
        elif estimate is not None and estimate.finite:
            p95, display = estimate.mean, format_duration(estimate.mean)
        if not too_few:
            meets = judge_cell(study, cell, "conservative", only=workflow_type).meets
    return TypeSlo(
        workflow_type=workflow_type,
        slo=slo,
        target_multiple=target,
        split=True,
        max_sustainable_multiple=found.conservative if not found.below_range else None,
        max_sustainable_display=found.display,
        p95_at_target=p95 if p95 is None or math.isfinite(p95) else None,
        p95_display=display,
        meets_at_target=meets,
        note=found.note,
    )

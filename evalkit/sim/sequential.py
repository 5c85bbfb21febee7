"""Sequential stopping: add replications until the p95 is known precisely enough.

Five replications may pin a stable design's p95 to within 2% and leave a near-saturated one's
uncertain by 30%. ``run_until_precise`` runs ``initial`` replications of every cell, then, round
by round, adds replications only to the (candidate, scenario, multiple) groups whose 95%
confidence half-width of the metric (t-distribution across replications) is still wider than
``relative_half_width`` of its mean, until each is precise or has ``max_replications``.

Replications are numbered in order, so a group stopped at 7 replications holds exactly what a
fixed 7-replication sweep would hold for it.
"""

from __future__ import annotations

import concurrent.futures
import math
from collections.abc import Sequence

from evalkit.errors import InputError
from evalkit.results import ResultTable, t_interval
from evalkit.sim.sweep import CellCallback, ProgressCallback, SimCell, plan_cells, run_sweep
from evalkit.study import Study

__all__ = ["run_until_precise"]

Group = tuple[str, str, float]


def run_until_precise(
    study: Study,
    *,
    relative_half_width: float = 0.05,
    metric: str = "cycle_time_p95",
    initial: int | None = None,
    max_replications: int = 50,
    step: int = 2,
    multiples: Sequence[float] | None = None,
    candidates: Sequence[str] | None = None,
    include_faults: bool = True,
    workers: int = 1,
    executor: concurrent.futures.Executor | None = None,
    on_cell: CellCallback | None = None,
    progress: ProgressCallback | None = None,
) -> ResultTable:
    """Replicate each group until ``metric``'s CI half-width ≤ ``relative_half_width`` × mean."""
    first = max(2, study.traffic.replications if initial is None else initial)
    if relative_half_width <= 0 or max_replications < first or step < 1:
        raise InputError("need relative_half_width > 0, max_replications >= initial replications and step >= 1")
    cells = plan_cells(
        study,
        multiples=multiples,
        replications=first,
        candidates=candidates,
        include_faults=include_faults,
    )
    table = run_sweep(study, cells, workers=workers, executor=executor, on_cell=on_cell, progress=progress)
    counts = {_group(cell): first for cell in cells}
    while True:
        imprecise = [
            g for g in counts if counts[g] < max_replications and not _precise(table, g, metric, relative_half_width)
        ]
        if not imprecise:
            return table
        more = [
            SimCell(candidate, scenario, multiple, replication)
            for candidate, scenario, multiple in imprecise
            for replication in range(
                counts[(candidate, scenario, multiple)] + 1,
                min(counts[(candidate, scenario, multiple)] + step, max_replications) + 1,
            )
        ]
        for group in imprecise:
            counts[group] = min(counts[group] + step, max_replications)
        table = table.concat(
            run_sweep(study, more, workers=workers, executor=executor, on_cell=on_cell, progress=progress)
        )


def _group(cell: SimCell) -> Group:
    return cell.candidate, cell.scenario, cell.multiple


def _precise(table: ResultTable, group: Group, metric: str, target: float) -> bool:
    candidate, scenario, multiple = group
    values = table.select(candidate=candidate, scenario=scenario, multiple=multiple, metric=metric)["value"]
    mean, _, half = t_interval(values.to_numpy())
    if math.isnan(half):
        # Fewer than two replications completed anything: more of the same will not help.
        return True
    return half <= target * abs(mean)

"""Screening a large sweep: solve every cell analytically, simulate only where the answer is close.

``screen`` solves each candidate at each baseline multiple with the analytic model and gives the
cell's **verdict** (sustainable: not saturated, p95 (and p99) within the SLO, error rate within
its maximum) and whether the discrete-event simulation must still run it:

- **close to a threshold**: the p95 (or p99) is within ``margin`` of the SLO, the error rate
  within ``margin`` of its maximum, or the busiest station at the knee: utilisation within
  ``margin`` below 1 while the analytic verdict is "sustainable", or within ``margin``/2 above 1
  (utilisation itself is exact by the operational laws; the doubt is whether a finite simulated
  window calls the cell saturated);
- **where the approximation is known to be weak**, the margin is tripled: heavy fork/join
  (a join of three or more branches, or a process composed by sampling), highly variable service
  (a squared cv above 4), a busy human pool (staff above 50%), a time-varying traffic profile;
  with such a profile a cell is also simulated when the busiest station would be near or above
  saturation at the profile's peak (the analytic cell is solved at the window's mean rate, so a
  transient overload is invisible to it).

Fault scenarios are not modelled analytically: their cells always go to the simulation
(``fault_cells`` counts them). ``ScreenedCell.needs_simulation`` is the list the pipeline would
hand to ``evalkit.sim`` (all of that cell's replications); the others keep their analytic figures
as evidence with source ``analytic``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from evalkit.analytic.cell import routes_of, solve_cell, window_share
from evalkit.analytic.cycle import _Composer
from evalkit.design import DesignSpec, design_spec
from evalkit.study import Study

__all__ = ["MARGIN", "ScreenedCell", "fault_cells", "screen", "weak_reasons"]

#: Relative distance from a threshold inside which a cell is simulated.
MARGIN = 0.10
#: The margin's factor where the analytic approximation is known to be weak.
WEAK_FACTOR = 3.0
HIGH_CV2 = 4.0
BUSY_STAFF = 0.5


@dataclass(frozen=True)
class ScreenedCell:
    """One baseline cell after screening."""

    candidate: str
    multiple: float
    sustainable: bool
    needs_simulation: bool
    reasons: tuple[str, ...]
    p95: float
    utilization: float


def weak_reasons(study: Study, spec: DesignSpec) -> tuple[str, ...]:
    """Why the analytic approximation is weak for this design (structure only, not load)."""
    reasons = []
    plan = spec.plan.steps
    if any(len(step.predecessors) >= 3 for step in plan):
        reasons.append("heavy fork/join (a join of three or more branches)")
    elif not _series_parallel(spec):
        reasons.append("fork/join that is not series-parallel (composed by sampling)")
    if any(step.service.cv2 > HIGH_CV2 for step in plan):
        reasons.append(f"highly variable service (cv² above {HIGH_CV2:g})")
    if study.traffic.profile.kind != "flat":
        reasons.append("a time-varying traffic profile")
    return tuple(reasons)


def _series_parallel(spec: DesignSpec) -> bool:
    from evalkit.analytic.grid import Grid
    from evalkit.analytic.model import demands, stations
    from evalkit.analytic.network import solve

    network = solve(stations(spec), demands(spec), 0.0)
    return _Composer(spec, network, Grid(8, 1.0)).series_parallel


def screen(study: Study, multiples: Sequence[float] | None = None, margin: float = MARGIN) -> list[ScreenedCell]:
    """Every candidate × baseline multiple, with its analytic verdict and whether to simulate it."""
    levels = sorted({float(m) for m in (study.traffic.multiples if multiples is None else multiples)})
    slo = study.slo
    cells = []
    routes = routes_of(study, design_spec(study, study.candidates[0]))
    share = window_share(study)
    for candidate in study.candidates:
        spec = design_spec(study, candidate)
        weak = weak_reasons(study, spec) + (
            ("decisions, loops or workflow types (composed by sampling)",) if routes else ()
        )
        for multiple in levels:
            cell = solve_cell(spec, study, multiple, routes)
            reasons = list(weak)
            staff = [r.utilization for n, r in cell.network.stations.items() if n.startswith("staff:")]
            if max(staff, default=0.0) > BUSY_STAFF:
                reasons.append(f"a human pool above {BUSY_STAFF:.0%} busy")
            width = margin * (WEAK_FACTOR if reasons else 1.0)
            busiest = max((r.utilization for r in cell.network.stations.values()), default=0.0)
            metrics = cell.metrics
            near = []
            p95 = metrics["cycle_time_p95"]
            if math.isfinite(p95) and abs(p95 / slo.p95_cycle_time - 1) <= width:
                near.append("p95 near the SLO")
            p99 = metrics["cycle_time_p99"]
            if slo.p99_cycle_time and math.isfinite(p99) and abs(p99 / slo.p99_cycle_time - 1) <= width:
                near.append("p99 near the SLO")
            error = metrics["error_rate"]
            if slo.max_error_rate > 0 and abs(error / slo.max_error_rate - 1) <= width:
                near.append("error rate near its maximum")
            sustainable = (
                not cell.saturated
                and p95 <= slo.p95_cycle_time
                and (not slo.p99_cycle_time or p99 <= slo.p99_cycle_time)
                and error <= slo.max_error_rate
            )
            # Utilisation is exact (operational laws); what is uncertain near the knee is whether a
            # finite simulated window calls the cell saturated. That matters below 1 only when the
            # analytic verdict is "sustainable" (otherwise both say no), and just above 1 where a
            # short window's arrivals may fall below capacity.
            if (sustainable and busiest >= 1 - width) or 1 <= busiest <= 1 + width / 2:
                near.append(f"utilisation {busiest:.0%} near saturation")
            # A time-varying profile: the analytic cell is solved at the window's mean rate, so a
            # surge that overloads a station for a while (a transient backlog) is invisible to it.
            peak = busiest * study.traffic.profile.max_share / share
            if study.traffic.profile.kind != "flat" and busiest < 1 and peak >= 1 - width:
                near.append(f"utilisation {peak:.0%} at the profile's peak")
            cells.append(
                ScreenedCell(
                    candidate.name,
                    multiple,
                    bool(sustainable),
                    bool(near),
                    tuple(near + (reasons if near else [])),
                    p95,
                    busiest,
                )
            )
    return cells


def fault_cells(study: Study) -> int:
    """Cells of fault scenarios (candidate × multiple × replication): always simulated."""
    return len(study.candidates) * study.traffic.replications * sum(len(f.multiples) for f in study.faults)

"""Integration coverage and total cost of ownership, from the study and the simulation.

**Integration** is measured, not only assessed: ``connector_coverage`` is the share of the
study's systems that the candidate's pre-built connectors cover; every other system needs custom
integration, ``custom_hours[system]`` hours or ``custom_hours_default``. Those hours are also
integration *cost*.

**Total cost of ownership** over ``costing.horizon_years``:

    TCO = years × (licence + nodes × node_cost + operations) + (implementation + integration hours) × hourly rate

**Nodes** are sized from the simulation's utilisation at ``costing.target_multiple``: the busy
orchestration workers there (utilisation × units, summed over the pools the candidate's design
spec marks as the platform's compute: the engine, domain controllers, coordinator and consumer
groups; state stores, the broker, systems and staff are not)
divided by ``PLANNING_UTILISATION`` for headroom, then by the candidate's ``workers_per_node``,
and never fewer than ``minimum_nodes``. Offered work is proportional to load, so when the target
multiple saturates (or was not run) the busy workers are extrapolated from the unsaturated
multiples along a line through the origin; the note says so. Without any utilisation data the
minimum node count is used and flagged: a lower bound, not a guess dressed as a measurement.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from evalkit.analysis import Analysis
from evalkit.analysis.curves import Curve
from evalkit.analysis.evidence import evidence_kind
from evalkit.design import design_spec
from evalkit.scorecard_data import CostBreakdown, IntegrationView
from evalkit.study import Study
from evalkit.study.candidates import Candidate

__all__ = ["PLANNING_UTILISATION", "Costed", "integration_view", "orchestration_units", "busy_workers", "cost_of"]

#: Size infrastructure so the orchestration workers run at most this busy at the target load.
PLANNING_UTILISATION = 0.7


def integration_view(study: Study, candidate: Candidate) -> IntegrationView:
    """Coverage of the study's systems by connectors, and custom hours for the rest."""
    systems = [system.name for system in study.workload.systems]
    covered = [name for name in systems if name in candidate.integration.connectors]
    custom = {
        name: candidate.integration.custom_hours.get(name, candidate.integration.custom_hours_default)
        for name in systems
        if name not in covered
    }
    return IntegrationView(
        coverage=len(covered) / len(systems) if systems else 1.0,
        connectors=covered,
        custom=custom,
        custom_hours=float(sum(custom.values())),
    )


def orchestration_units(study: Study, candidate: Candidate) -> dict[str, int]:
    """Worker units of each of the platform's orchestration resources, by resource name."""
    return design_spec(study, candidate).orchestration_units()


def _busy_by_multiple(units: dict[str, int], curve: Curve) -> list[tuple[float, float, bool]]:
    """(multiple, busy orchestration workers, saturated) for cells with orchestration utilisation."""
    points = []
    for cell in curve.cells:
        busy = [
            utilisation * units[resource] for resource, utilisation in cell.utilizations().items() if resource in units
        ]
        if busy:
            points.append((cell.multiple, float(sum(busy)), cell.saturated))
    return points


def busy_workers(analysis: Analysis, candidate: Candidate, target: float) -> tuple[float | None, str]:
    """Busy orchestration workers at the target multiple, and how they were obtained."""
    found = analysis.candidate(candidate.name)
    performance = found.performance("best") if found is not None else None  # the evidence, decided once
    if performance is None:
        return None, "no results"
    points = _busy_by_multiple(orchestration_units(analysis.study, candidate), performance.curve)
    source = evidence_kind(analysis.study, candidate.name, performance.curve.source)
    for multiple, busy, saturated in points:
        if math.isclose(multiple, target) and not saturated:
            return busy, f"{source} utilisation at {target:g}x"
    steady = [(m, b) for m, b, saturated in points if not saturated]
    if not steady:
        return None, f"no unsaturated {source} multiple with orchestration utilisation"
    m = np.array([p[0] for p in steady])
    b = np.array([p[1] for p in steady])
    slope = float(np.sum(m * b) / np.sum(m * m))
    return slope * target, f"extrapolated to {target:g}x from {source} utilisation at {', '.join(f'{x:g}x' for x in m)}"


@dataclass(frozen=True)
class Costed:
    """A candidate's cost breakdown and how its infrastructure was sized."""

    breakdown: CostBreakdown
    note: str
    sized_from_data: bool


def cost_of(study: Study, candidate: Candidate, analysis: Analysis) -> Costed:
    """Total cost of ownership over the study's horizon."""
    costing, inputs = study.costing, candidate.cost
    years = costing.horizon_years
    busy, how = busy_workers(analysis, candidate, costing.target_multiple)
    if busy is None:
        nodes = inputs.minimum_nodes
        note = f"infrastructure at the minimum {nodes} node(s): {how}"
    else:
        needed = busy / PLANNING_UTILISATION
        nodes = max(inputs.minimum_nodes, math.ceil(needed / inputs.workers_per_node - 1e-9))
        note = (
            f"{nodes} node(s): {busy:.3g} busy workers ({how}) at ≤ {PLANNING_UTILISATION:.0%} "
            f"utilisation, {inputs.workers_per_node} per node, minimum {inputs.minimum_nodes}"
        )
    implementation = inputs.implementation_hours * costing.hourly_rate
    integration = integration_view(study, candidate).custom_hours * costing.hourly_rate
    licence = years * inputs.licence_per_year
    infrastructure = years * nodes * inputs.node_cost_per_year
    operations = years * inputs.operations_per_year
    effort = implementation + integration
    breakdown = CostBreakdown(
        currency=costing.currency,
        horizon_years=years,
        licence=licence,
        infrastructure=infrastructure,
        nodes=nodes,
        implementation=implementation,
        integration=integration,
        operations=operations,
        total=licence + infrastructure + effort + operations,
        integration_share=integration / effort if effort > 0 else 0.0,
    )
    return Costed(breakdown, note, busy is not None)

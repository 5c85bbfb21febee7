"""Model against measurement: how well the simulation predicted what the load test measured.

Wherever one candidate has both simulated and measured baseline results at the same load
multiple, the p95 cycle times are compared: relative error = (simulated - measured) / measured,
positive when the model is pessimistic. ``within_interval`` says whether the measured p95 falls
inside the simulation's 95% interval across replications (None when the simulation has a single
replication and therefore no interval). A model that misses by a wide margin is a reason to
trust the measured curve and to revisit the model's parameters, not to average the two.
"""

from __future__ import annotations

import math

from evalkit.analysis.curves import Curve
from evalkit.scorecard_data import ModelError

__all__ = ["model_vs_measured"]


def model_vs_measured(simulated: Curve, measured: Curve) -> list[ModelError]:
    """One record per multiple present in both curves."""
    errors = []
    for sim_cell in simulated.cells:
        load_cell = measured.cell(sim_cell.multiple)
        if load_cell is None:
            continue
        sim = sim_cell.get("cycle_time_p95")
        load = load_cell.get("cycle_time_p95")
        sim_p95 = sim.mean if sim is not None and sim.finite else None
        load_p95 = load.mean if load is not None and load.finite else None
        relative = (sim_p95 - load_p95) / load_p95 if sim_p95 is not None and load_p95 else None
        within = None
        if sim is not None and sim.has_interval and load_p95 is not None:
            within = bool(sim.low <= load_p95 <= sim.high)
        errors.append(
            ModelError(
                multiple=sim_cell.multiple,
                simulated_p95=sim_p95,
                measured_p95=load_p95,
                relative_error=relative if relative is None or math.isfinite(relative) else None,
                within_interval=within,
            )
        )
    return errors

"""Simulation: SimPy models of the three orchestration designs, swept at multiples of peak.

``plan_cells`` lists a study's cells (candidate × scenario × load multiple × replication),
``run_cell`` simulates one, ``run_sweep`` runs many (in parallel if asked) into the shared
results table, and ``run_until_precise`` adds replications until the p95's confidence interval
is tight enough. ``docs/models.md`` specifies what each design does; the simulation executes
each candidate's design spec (``evalkit.design``): ``execute`` runs its visits in SimPy,
``walker`` walks the process and ``faults`` stops its components.
"""

from evalkit.sim.sequential import run_until_precise
from evalkit.sim.sweep import BASELINE, SimCell, plan_cells, run_cell, run_sweep, sweep_pool

__all__ = ["BASELINE", "SimCell", "plan_cells", "run_cell", "run_sweep", "run_until_precise", "sweep_pool"]

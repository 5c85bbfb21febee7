"""The analytic model: each candidate's design as an open queueing network, solved in closed form.

A third source of figures beside the simulation (``sim``) and the load test (``load``): for each
candidate and load multiple, utilisation per station, the bottleneck and the multiple at which it
saturates (operational laws), and the mean and percentiles of the cycle time (Erlang C per
station, the M/M/c waiting-time distribution, an independent-branch fork/join). Milliseconds per
cell, so it can screen large sweeps and fit calibrations.

``evalkit.analytic.queues`` holds the closed forms (re-exported as ``evalkit.theory``).
"""

from evalkit.analytic.cell import AnalyticCell, saturation_multiple, solve_cell
from evalkit.analytic.source import (
    ANALYTIC,
    Disagreement,
    analytic_disagreements,
    analytic_rows,
    analytic_unsupported,
)

__all__ = [
    "ANALYTIC",
    "AnalyticCell",
    "Disagreement",
    "analytic_disagreements",
    "analytic_rows",
    "analytic_unsupported",
    "saturation_multiple",
    "solve_cell",
]

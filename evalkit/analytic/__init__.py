"""The analytic model: each candidate's design as an open queueing network, solved in closed form.

A third source of figures beside the simulation (``sim``) and the load test (``load``): for each
candidate and load multiple, utilisation per station, the bottleneck and the multiple at which it
saturates (operational laws), and the mean and percentiles of the cycle time (Erlang C per
station, the M/M/c waiting-time distribution, an independent-branch fork/join). Milliseconds per
cell, so it can screen large sweeps and fit calibrations.

``evalkit.analytic.queues`` holds the closed forms (re-exported as ``evalkit.theory``).
Modules: ``queues`` (closed forms), ``network`` (stations and the network solver), ``model`` (a
design spec read as a network: visit ratios, demands), ``routes`` (decisions, loops, types),
``grid`` and ``cycle`` (the cycle-time distribution), ``cell`` (one solved cell and its result
metrics), ``source`` (the ``analytic`` rows and the disagreement check), ``screen`` (which cells
of a large sweep still need the simulation).
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evalkit.analytic.cell import AnalyticCell, routes_of, saturation_multiple, solve_cell
    from evalkit.analytic.screen import ScreenedCell, fault_cells, screen
    from evalkit.analytic.source import (
        ANALYTIC,
        Disagreement,
        analytic_disagreements,
        analytic_rows,
        analytic_unsupported,
    )

#: Where each public name lives: imported on first use, so ``evalkit.theory`` (which re-exports
#: ``evalkit.analytic.queues``) does not pull in the design specs, pandas and scipy.
_HOMES = {
    "AnalyticCell": "cell",
    "routes_of": "cell",
    "saturation_multiple": "cell",
    "solve_cell": "cell",
    "ScreenedCell": "screen",
    "fault_cells": "screen",
    "screen": "screen",
    "ANALYTIC": "source",
    "Disagreement": "source",
    "analytic_disagreements": "source",
    "analytic_rows": "source",
    "analytic_unsupported": "source",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'evalkit.analytic' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"evalkit.analytic.{home}"), name)


__all__ = [
    "ANALYTIC",
    "AnalyticCell",
    "Disagreement",
    "ScreenedCell",
    "analytic_disagreements",
    "analytic_rows",
    "analytic_unsupported",
    "fault_cells",
    "routes_of",
    "saturation_multiple",
    "screen",
    "solve_cell",
]

"""Reading a screened run: one baseline curve per candidate, analytic where the screen was confident.

``evalkit run --screen`` (``evalkit.analytic.screen``) simulates only the baseline cells whose
analytic verdict is close to a threshold that decides a knock-out; every other cell has analytic
figures only. A candidate's simulated curve is then partial (a cell or two, or nothing), and read
alone it would say nothing true about the candidate ("≥ 3x" from one passing cell). So the
analysis reads one **screened curve** per candidate instead: the analytic curve with the simulated
cells in place of the analytic ones at their multiples. Its source stays ``analytic``, so every
figure read from it carries the evidence ``analytic`` (the weaker of the two: nothing analytic is
ever presented as simulated); the evidence reason names the multiples the simulation decided.

A run is screened for a candidate when it has an analytic baseline curve and its simulated
baseline curve is missing or covers fewer multiples (a full run simulates every multiple, and an
inconclusive simulated cell is still a cell of the unfiltered curve).
"""

from __future__ import annotations

from dataclasses import replace

from evalkit.analysis.curves import Cell, Curve

__all__ = ["is_screened", "screened_curve", "screened_reason"]


def _multiples(curve: Curve) -> set[float]:
    return {round(float(c.multiple), 9) for c in curve.cells}


def is_screened(analytic: Curve | None, simulated: Curve | None) -> bool:
    """Was this candidate's baseline screened (see the module docstring)? Both are unfiltered curves."""
    if analytic is None:
        return False
    return simulated is None or _multiples(simulated) < _multiples(analytic)


def screened_curve(analytic: Curve, simulated: Curve | None, simulated_all: Curve | None = None) -> Curve:
    """The analytic curve with the simulated cells in place at their multiples.

    ``simulated_all`` is the unfiltered simulated curve: a multiple it has but ``simulated`` lacks
    (an inconclusive simulated cell) is left out, not filled in analytically.
    """
    sim = {round(float(c.multiple), 9): c for c in (simulated.cells if simulated is not None else ())}
    dropped = _multiples(simulated_all) - set(sim) if simulated_all is not None else set()
    cells: list[Cell] = []
    for cell in analytic.cells:
        key = round(float(cell.multiple), 9)
        if key in dropped:
            continue
        cells.append(sim.get(key, cell))
    extra = [c for key, c in sim.items() if key not in _multiples(analytic)]
    ordered = tuple(sorted([*cells, *extra], key=lambda c: c.multiple))
    return replace(analytic, cells=ordered)


def screened_reason(simulated: Curve | None) -> str:
    """The evidence reason of a screened candidate's figures."""
    if simulated is None or not simulated.cells:
        return "screened run (evalkit run --screen): the analytic model, no cell of this candidate was close"
    where = ", ".join(f"{c.multiple:g}x" for c in simulated.cells)
    return (
        f"screened run (evalkit run --screen): the analytic model, with the simulation at {where} "
        f"({simulated.replications} replications), the cells close to a knock-out"
    )

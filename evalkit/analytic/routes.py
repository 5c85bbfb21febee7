"""Which steps a workflow runs, and how often: decisions, rework loops and workflow types, by sampling.

A plain fork/join process runs every step once. With decisions (dead-path elimination), rework
loops and a mix of workflow types (``evalkit.design.routing``, specified in ``docs/models.md``),
the steps a workflow runs depend on its draws. ``Routes.of`` draws ``SAMPLES`` workflows'
routing once per study, with a fixed seed (a deterministic numerical integral, the same for
every candidate: common random numbers), using the routing module's own rules
(``choose_type``, ``chosen_branches``): for each draw, its type, which steps run, which edges
carry a live token, and how many extra passes each rework loop makes.

From these the analytic model takes **visit ratios** (the mean number of times each step runs,
each handoff edge is delivered live) and, for the cycle time, the per-draw structure the sampled
composition walks (``evalkit.analytic.cycle``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evalkit.design.process import Plan
from evalkit.design.routing import Routing
from evalkit.study import Study

__all__ = ["ROUTE_SAMPLES", "ROUTE_SEED", "Routes"]

ROUTE_SAMPLES = 10_000
ROUTE_SEED = 0x20E7


@dataclass(frozen=True)
class Routes:
    """Per draw (rows): type, steps run, live edges and rework passes."""

    routing: Routing
    types: np.ndarray  # (draws,) type index
    runs: np.ndarray  # (steps, draws) bool: the step runs (not skipped, of the draw's type)
    live: dict[tuple[int, int], np.ndarray]  # (source, target) -> (draws,) bool; source -1 is the start
    passes: dict[int, np.ndarray]  # loop-closing step -> (draws,) extra passes of its body

    @property
    def plain(self) -> bool:
        return self.routing.plain

    @classmethod
    def of(cls, study: Study, plan: Plan, draws: int = ROUTE_SAMPLES) -> Routes:
        routing = Routing.of(study, plan)
        rng = np.random.default_rng(ROUTE_SEED)
        shares = np.cumsum([t.share for t in routing.types])
        types = np.minimum(np.searchsorted(shares, rng.random(draws), side="right"), len(shares) - 1)
        steps = plan.steps
        runs = np.zeros((len(steps), draws), dtype=bool)
        live: dict[tuple[int, int], np.ndarray] = {}
        passes: dict[int, np.ndarray] = {}
        for number, kind in enumerate(routing.types):
            for root in kind.roots:
                live[(-1, root)] = types == number
        for step in steps:  # dependency order
            index = step.index
            incoming = [live[(-1, index)]] if (-1, index) in live else []
            incoming += [live[(before, index)] for before in step.predecessors]
            runs[index] = np.logical_or.reduce(incoming) if incoming else np.zeros(draws, dtype=bool)
            taken = _taken(routing, index, step.successors, rng, draws)
            for successor in step.successors:
                live[(index, successor)] = runs[index] & taken[successor]
            rework = routing.reworks[index]
            if rework is not None:
                extra = np.zeros(draws, dtype=int)
                going = runs[index].copy()
                for _ in range(rework.max_passes):
                    going &= rng.random(draws) < rework.probability
                    extra += going
                passes[index] = extra
        return cls(routing, types, runs, live, passes)

    def visits(self) -> np.ndarray:
        """Mean runs of each step per workflow (rework passes included)."""
        counts = self.runs.astype(float)
        for closing, extra in self.passes.items():
            rework = self.routing.reworks[closing]
            assert rework is not None
            for member in rework.body:
                counts[member] += extra
        return counts.mean(axis=1)

    def edge_share(self, source: int, target: int) -> float:
        """Share of workflows whose edge ``source -> target`` carries a live token."""
        found = self.live.get((source, target))
        return float(found.mean()) if found is not None else 0.0


def _taken(routing: Routing, index: int, successors: tuple[int, ...], rng: np.random.Generator, draws: int) -> dict:
    """For each successor, the draws whose decision (if any) sends it a live token.

    The vectorised form of ``evalkit.design.routing.chosen_branches``: exclusive picks one branch
    by cumulative probability, inclusive takes each with its own coin and the first when none.
    """
    decision = routing.decisions[index]
    if decision is None:
        return {s: np.ones(draws, dtype=bool) for s in successors}
    coins = rng.random(draws)
    taken = {s: np.zeros(draws, dtype=bool) for s in successors}
    if decision.exclusive:
        bounds = np.cumsum([b.probability for b in decision.branches])
        chosen = np.minimum(np.searchsorted(bounds, coins, side="right"), len(bounds) - 1)
        for number, branch in enumerate(decision.branches):
            if branch.target is not None:
                taken[branch.target] |= chosen == number
        return taken
    anything = np.zeros(draws, dtype=bool)
    for number, branch in enumerate(decision.branches):
        hit = (coins if number == 0 else rng.random(draws)) < branch.probability
        anything |= hit
        if branch.target is not None:
            taken[branch.target] |= hit
    first = decision.branches[0].target
    if first is not None:
        taken[first] |= ~anything  # none came up: the default (first) branch
    return taken

"""Where a workflow goes next: decisions, rework loops, waits and workflow types, for both runtimes.

``docs/models.md`` (Decisions, rework loops, waits and a mix of workflow types) is the
specification; this module is its one implementation, and the simulation and the reference
platform only carry out what it says. ``Routing.of(study, plan)`` compiles, by plan index, each
step's kind (``work``, ``wait`` or ``gateway``), its decision and its rework loop, and each
workflow type's share, first steps and size. At run time:

- ``choose_type(coin)``: the type of a new workflow (one coin, dealt at arrival);
- ``Tokens``: one workflow's dead-path elimination state. ``arrive(target, live)`` records an
  edge reaching a step and says whether the step should now ``RUN``, be ``SKIP``-ped (every edge
  into it was a skip) or ``WAIT`` for more edges; ``finish(step)`` counts a step done or skipped
  and says whether the workflow has nothing left;
- ``edges_after(step, coin, more)``: the edges a done step sends: every successor with a live
  token, or, after a decision, live to the chosen branches and a skip to the others;
- ``rework_again(step, passes, coin)``: whether a step's rework loop runs its body once more.

A process without decisions, loops, waits or a mix compiles to ``plain``: a runtime may keep its
plain walk, and this module then changes nothing it does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from evalkit.design.process import Plan
from evalkit.study import Study

__all__ = [
    "RUN",
    "SKIP",
    "WAIT",
    "BranchPlan",
    "DecisionPlan",
    "ReworkPlan",
    "Routing",
    "Tokens",
    "TypePlan",
    "edges_after",
    "rework_again",
]

RUN, SKIP, WAIT = "run", "skip", "wait"
StepKind = Literal["work", "wait", "gateway"]


@dataclass(frozen=True)
class BranchPlan:
    """One way out of a decision: a successor's plan index, or None for ``end``."""

    target: int | None
    probability: float


@dataclass(frozen=True)
class DecisionPlan:
    """A step's decision: exclusive (one branch) or inclusive (each branch independently)."""

    exclusive: bool
    branches: tuple[BranchPlan, ...]


@dataclass(frozen=True)
class ReworkPlan:
    """A rework loop: the body (plan indices, from the earlier step to this one), p and the bound."""

    body: tuple[int, ...]
    probability: float
    max_passes: int


@dataclass(frozen=True)
class TypePlan:
    """One workflow type: its share of arrivals, its first steps and how many steps it has."""

    name: str
    share: float
    roots: tuple[int, ...]
    size: int


@dataclass(frozen=True)
class Routing:
    """The routing of a study's process, by plan index."""

    kinds: tuple[StepKind, ...]
    decisions: tuple[DecisionPlan | None, ...]
    reworks: tuple[ReworkPlan | None, ...]
    types: tuple[TypePlan, ...]
    #: Each step's workflow type (index into ``types``).
    type_of: tuple[int, ...]

    @property
    def plain(self) -> bool:
        """No decision, loop, wait, gateway or second type: the plain fork/join walk."""
        return (
            len(self.types) == 1
            and all(kind == "work" for kind in self.kinds)
            and not any(self.decisions)
            and not any(self.reworks)
        )

    @classmethod
    def of(cls, study: Study, plan: Plan) -> Routing:
        index = {step.id: step.index for step in plan.steps}
        kinds: list[StepKind] = []
        decisions: list[DecisionPlan | None] = []
        reworks: list[ReworkPlan | None] = []
        type_of = [0] * len(plan.steps)
        types = []
        for number, process in enumerate(study.workload.processes):
            for step in process.steps:
                type_of[index[step.id]] = number
            roots = tuple(index[s.id] for s in process.steps if not s.after)
            share = process.share if study.workload.mixed and process.share is not None else 1.0
            types.append(TypePlan(process.name, share, roots, len(process.steps)))
        for compiled in plan.steps:
            step = study.step(compiled.id)
            kinds.append("wait" if step.wait is not None else ("gateway" if step.is_gateway else "work"))
            decisions.append(_decision(step, index))
            reworks.append(_rework(study, step, index))
        return cls(tuple(kinds), tuple(decisions), tuple(reworks), tuple(types), tuple(type_of))

    def choose_type(self, coin: float) -> int:
        """The workflow type a coin in [0, 1) picks, by the types' shares."""
        total = 0.0
        for number, kind in enumerate(self.types):
            total += kind.share
            if coin < total:
                return number
        return len(self.types) - 1  # shares sum to 1 within rounding


def _decision(step: object, index: dict[str, int]) -> DecisionPlan | None:
    decision = getattr(step, "decision", None)
    if decision is None:
        return None
    branches = tuple(
        BranchPlan(None if branch.to == "end" else index[branch.to], branch.probability) for branch in decision.branches
    )
    return DecisionPlan(decision.kind == "exclusive", branches)


def _rework(study: Study, step: object, index: dict[str, int]) -> ReworkPlan | None:
    from evalkit.study.process_checks import loop_body

    rework = getattr(step, "rework", None)
    if rework is None:
        return None
    process = next(p for p in study.workload.processes if step in p.steps)
    body = loop_body(process, step)  # type: ignore[arg-type]
    assert body is not None  # the loader checked the loop goes back along a chain
    return ReworkPlan(tuple(index[s] for s in body), rework.probability, rework.max)


def chosen_branches(decision: DecisionPlan, coin: float, more: Callable[[], float]) -> tuple[int | None, ...]:
    """The branches taken (targets; None is ``end``).

    Exclusive: the branch whose cumulative probability first exceeds ``coin``. Inclusive: each
    branch with its own coin (``coin`` for the first, ``more()`` for the others); none taken
    means the first (BPMN's default flow).
    """
    branches = decision.branches
    if decision.exclusive:
        total = 0.0
        for branch in branches:
            total += branch.probability
            if coin < total:
                return (branch.target,)
        return (branches[-1].target,)
    taken = tuple(
        branch.target
        for number, branch in enumerate(branches)
        if (coin if number == 0 else more()) < branch.probability
    )
    return taken or (branches[0].target,)


def edges_after(
    routing: Routing, plan: Plan, step: int, coin: float, more: Callable[[], float]
) -> list[tuple[int, bool]]:
    """The edges a done step sends: (successor, live). A decision sends skips to untaken branches."""
    successors = plan.steps[step].successors
    decision = routing.decisions[step]
    if decision is None:
        return [(successor, True) for successor in successors]
    taken = set(chosen_branches(decision, coin, more))
    return [(successor, successor in taken) for successor in successors]


def skip_edges(plan: Plan, step: int) -> list[tuple[int, bool]]:
    """The edges a skipped step sends: a skip to every successor."""
    return [(successor, False) for successor in plan.steps[step].successors]


def rework_again(routing: Routing, step: int, passes: int, coin: float) -> bool:
    """After the ``passes``-th extra pass (0 after the first run), does the body run once more?"""
    rework = routing.reworks[step]
    return rework is not None and passes < rework.max_passes and coin < rework.probability


class Tokens:
    """One workflow's progress through its type's steps: edges still due, live arrivals, steps left."""

    __slots__ = ("left", "live", "waiting")

    def __init__(self, plan: Plan, routing: Routing, workflow_type: int) -> None:
        self.waiting = list(plan.waiting)
        self.live = [False] * len(plan.steps)
        self.left = routing.types[workflow_type].size

    def arrive(self, target: int, live: bool) -> str:
        """An edge reached ``target``: RUN it, SKIP it, or WAIT for its other edges."""
        if live:
            self.live[target] = True
        self.waiting[target] -= 1
        if self.waiting[target]:
            return WAIT
        return RUN if self.live[target] else SKIP

    def finish(self) -> bool:
        """One more step is done or skipped; True when none is left (the workflow completes)."""
        self.left -= 1
        return not self.left

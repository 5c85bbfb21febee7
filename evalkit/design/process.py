"""The process as a runtime walks it: steps by index, their edges, joins and roots.

``Plan`` compiles the study's process once: steps in dependency order with integer indices, each
step's predecessors and successors, how many deliveries each step waits for before it is ready
(its join), and the steps that start the process (in file order: the federated design starts in
the first one's domain). Each ``StepPlan`` carries the step's resolved service distribution (its
own, or its system's) and its exception specification.

Both runtimes (the simulation and the reference platform) walk this one plan, and the design
spec (``evalkit.design.spec``) prices its steps and edges by index. Extending the process model
(decisions, loops, waits) means extending this module and the two walkers that read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from evalkit.dists import DistributionSpec, constant
from evalkit.study import Step, Study
from evalkit.study.workload import ExceptionSpec

__all__ = ["START", "Plan", "StepPlan"]

#: The index of the process start, the source of the edges into the first steps.
START = -1


@dataclass(frozen=True)
class StepPlan:
    """One step, compiled: what it calls, how long that takes, what can go wrong, what follows."""

    index: int
    id: str
    system: str | None
    staff: str | None
    service: DistributionSpec
    exception: ExceptionSpec | None
    predecessors: tuple[int, ...]
    successors: tuple[int, ...]
    #: ``work`` (a system or staff pool), ``wait`` (an outside event: ``service`` is its delay) or
    #: ``gateway`` (a decision with no work); routing in ``evalkit.design.routing``.
    kind: str = "work"

    @property
    def station(self) -> str:
        """The pool that does the step's work: ``system:NAME`` or ``staff:POOL``."""
        return f"system:{self.system}" if self.system is not None else f"staff:{self.staff}"


@dataclass(frozen=True)
class Plan:
    """The study's process compiled for a runtime."""

    steps: tuple[StepPlan, ...]
    #: Steps with no predecessors, in file order.
    roots: tuple[int, ...]
    #: Deliveries each step waits for before it runs (its predecessors; 1 for a root: the start).
    waiting: tuple[int, ...]

    @classmethod
    def of(cls, study: Study) -> Plan:
        ordered = study.topological_steps()
        index = {step.id: i for i, step in enumerate(ordered)}
        successors: dict[str, list[int]] = {step.id: [] for step in ordered}
        for step in ordered:
            for before in step.after:
                successors[before].append(index[step.id])
        steps = tuple(
            StepPlan(
                index=i,
                id=step.id,
                system=step.system,
                staff=step.staff,
                service=_service(study, step),
                exception=step.exception,
                predecessors=tuple(index[d] for d in step.after),
                successors=tuple(successors[step.id]),
                kind="wait" if step.wait is not None else ("gateway" if step.is_gateway else "work"),
            )
            for i, step in enumerate(ordered)
        )
        # Every workflow type's first steps (``evalkit.design.routing`` says which type has which).
        file_order = [index[s.id] for s in study.workload.steps if not s.after]
        waiting = tuple(max(1, len(step.predecessors)) for step in steps)
        return cls(steps=steps, roots=tuple(file_order), waiting=waiting)

    def step(self, step_id: str) -> StepPlan:
        """The step with this id (``KeyError`` if none)."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)


def _service(study: Study, step: Step) -> DistributionSpec:
    if step.service_time is not None:
        return step.service_time
    if step.wait is not None:  # a wait's "service" is its event's delay: dealt like a service time
        process = next(p for p in study.workload.processes if step in p.steps)
        return process.event(step.wait).delay
    if step.is_gateway:
        return constant(0.0)
    assert step.system is not None  # a step without its own service time calls a system
    return study.system(step.system).service_time

"""The process as the simulation walks it, and one workflow instance walking it.

``Plan`` compiles the study's process once per cell: steps in dependency order with integer
indices, each step's successors, how many deliveries each step waits for before it is ready
(its join), the steps that start the process, and each step's service and exception
specification. ``Flow`` is one workflow instance: its intended start, whether it is measured
(started inside the window), the service times and exception draws it was dealt at arrival, and
where it is in the process. Flows use ``__slots__``: a million of them must fit in memory and
their fields are touched on every step.
"""

from __future__ import annotations

from dataclasses import dataclass

from evalkit.dists import DistributionSpec
from evalkit.study import Step, Study
from evalkit.study.workload import ExceptionSpec

__all__ = ["START", "StepPlan", "Plan", "Flow", "COMPLETED", "FAILED", "LOST"]

#: The index of the process start, the source of the edges into the first steps.
START = -1

COMPLETED, FAILED, LOST = "completed", "failed", "lost"


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

    @property
    def station(self) -> str:
        """The station that does the step's work: ``system:NAME`` or ``staff:POOL``."""
        return f"system:{self.system}" if self.system is not None else f"staff:{self.staff}"


@dataclass(frozen=True)
class Plan:
    """The study's process compiled for simulation."""

    steps: tuple[StepPlan, ...]
    roots: tuple[int, ...]
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
            )
            for i, step in enumerate(ordered)
        )
        # Roots in file order: the federated design starts in the first one's domain.
        file_order = [index[s.id] for s in study.workload.process.steps if not s.after]
        waiting = tuple(max(1, len(step.predecessors)) for step in steps)
        return cls(steps=steps, roots=tuple(file_order), waiting=waiting)


def _service(study: Study, step: Step) -> DistributionSpec:
    if step.service_time is not None:
        return step.service_time
    assert step.system is not None  # a step without its own service time calls a system
    return study.system(step.system).service_time


class Flow:
    """One workflow instance."""

    __slots__ = (
        "counted",
        "ended",
        "index",
        "luck",
        "outcome",
        "partition",
        "service",
        "stalled",
        "start",
        "steps_left",
        "waiting",
    )

    def __init__(
        self,
        index: int,
        start: float,
        counted: bool,
        service: list[float],
        luck: list[float],
        partition: float,
        plan: Plan,
    ) -> None:
        self.index = index
        self.start = start
        self.counted = counted
        self.service = service
        self.luck = luck
        self.partition = partition
        self.waiting = list(plan.waiting)
        self.steps_left = len(plan.steps)
        self.ended = False
        self.outcome = ""
        self.stalled = False

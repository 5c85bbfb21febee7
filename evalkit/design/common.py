"""The parts of a design spec every design shares: the study's own pools, work and resolutions.

Every design queues a step's work on its system (``system:NAME``, the system's capacity) or its
staff pool (``staff:POOL``), and a person's resolution of an exception on the exception's staff
pool; every design can lose a system to an outage (``system:NAME``). The design builders add
their own pools, visits and components around these.
"""

from __future__ import annotations

from evalkit.design.process import StepPlan
from evalkit.design.spec import Component, Delay, Hold, Pool, Visit
from evalkit.study import Study

__all__ = ["resolution", "step_work", "study_pools", "system_components", "work"]


def study_pools(study: Study) -> tuple[Pool, ...]:
    """The systems, then the staff pools, as the study lists them."""
    systems = tuple(Pool(f"system:{s.name}", "system", s.capacity) for s in study.workload.systems)
    staff = tuple(Pool(f"staff:{p.name}", "staff", p.capacity) for p in study.workload.staff)
    return systems + staff


def work(step: StepPlan) -> Hold:
    """The step's own work: a drawn service time on its system or staff pool."""
    return Hold(step.station, step.service, drawn=True)


def step_work(step: StepPlan) -> tuple[Visit, ...]:
    """What an attempt of the step does before the design records it.

    Work on its pool; a wait is a drawn pure delay (it holds nothing); a gateway does nothing.
    """
    if step.kind == "wait":
        return (Delay(step.service, drawn=True),)
    if step.kind == "gateway":
        return ()
    return (work(step),)


def resolution(step: StepPlan) -> Hold | None:
    """A person resolving the step's exception (a drawn resolution time); None if it never goes to people."""
    exception = step.exception
    pool = getattr(exception, "pool", None)
    time = getattr(exception, "resolution_time", None)
    if pool is None or time is None:
        return None
    return Hold(f"staff:{pool}", time, drawn=True)


def system_components(study: Study) -> tuple[Component, ...]:
    """``system:NAME`` for every system: its outage stops its pool."""
    return tuple(Component(f"system:{s.name}", (f"system:{s.name}",)) for s in study.workload.systems)

"""What a design is to the simulation: the cost it adds around a workflow's steps.

Every design walks the same process the same way (``evalkit.sim.walker``): steps become ready
when their predecessors are done, run their work on a system or a staff pool, and raise
exceptions that are retried, routed to people or fatal. What differs between designs, and what
a ``Design`` subclass supplies, is what happens *around* the work (``docs/models.md`` is the
specification):

- ``start``: what starting a workflow costs (an engine transition, a start event); it may refuse
  the workflow (lost) when the design's control plane is down;
- ``attempt``: one attempt of a step, the work plus whatever the design does after it (a
  transition, a completion event);
- ``manual``: a person resolving an exception, plus the design's record of it;
- ``handoff``: carrying a dependency between domains, where ``handoffs`` marks such edges;
- ``may_redeliver`` and ``exhausted``: a design's own limit on retries and what it does with a
  step that ran out of them (the event-driven dead-letter queue);
- ``outage_targets``: the stations a fault on a named component stops.

A design is one module in ``evalkit.sim.designs`` defining one subclass with a ``name`` equal to
the study's ``design:`` value; the registry finds it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from evalkit.sim.flow import Flow, StepPlan
from evalkit.sim.station import Visit

if TYPE_CHECKING:
    from evalkit.sim.model import Model

__all__ = ["Design", "OutageTarget"]


class OutageTarget(Protocol):
    """Anything a fault can stop and restart (a station, or a whole broker)."""

    watch: Any

    def go_down(self) -> None: ...
    def come_up(self) -> None: ...


class Design:
    """Base class of the design models; the defaults suit a design with no handoffs or limits."""

    name: ClassVar[str] = ""
    #: ``handoffs[source + 1][target]``: does the edge need a handoff? (``None``: never.)
    handoffs: list[list[bool]] | None = None

    def __init__(self, model: Model) -> None:
        self.model = model
        self.env = model.env

    def start(self, flow: Flow) -> Visit:
        """Start a workflow; return False if it was lost (the design has ended it)."""
        raise NotImplementedError

    def attempt(self, flow: Flow, step: StepPlan, duration: float) -> Visit:
        """One attempt of ``step`` whose work takes ``duration`` seconds."""
        raise NotImplementedError

    def manual(self, flow: Flow, step: StepPlan, duration: float) -> Visit:
        """A person resolves ``step``'s exception in ``duration`` seconds."""
        raise NotImplementedError

    def handoff(self, flow: Flow, source: int, target: int) -> Visit:
        """Carry the dependency ``source -> target`` between domains."""
        raise NotImplementedError

    def may_redeliver(self, attempts: int) -> bool:
        """May a step that failed ``attempts`` times be tried again (the design's own limit)?"""
        return True

    def exhausted(self, flow: Flow) -> None:
        """A step ran out of attempts and its workflow fails: the design's bookkeeping."""

    def outage_targets(self, component: str) -> list[OutageTarget]:
        """The parts of this design a fault on ``component`` stops (none if it has no such part)."""
        return []

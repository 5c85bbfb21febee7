"""Centralized: one engine drives every transition of every workflow (Methodology A).

A workflow makes one **transition** at its start and one after every step attempt and every
manual resolution. A transition holds ``dispatch_time`` on the **engine** (``engine_workers``
units) and then ``persist_time`` on the **state store** (``store_connections`` units). A step's
work starts after the transition that made it ready; the workflow completes when the transition
after its last step ends. The engine is a single point of failure: an outage of ``engine`` (or
``control-plane``) stops every transition of every workflow; with ``on_outage: reject`` the
workflows that arrive meanwhile are refused (lost) instead of queueing.

Parameters (``CentralizedParameters``): engine_workers (count, default 8), dispatch_time
(s, 5 ms), store_connections (count, 10), persist_time (s, 3 ms), on_outage (queue | reject).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from evalkit.sim.designs.base import Design, OutageTarget
from evalkit.sim.flow import LOST, Flow, StepPlan
from evalkit.sim.station import Visit

if TYPE_CHECKING:
    from evalkit.sim.model import Model

__all__ = ["Centralized"]


class Centralized(Design):
    """One engine and one state store for every transition."""

    name = "centralized"

    def __init__(self, model: Model) -> None:
        super().__init__(model)
        parameters = model.candidate.parameters
        self.engine = model.station("engine", parameters.engine_workers)
        self.store = model.station("store", parameters.store_connections)
        self.dispatch_time = parameters.dispatch_time
        self.persist_time = parameters.persist_time
        self.reject = parameters.on_outage == "reject"

    def transition(self, flow: Flow) -> Visit:
        yield from self.engine.visit(flow, self.dispatch_time)
        yield from self.store.visit(flow, self.persist_time)

    def start(self, flow: Flow) -> Visit:
        if self.reject and self.engine.down:
            self.model.end(flow, LOST)
            return False
        yield from self.transition(flow)
        return True

    def attempt(self, flow: Flow, step: StepPlan, duration: float) -> Visit:
        yield from self.model.work[step.index].visit(flow, duration)
        yield from self.transition(flow)

    def manual(self, flow: Flow, step: StepPlan, duration: float) -> Visit:
        yield from self.model.resolvers[step.index].visit(flow, duration)
        yield from self.transition(flow)

    def outage_targets(self, component: str) -> list[OutageTarget]:
        return [self.engine] if component in ("engine", "control-plane") else []

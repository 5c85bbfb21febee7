"""Federated: a controller per business domain, a global coordinator for handoffs (Methodology B).

Transitions are those of the centralized design, but each runs on the **controller** and the
**state store of the domain** where it happens: the start transition in the start domain (that
of the first step in file order among those with no ``after`` that calls a system; failing that,
the first system's), the transition after a step in its system's domain. A human task runs in
the domain of the step it follows (its first ``after``), or in the start domain if it follows
none. A dependency ``p -> s`` between steps of different domains (including the start's edges
to the first steps) is a **handoff**: after p's transition, hold ``coordinator_time`` on the
**coordinator**, then a pure delay of ``handoff_latency``; s is ready once every incoming edge
has been delivered. An outage of ``controller:DOMAIN`` stops only that domain's transitions;
``coordinator`` (or ``control-plane``) stops only handoffs.

Parameters (``FederatedParameters``): controller_workers (count per domain, default 4),
dispatch_time (s, 5 ms), store_connections (count per domain, 5), persist_time (s, 3 ms),
coordinator_workers (count, 4), coordinator_time (s, 4 ms), handoff_latency (s, 20 ms), and
``domains:`` overrides of the first four per domain.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simpy.events import Timeout

from evalkit.sim.designs.base import Design, OutageTarget
from evalkit.sim.flow import Flow, Plan, StepPlan
from evalkit.sim.station import Station, Visit
from evalkit.study import Study

if TYPE_CHECKING:
    from evalkit.sim.model import Model

__all__ = ["Federated", "step_domains"]

Transition = tuple[Station, float, Station, float]


def step_domains(study: Study, plan: Plan) -> tuple[str, list[str]]:
    """The start domain and each step's domain (by plan index), as the module docstring says."""
    with_system = [plan.steps[i] for i in plan.roots if plan.steps[i].system is not None]
    first = with_system[0].system if with_system else study.workload.systems[0].name
    start = study.system(first).domain  # type: ignore[arg-type]
    domains: list[str] = []
    for step in plan.steps:  # dependency order: a predecessor's domain is known first
        if step.system is not None:
            domains.append(study.system(step.system).domain)
        elif step.predecessors:
            domains.append(domains[step.predecessors[0]])
        else:
            domains.append(start)
    return start, domains


class Federated(Design):
    """Per-domain controllers and stores, a coordinator for cross-domain handoffs."""

    name = "federated"

    def __init__(self, model: Model) -> None:
        super().__init__(model)
        parameters = model.candidate.parameters
        transitions = {domain: self._domain(model, domain) for domain in model.study.domains}
        start, domains = step_domains(model.study, model.plan)
        self.start_transition = transitions[start]
        self.transitions = [transitions[domain] for domain in domains]
        self.controllers = {domain: transition[0] for domain, transition in transitions.items()}
        self.coordinator = model.station("coordinator", parameters.coordinator_workers)
        self.coordinator_time = parameters.coordinator_time
        self.handoff_latency = parameters.handoff_latency
        source_domains = [start, *domains]  # index source + 1, START being -1
        self.handoffs = [[source != target for target in domains] for source in source_domains]

    @staticmethod
    def _domain(model: Model, domain: str) -> Transition:
        parameters = model.candidate.parameters
        override = parameters.domains.get(domain)

        def sized(field: str) -> float:
            value = getattr(override, field, None) if override is not None else None
            return value if value is not None else getattr(parameters, field)

        controller = model.station(f"controller:{domain}", int(sized("controller_workers")))
        store = model.station(f"store:{domain}", int(sized("store_connections")))
        return controller, sized("dispatch_time"), store, sized("persist_time")

    @staticmethod
    def transition(flow: Flow, transition: Transition) -> Visit:
        controller, dispatch_time, store, persist_time = transition
        yield from controller.visit(flow, dispatch_time)
        yield from store.visit(flow, persist_time)

    def start(self, flow: Flow) -> Visit:
        yield from self.transition(flow, self.start_transition)
        return True

    def attempt(self, flow: Flow, step: StepPlan, duration: float) -> Visit:
        yield from self.model.work[step.index].visit(flow, duration)
        yield from self.transition(flow, self.transitions[step.index])

    def manual(self, flow: Flow, step: StepPlan, duration: float) -> Visit:
        yield from self.model.resolvers[step.index].visit(flow, duration)
        yield from self.transition(flow, self.transitions[step.index])

    def handoff(self, flow: Flow, source: int, target: int) -> Visit:
        yield from self.coordinator.visit(flow, self.coordinator_time)
        yield Timeout(self.env, self.handoff_latency)

    def outage_targets(self, component: str) -> list[OutageTarget]:
        if component in ("coordinator", "control-plane"):
            return [self.coordinator]
        kind, _, domain = component.partition(":")
        if kind == "controller" and domain in self.controllers:
            return [self.controllers[domain]]
        return []

"""Federated: a controller per business domain, a global coordinator for handoffs (Methodology B).

Transitions are those of the centralized design, but each runs on the **controller** and the
**state store of the domain** where it happens (``evalkit.design.domains`` says which). A
dependency ``p -> s`` between steps of different domains (including the start's edges to the
first steps) is a **handoff**: hold ``coordinator_time`` on the **coordinator**, then a pure
delay of ``handoff_latency``. An outage of ``controller:DOMAIN`` stops that domain's controller;
``coordinator`` (or ``control-plane``) stops handoffs.

Parameters (``FederatedParameters``): controller_workers (count per domain, default 4),
dispatch_time (s, 5 ms), store_connections (count per domain, 5), persist_time (s, 3 ms),
coordinator_workers (count, 4), coordinator_time (s, 4 ms), handoff_latency (s, 20 ms), and
``domains:`` overrides of the first four per domain.
"""

from __future__ import annotations

from evalkit.design.common import resolution, step_work, study_pools, system_components
from evalkit.design.domains import domain_setting, step_domains
from evalkit.design.process import START, Plan
from evalkit.design.spec import Component, Delay, DesignSpec, Handoff, Hold, Pool, StepVisits, Visit
from evalkit.dists import constant
from evalkit.study import Study
from evalkit.study.candidates import Candidate, FederatedParameters

__all__ = ["build", "components"]


def build(study: Study, candidate: Candidate, plan: Plan) -> DesignSpec:
    """The spec of a federated candidate."""
    parameters = candidate.parameters
    assert isinstance(parameters, FederatedParameters)
    pools: list[Pool] = list(study_pools(study))
    transitions: dict[str, tuple[Visit, ...]] = {}
    for domain in study.domains:
        pools.append(_pool(parameters, domain, "controller", "controller_workers", orchestration=True))
        pools.append(_pool(parameters, domain, "store", "store_connections", orchestration=False))
        transitions[domain] = (
            Hold(f"controller:{domain}", constant(domain_setting(parameters, domain, "dispatch_time"))),
            Hold(f"store:{domain}", constant(domain_setting(parameters, domain, "persist_time"))),
        )
    pools.append(Pool("coordinator", "coordinator", parameters.coordinator_workers, orchestration=True))
    start, domains = step_domains(study, plan)
    steps = []
    for step in plan.steps:
        transition, person = transitions[domains[step.index]], resolution(step)
        # A gateway is decided inside the transition that made it ready: it costs nothing.
        attempt = () if step.kind == "gateway" else (*step_work(step), *transition)
        steps.append(StepVisits(attempt, (person, *transition) if person else ()))
    handoff = (Hold("coordinator", constant(parameters.coordinator_time)), Delay(constant(parameters.handoff_latency)))
    return DesignSpec(
        candidate=candidate.name,
        design="federated",
        plan=plan,
        pools=tuple(pools),
        start=transitions[start],
        steps=tuple(steps),
        handoffs=_handoffs(plan, start, domains, handoff),
        components=components(study),
        automation=candidate.exception_automation,
        start_domain=start,
        domains=domains,
    )


def _pool(parameters: FederatedParameters, domain: str, kind: str, size: str, *, orchestration: bool) -> Pool:
    capacity = int(domain_setting(parameters, domain, size))
    return Pool(f"{kind}:{domain}", kind, capacity, orchestration=orchestration, domain=domain)  # type: ignore[arg-type]


def _handoffs(plan: Plan, start: str, domains: tuple[str, ...], visits: tuple[Visit, ...]) -> tuple[Handoff, ...]:
    """Every edge whose two ends lie in different domains (the start's edges from the start domain)."""
    edges = [(START, root) for root in plan.roots]
    edges += [(step.index, successor) for step in plan.steps for successor in step.successors]
    found = []
    for source, target in edges:
        source_domain = start if source == START else domains[source]
        if source_domain != domains[target]:
            found.append(Handoff(source, target, visits))
    return tuple(found)


def components(study: Study) -> tuple[Component, ...]:
    """Each domain's controller, the coordinator (also the control plane) and the systems."""
    controllers = tuple(Component(f"controller:{d}", (f"controller:{d}",)) for d in study.domains)
    coordinator = (Component("coordinator", ("coordinator",)), Component("control-plane", ("coordinator",)))
    return (*controllers, *coordinator, *system_components(study))

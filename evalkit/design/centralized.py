"""Centralized: one engine drives every transition of every workflow (Methodology A).

A workflow makes one **transition** at its start and one after every step attempt and every
manual resolution. A transition holds ``dispatch_time`` on the **engine** (``engine_workers``
units) and then ``persist_time`` on the **state store** (``store_connections`` units). The
engine is a single point of failure: an outage of ``engine`` (or ``control-plane``) stops every
transition; with ``on_outage: reject`` a workflow that arrives meanwhile is refused (lost).

Parameters (``CentralizedParameters``): engine_workers (count, default 8), dispatch_time
(s, 5 ms), store_connections (count, 10), persist_time (s, 3 ms), on_outage (queue | reject).
"""

from __future__ import annotations

from evalkit.design.common import resolution, step_work, study_pools, system_components
from evalkit.design.process import Plan
from evalkit.design.spec import Component, DesignSpec, Hold, Pool, StepVisits
from evalkit.dists import constant
from evalkit.study import Study
from evalkit.study.candidates import Candidate, CentralizedParameters

__all__ = ["build", "components"]


def build(study: Study, candidate: Candidate, plan: Plan) -> DesignSpec:
    """The spec of a centralized candidate."""
    parameters = candidate.parameters
    assert isinstance(parameters, CentralizedParameters)
    engine = Hold("engine", constant(parameters.dispatch_time))
    transition = (engine, Hold("store", constant(parameters.persist_time)))
    refuse = parameters.on_outage == "reject"
    start = (Hold("engine", engine.demand, lost_if_down=refuse), transition[1])
    steps = []
    for step in plan.steps:
        person = resolution(step)
        # A gateway is decided inside the transition that made it ready: it costs nothing.
        attempt = () if step.kind == "gateway" else (*step_work(step), *transition)
        steps.append(StepVisits(attempt, (person, *transition) if person else ()))
    pools = (
        *study_pools(study),
        Pool("engine", "engine", parameters.engine_workers, orchestration=True),
        Pool("store", "store", parameters.store_connections),
    )
    return DesignSpec(
        candidate=candidate.name,
        design="centralized",
        plan=plan,
        pools=pools,
        start=start,
        steps=tuple(steps),
        components=components(study),
        automation=candidate.exception_automation,
    )


def components(study: Study) -> tuple[Component, ...]:
    """The engine (also the control plane) and the systems."""
    return (Component("engine", ("engine",)), Component("control-plane", ("engine",)), *system_components(study))

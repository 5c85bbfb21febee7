"""Which business domain each step runs in, and a domain's own sizing: one rule for every reader.

The federated design runs each transition on the controller of the domain where it happens. A
step that calls a system runs in that system's domain. A human task runs in the domain of the
step it follows (the first of its ``after``), or in the **start domain** if it follows none. The
start domain is that of the first step, in file order, among the steps with no ``after`` that
call a system; if no such step exists, the first system's domain.

A federated candidate may size one domain's controller and store apart from the rest
(``parameters.domains[DOMAIN]``); ``domain_setting`` is the one place that override is read.
"""

from __future__ import annotations

from typing import Any

from evalkit.design.process import Plan
from evalkit.study import Study
from evalkit.study.candidates import FederatedParameters

__all__ = ["domain_setting", "step_domains"]


def step_domains(study: Study, plan: Plan) -> tuple[str, tuple[str, ...]]:
    """The start domain and each step's domain, by plan index."""
    with_system = [plan.steps[i] for i in plan.roots if plan.steps[i].system is not None]
    first = with_system[0].system if with_system else study.workload.systems[0].name
    assert first is not None
    start = study.system(first).domain
    domains: list[str] = []
    for step in plan.steps:  # dependency order: a predecessor's domain is known first
        if step.system is not None:
            domains.append(study.system(step.system).domain)
        elif step.predecessors:
            domains.append(domains[step.predecessors[0]])
        else:
            domains.append(start)
    return start, tuple(domains)


def domain_setting(parameters: FederatedParameters, domain: str, name: str) -> Any:
    """A federated parameter for one domain: its override if it has one, else the candidate's default."""
    override = parameters.domains.get(domain)
    value = getattr(override, name, None) if override is not None else None
    return value if value is not None else getattr(parameters, name)

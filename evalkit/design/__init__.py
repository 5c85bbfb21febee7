"""The design spec: each candidate's orchestration design, derived once from the study.

``design_spec(study, candidate)`` returns a plain, frozen ``DesignSpec``: the resource pools and
their capacities, the visits a workflow makes under the design (its start, each step's attempt
and manual resolution, each handoff), the design's delivery limits, its fault components and its
orchestration units. The simulation (``evalkit.sim``) and the reference platform
(``evalkit.load.reference``) execute it; fault validation and the cost model read it; the
analytic model turns it into a queueing network. ``evalkit.design.rules`` holds the exception
rules both runtimes run, ``evalkit.design.draws`` the interface of their random numbers, and
``evalkit.design.process`` the compiled process they walk.

Modules: ``process`` (the plan), ``spec`` (the data), ``common`` and one builder per design
(``centralized``, ``federated``, ``event_driven``), ``domains`` (the step -> domain rule),
``registry`` (builders by name), ``rules`` and ``draws``.
"""

from evalkit.design.draws import Dealt, DrawSource
from evalkit.design.process import START, Plan, StepPlan
from evalkit.design.registry import BUILDERS, design_names, design_spec, fault_components
from evalkit.design.spec import (
    AwaitUp,
    Component,
    Delay,
    DesignSpec,
    Handoff,
    Hold,
    Occupy,
    Pool,
    Redelivery,
    StepVisits,
    Visit,
)

__all__ = [
    "BUILDERS",
    "START",
    "AwaitUp",
    "Component",
    "Dealt",
    "Delay",
    "DesignSpec",
    "DrawSource",
    "Handoff",
    "Hold",
    "Occupy",
    "Plan",
    "Pool",
    "Redelivery",
    "StepPlan",
    "StepVisits",
    "Visit",
    "design_names",
    "design_spec",
    "fault_components",
]

"""The design builders by name, and the spec of a candidate.

Each design is one module of this package with two functions: ``build(study, candidate, plan)``
returns its ``DesignSpec`` and ``components(study)`` the fault components it has. ``BUILDERS``
names them; ``design_spec`` picks the builder from the candidate's ``design``. Adding a design is
one such module and one line here (plus its parameters in ``evalkit.study.candidates``, and a
runtime module where its semantics are new: see ``docs/models.md``).
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from evalkit.design import centralized, event_driven, federated
from evalkit.design.process import Plan
from evalkit.design.spec import DesignSpec
from evalkit.errors import SimulationError
from evalkit.study import Study
from evalkit.study.candidates import Candidate

__all__ = ["BUILDERS", "design_names", "design_spec", "fault_components"]

#: The module that builds each design's spec, by the name a candidate's ``design:`` gives.
BUILDERS: dict[str, ModuleType] = {
    "centralized": centralized,
    "federated": federated,
    "event-driven": event_driven,
}

Builder = Callable[[Study, Candidate, Plan], DesignSpec]


def design_names() -> tuple[str, ...]:
    """Every design a candidate may name, sorted."""
    return tuple(sorted(BUILDERS))


def design_spec(study: Study, candidate: Candidate | str, plan: Plan | None = None) -> DesignSpec:
    """The design spec of one of the study's candidates (by candidate or name)."""
    found = study.candidate(candidate) if isinstance(candidate, str) else candidate
    module = BUILDERS.get(found.design)
    if module is None:
        raise SimulationError(f"no design {found.design!r}; known: {', '.join(design_names())}")
    build: Builder = module.build
    return build(study, found, plan if plan is not None else Plan.of(study))


def fault_components(study: Study) -> tuple[str, ...]:
    """Every component name a fault may target in this study: the components of every design."""
    names: dict[str, None] = {"control-plane": None}
    for module in BUILDERS.values():
        names.update((component.name, None) for component in module.components(study))
    # Systems last, as a study lists them, after the designs' own parts.
    return tuple(sorted(names, key=lambda name: name.startswith("system:")))

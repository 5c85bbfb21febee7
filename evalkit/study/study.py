"""The study: one selection study, the root of everything evalkit computes.

A study names the business process and its systems (``workload``), today's traffic and the load
multiples to test (``traffic``), the service levels that matter (``slo``), optional KPIs with
targets (``baseline``), fault scenarios (``faults``), the candidate platforms and the scorecard to
judge them by. It is validated once, at the boundary, by ``evalkit.study.loader``; after that
every part of evalkit trusts it and none may change it (the models are frozen).
"""

from __future__ import annotations

from pydantic import Field

from evalkit.study.base import Model
from evalkit.study.candidates import Candidate
from evalkit.study.traffic import Baseline, Costing, Fault, LoadSettings, Slo, Traffic
from evalkit.study.workload import Process, Step, System, Workload

__all__ = ["Study"]


class Study(Model):
    """A validated, frozen selection study."""

    name: str = Field(min_length=1, max_length=120, description="short name, used in run ids")
    title: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=8000)
    seed: int = Field(default=1, ge=0, le=2**63 - 1, description="root of every random stream")
    scorecard: str = Field(
        default="orchestration-platform",
        description="a bundled scorecard's name, or a path relative to this file",
    )
    workload: Workload
    traffic: Traffic
    slo: Slo
    baseline: Baseline | None = None
    faults: tuple[Fault, ...] = Field(default=(), max_length=200)
    candidates: tuple[Candidate, ...] = Field(min_length=1, max_length=100)
    load: LoadSettings = Field(default_factory=LoadSettings)
    costing: Costing = Field(default_factory=Costing)

    def system(self, name: str) -> System:
        """The system with this name (``KeyError`` if none)."""
        for system in self.workload.systems:
            if system.name == name:
                return system
        raise KeyError(name)

    def step(self, step_id: str) -> Step:
        """The process step with this id, in any workflow type (``KeyError`` if none)."""
        for step in self.workload.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def candidate(self, name: str) -> Candidate:
        """The candidate with this name (``KeyError`` if none)."""
        for candidate in self.candidates:
            if candidate.name == name:
                return candidate
        raise KeyError(name)

    @property
    def domains(self) -> tuple[str, ...]:
        """Business domains, in the order their first system appears."""
        return tuple(dict.fromkeys(s.domain for s in self.workload.systems))

    def step_domain(self, step: Step) -> str | None:
        """The domain a step runs in: its system's; a human task has none."""
        return self.system(step.system).domain if step.system else None

    def workflow_slo(self, workflow_type: str) -> Slo:
        """The SLO one workflow type is held to: the study's, with the type's own fields replacing it.

        ``all`` (or the name of a study's single process) gives the study's SLO. The type's
        ``slo`` comes first, then ``slo.types[NAME]`` overrides it field by field.
        """
        if workflow_type == "all" or not self.workload.mixed:
            return self.slo
        process = next(p for p in self.workload.processes if p.name == workflow_type)
        fields: dict[str, object] = {}
        for override in (process.slo, self.slo.types.get(workflow_type)):
            if override is not None:
                fields.update(override.model_dump(exclude_none=True))
        return self.slo.model_copy(update=fields)

    def topological_steps(self, process: Process | None = None) -> tuple[Step, ...]:
        """Steps (of one workflow type; by default all) in file order, each after those it depends on."""
        pending = list(process.steps if process is not None else self.workload.steps)
        placed: dict[str, Step] = {}
        while pending:
            ready = [s for s in pending if all(d in placed for d in s.after)]
            if not ready:  # the loader refuses cycles; this guards direct construction
                raise ValueError("process steps form a cycle")
            for step in ready:
                placed[step.id] = step
            pending = [s for s in pending if s.id not in placed]
        return tuple(placed.values())

"""One live workflow walking the study's process: fork, join, retries, people, failure.

The walk is the part of ``docs/models.md`` common to every design. Steps whose ``after`` steps
are all done run concurrently (an asyncio task each, in one ``TaskGroup``, so a failure in one
branch cancels the others: abandoned). Each step runs *attempts*, which the design prices (a
system call plus an engine transition, or a consumer plus a published event); an exception is
drawn once per attempt and handled by retry with backoff, routing to people (automated by the
candidate's ``exception_automation`` share) or failing the workflow. The design also decides what
a dependency edge costs (a federated cross-domain handoff) and whether exhausted retries go to a
dead-letter queue.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal, Protocol

from evalkit.load.reference.runtime import Runtime
from evalkit.study import Step, Study

__all__ = ["Design", "WorkflowEndedError", "WorkflowRun"]


class WorkflowEndedError(Exception):
    """The workflow ends early: ``failed`` or ``lost``."""

    def __init__(self, outcome: Literal["failed", "lost"]) -> None:
        super().__init__(outcome)
        self.outcome = outcome


class Design(Protocol):
    """How a design prices a workflow's start, its attempts and its edges."""

    #: event-driven: a failing event is redelivered at most this many times before dead-lettering.
    max_deliveries: int | None
    #: event-driven: exhausted retries with ``exhausted: fail`` go to the dead-letter queue.
    dead_letters: bool

    def refuses_now(self) -> bool:
        """Whether a new workflow is refused at start right now (an outage with ``reject``)."""
        ...

    async def begin(self, run: WorkflowRun) -> None: ...
    async def attempt(self, run: WorkflowRun, step: Step) -> None: ...
    async def manual(self, run: WorkflowRun, step: Step, pool: str, resolution: Any) -> None: ...
    async def deliver(self, run: WorkflowRun, before: Step | None, after: Step) -> None:
        """Carry the edge ``before -> after`` (``before`` is ``None`` for the start's edges)."""
        ...


class WorkflowRun:
    """One workflow instance on a design."""

    def __init__(self, study: Study, design: Design, runtime: Runtime, automation: float) -> None:
        self.study = study
        self.design = design
        self.runtime = runtime
        self.automation = automation
        self.partition = 0  # chosen by an event-driven design at start

    async def execute(self) -> Literal["completed", "failed", "lost"]:
        try:
            await self.design.begin(self)
            await self._walk()
        except WorkflowEndedError as ended:
            return ended.outcome
        return "completed"

    async def _walk(self) -> None:
        steps = self.study.workload.process.steps
        waiting = {step.id: len(step.after) for step in steps}
        successors: dict[str, list[Step]] = {step.id: [] for step in steps}
        for step in steps:
            for before in step.after:
                successors[before].append(step)
        try:
            async with asyncio.TaskGroup() as group:

                async def run(step: Step) -> None:
                    await self._run_step(step)
                    for after in successors[step.id]:
                        group.create_task(deliver(step, after))

                async def deliver(before: Step | None, after: Step) -> None:
                    await self.design.deliver(self, before, after)
                    waiting[after.id] -= 1
                    if waiting[after.id] == 0:  # join: every incoming edge has been delivered
                        group.create_task(run(after))

                for step in steps:
                    if not step.after:
                        waiting[step.id] = 1  # the start's edge
                        group.create_task(deliver(None, step))
        except BaseExceptionGroup as group_error:
            ended = group_error.subgroup(WorkflowEndedError)
            if ended is None:
                raise
            raise _first(ended) from None

    async def _run_step(self, step: Step) -> None:
        spec = step.exception
        failures = 0
        while True:
            await self.design.attempt(self, step)
            if spec is None or not self.runtime.chance(spec.probability):
                return
            failures += 1
            self.runtime.counters["exceptions"] += 1
            if spec.handling == "fail":
                raise WorkflowEndedError("failed")
            if spec.handling == "human":
                await self._to_people(step, spec.pool, spec.resolution_time)
                return
            limit = self.design.max_deliveries
            if limit is not None and failures >= limit:
                self._dead_letter()
            if failures <= spec.retries:
                await self.runtime.delay(spec.backoff * spec.backoff_factor ** (failures - 1))
                continue
            if spec.exhausted == "human":
                await self._to_people(step, spec.pool, spec.resolution_time)
                return
            if self.design.dead_letters:
                self._dead_letter()
            raise WorkflowEndedError("failed")

    async def _to_people(self, step: Step, pool: str | None, resolution: Any) -> None:
        """The platform automates its share with one compensating attempt; people resolve the rest."""
        if self.runtime.chance(self.automation):
            await self.design.attempt(self, step)
            return
        self.runtime.counters["manual_interventions"] += 1
        await self.design.manual(self, step, pool or "", resolution)

    def _dead_letter(self) -> None:
        self.runtime.counters["dead_lettered"] += 1
        raise WorkflowEndedError("failed")


def _first(group: BaseExceptionGroup) -> WorkflowEndedError:
    """The first ``WorkflowEndedError`` in a possibly nested exception group."""
    for error in group.exceptions:
        if isinstance(error, BaseExceptionGroup):
            return _first(error)
        if isinstance(error, WorkflowEndedError):
            return error
    raise group

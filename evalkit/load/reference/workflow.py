"""One live workflow walking the study's process: fork, join, retries, people, failure.

The walk is the part of ``docs/models.md`` common to every design, over the plan of
``evalkit.design.process``. Steps whose predecessors are all done run concurrently (an asyncio
task each, in one ``TaskGroup``, so a failure in one branch cancels the others: abandoned). A
step runs its attempt under the design (the spec's visits, carried out by the ``Executor``); if
the attempt raised its exception, the exception rules of ``evalkit.design.rules`` (retry with
backoff, people, failure, dead letter) decide what follows, and this walker carries out their
commands. A dependency edge costs the spec's handoff visits, if any.

A process with decisions, rework loops, waits or a mix of types is walked by the routing rules of
``evalkit.design.routing``, the same rules the simulation runs: the workflow's type picks its first
steps, edges carry a live token or a skip (dead-path elimination), a decision sends live tokens
to the branches it takes, and a step's rework loop runs its body again while its draws say so.
"""

from __future__ import annotations

import asyncio
from typing import Literal

from evalkit.design import START, Dealt, DesignSpec, DrawSource, Visit
from evalkit.design.routing import RUN, SKIP, WAIT, Routing, Tokens, edges_after, rework_again, skip_edges
from evalkit.design.rules import Attempt, Backoff, Manual, Outcome, Raised, handle_exception, raised
from evalkit.load.reference import path_clock
from evalkit.load.reference.executor import Executor, WorkflowEndedError
from evalkit.load.reference.runtime import Runtime

__all__ = ["WorkflowRun"]


class WorkflowRun:
    """One workflow instance on a design spec, with the numbers it was dealt at its start."""

    def __init__(
        self,
        spec: DesignSpec,
        executor: Executor,
        runtime: Runtime,
        draws: DrawSource,
        dealt: Dealt,
        routing: Routing | None = None,
        workflow_type: int | None = None,
    ) -> None:
        """``routing``: the routing rules of a process with decisions, loops, waits or a mix;
        ``workflow_type``: a type the caller chose (else the dealt type coin chooses)."""
        self.spec = spec
        self.routing = routing
        if routing is None:
            self.workflow_type = 0
        else:
            self.workflow_type = routing.choose_type(dealt.type_coin) if workflow_type is None else workflow_type
        self.executor = executor
        self.runtime = runtime
        self.draws = draws
        self.dealt = dealt
        self.partition = dealt.partition

    def refused(self) -> bool:
        """Whether the workflow is refused at its start right now (an outage that loses new work)."""
        return self.executor.refuses(self, self.spec.start)

    async def execute(self) -> Literal["completed", "failed", "lost"]:
        path_clock.begin(asyncio.get_running_loop().time())  # its visits aim at deadlines from now on
        try:
            await self.executor.run(self, self.spec.start)
            await (self._walk() if self.routing is None else self._walk_routed())
        except WorkflowEndedError as ended:
            return ended.outcome  # type: ignore[return-value]
        return "completed"

    async def _walk(self) -> None:
        plan = self.spec.plan
        waiting = list(plan.waiting)
        try:
            async with asyncio.TaskGroup() as group:

                async def run(step: int) -> None:
                    await self._run_step(step)
                    for after in plan.steps[step].successors:
                        group.create_task(deliver(step, after))

                async def deliver(before: int, after: int) -> None:
                    await self.executor.run(self, self._handoff(before, after))
                    waiting[after] -= 1
                    if waiting[after] == 0:  # join: every incoming edge has been delivered
                        group.create_task(run(after))

                for root in plan.roots:
                    group.create_task(deliver(START, root))
        except BaseExceptionGroup as group_error:
            ended = group_error.subgroup(WorkflowEndedError)
            if ended is None:
                raise
            raise _first(ended) from None

    async def _walk_routed(self) -> None:
        plan, routing = self.spec.plan, self.routing
        assert routing is not None
        tokens = Tokens(plan, routing, self.workflow_type)
        try:
            async with asyncio.TaskGroup() as group:

                async def arrive(before: int, after: int, live: bool) -> None:
                    if live:
                        await self.executor.run(self, self._handoff(before, after))
                    verdict = tokens.arrive(after, live)
                    if verdict == WAIT:
                        return
                    if verdict == RUN:
                        await self._run_with_rework(after)
                    if tokens.finish():
                        return  # the last step: the task group's end completes the workflow
                    if verdict == SKIP:
                        edges = skip_edges(plan, after)
                    else:
                        coin = self.dealt.route[after]
                        edges = edges_after(routing, plan, after, coin, lambda: self.draws.route(after, 1))
                    for successor, successor_live in edges:
                        group.create_task(arrive(after, successor, successor_live))

                for root in routing.types[self.workflow_type].roots:
                    group.create_task(arrive(START, root, True))
        except BaseExceptionGroup as group_error:
            ended = group_error.subgroup(WorkflowEndedError)
            if ended is None:
                raise
            raise _first(ended) from None

    async def _run_with_rework(self, index: int) -> None:
        """Run a step; while its rework loop says so, run the loop body again (fresh draws)."""
        await self._run_step(index)
        assert self.routing is not None
        rework = self.routing.reworks[index]
        if rework is None:
            return
        passes, coin = 0, self.dealt.route[index]
        while rework_again(self.routing, index, passes, coin):
            passes += 1
            for position, step in enumerate(rework.body):
                if position:
                    await self.executor.run(self, self._handoff(rework.body[position - 1], step))
                await self._run_step(step, passes)
            coin = self.draws.route(index, passes)

    def _handoff(self, before: int, after: int) -> tuple[Visit, ...]:
        return self.spec.handoff(before, after)

    async def _run_step(self, index: int, rerun: int = 0) -> None:
        """One step's attempt and its exception handling; a rework pass (``rerun``) draws afresh."""
        spec, step = self.spec, self.spec.plan.steps[index]
        attempt = spec.steps[index].attempt
        if rerun:
            duration, coin = self.draws.service(index, rerun), self.draws.exception(index, rerun)
        else:
            duration, coin = self.dealt.service[index], self.dealt.luck[index]
        await self.executor.run(self, attempt, duration, index, 0)
        exception = step.exception
        if exception is None or not raised(exception, coin):
            return
        rules = handle_exception(index, exception, self.draws, spec.redelivery, spec.automation)
        command = next(rules)
        while True:
            reply = None
            if isinstance(command, Raised):
                self.runtime.counters["exceptions"] += 1
            elif isinstance(command, Backoff):
                await self.runtime.delay(command.delay)
            elif isinstance(command, Attempt):
                await self.executor.run(self, attempt, command.duration, index, command.attempt)
                reply = True  # a workflow that ended meanwhile was cancelled, never gets here
            elif isinstance(command, Manual):
                self.runtime.counters["manual_interventions"] += 1
                await self.executor.run(self, spec.steps[index].manual, command.duration, index)
            try:
                command = rules.send(reply)
            except StopIteration as stop:
                outcome = stop.value
                break
        if outcome is Outcome.DEAD_LETTERED:
            self.runtime.counters["dead_lettered"] += 1
        if outcome is not Outcome.DONE:
            raise WorkflowEndedError("failed")


def _first(group: BaseExceptionGroup) -> WorkflowEndedError:
    """The first ``WorkflowEndedError`` in a possibly nested exception group."""
    for error in group.exceptions:
        if isinstance(error, BaseExceptionGroup):
            return _first(error)
        if isinstance(error, WorkflowEndedError):
            return error
    raise group

"""How a workflow walks its process in the simulation: fork, join, exceptions, outcome.

A workflow starts (the design's start visits), then every first step becomes ready. A ready step
runs its attempt under the design (the spec's attempt visits, executed by
``evalkit.sim.execute``) and, if the attempt raised its exception, the exception rules of
``evalkit.design.rules``: retries with backoff, routing to people (automated or manual), failure
or the dead-letter queue. The walker carries out the rules' commands in SimPy.

When a step is done, each edge to a successor is delivered (through the spec's handoff visits
if the edge has any); a successor with several predecessors runs once all of its edges have been
delivered (join). Parallel branches run as separate SimPy processes; a linear chain stays in one
process, which is most of the work and the cheapest way to run it. The workflow completes when
its last step is done, or ends as soon as it fails or is lost.
"""

from __future__ import annotations

from simpy.events import Process, Timeout

from evalkit.design import START, StepPlan
from evalkit.design.rules import Attempt, Backoff, Manual, Outcome, Raised, handle_exception, raised
from evalkit.sim.context import CellContext
from evalkit.sim.execute import Executor
from evalkit.sim.flow import COMPLETED, FAILED, Flow
from evalkit.sim.station import Visit

__all__ = ["Walker"]


class Walker:
    """Runs workflows through the process under one cell's design spec."""

    def __init__(self, context: CellContext, executor: Executor) -> None:
        self.env = context.env
        self.tally = context.tally
        self.draws = context.draws
        self.spec = context.spec
        self.executor = executor
        self.steps = context.spec.plan.steps
        self.roots = context.spec.plan.roots

    def begin(self, flow: Flow) -> None:
        """Start ``flow`` now, as its own SimPy process."""
        Process(self.env, self._run(flow))

    def _run(self, flow: Flow) -> Visit:
        started = yield from self.executor.run(flow, self.executor.start)
        if not started or flow.ended:
            return
        for root in self.roots[1:]:
            Process(self.env, self._branch(flow, START, root))
        yield from self._branch(flow, START, self.roots[0])

    def _branch(self, flow: Flow, source: int, target: int) -> Visit:
        """Deliver ``source -> target``; if that completes target's join, run it and go on downstream."""
        executor, handoffs = self.executor, self.executor.handoffs
        while True:
            if handoffs is not None and handoffs[source + 1][target]:
                yield from executor.run(flow, handoffs[source + 1][target])
            if flow.ended:
                return
            flow.waiting[target] -= 1
            if flow.waiting[target]:
                return  # a join: the branch delivering its last edge runs the step
            step = self.steps[target]
            done = yield from self._step(flow, step)
            if flow.ended:
                return
            if not done:
                self.tally.end(flow, FAILED)
                return
            flow.steps_left -= 1
            if not flow.steps_left:
                self.tally.end(flow, COMPLETED)
                return
            following = step.successors
            if not following:
                return
            for successor in following[1:]:
                Process(self.env, self._branch(flow, target, successor))
            source, target = target, following[0]

    def _step(self, flow: Flow, step: StepPlan) -> Visit:
        """Run a step to done (True) or to the workflow's failure (False)."""
        index = step.index
        yield from self.executor.run(flow, self.executor.attempts[index], flow.service[index], index, 0)
        exception = step.exception
        if exception is None or not raised(exception, flow.luck[index]) or flow.ended:
            return True
        outcome = yield from self._exception(flow, step)
        if outcome is Outcome.DEAD_LETTERED:
            self.tally.dead_letter(flow)
        return outcome is Outcome.DONE

    def _exception(self, flow: Flow, step: StepPlan) -> Visit:
        """Carry out the exception rules' commands for a step whose first attempt raised."""
        index, executor, spec = step.index, self.executor, self.spec
        assert step.exception is not None
        rules = handle_exception(index, step.exception, self.draws, spec.redelivery, spec.automation)
        command = next(rules)
        while True:
            reply = None
            if isinstance(command, Raised):
                self.tally.exception(flow)
            elif isinstance(command, Backoff):
                yield Timeout(self.env, command.delay)
            elif isinstance(command, Attempt):
                yield from executor.run(flow, executor.attempts[index], command.duration, index, command.attempt)
                reply = not flow.ended
            elif isinstance(command, Manual):
                self.tally.manual(flow)
                yield from executor.run(flow, executor.manuals[index], command.duration, index)
            try:
                command = rules.send(reply)
            except StopIteration as stop:
                return stop.value

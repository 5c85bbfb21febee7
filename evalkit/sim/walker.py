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

A process with decisions, rework loops, waits or a mix of types is walked by the routing rules of
``evalkit.design.routing`` (``routed``): the workflow starts at its type's first steps, edges
carry a live token or a skip (a skipped step costs nothing and passes skips on), a decision sends
live tokens only to the branches it takes, and a step with a rework loop runs its loop body again
while the loop's draws say so. Waits and gateways are steps whose attempt visits the spec makes
(a drawn pure delay and the design's record; nothing).
"""

from __future__ import annotations

from functools import partial

from simpy.events import Process, Timeout

from evalkit.design import START, StepPlan
from evalkit.design.routing import RUN, SKIP, WAIT, Routing, edges_after, rework_again, skip_edges
from evalkit.design.rules import Attempt, Backoff, Manual, Outcome, Raised, handle_exception, raised
from evalkit.sim.context import CellContext
from evalkit.sim.execute import Executor
from evalkit.sim.flow import COMPLETED, FAILED, Flow
from evalkit.sim.station import Visit

__all__ = ["Walker"]


class Walker:
    """Runs workflows through the process under one cell's design spec."""

    def __init__(self, context: CellContext, executor: Executor, routing: Routing | None = None) -> None:
        """``routing``: the routing rules of a process with decisions, loops, waits or a mix."""
        self.env = context.env
        self.tally = context.tally
        self.draws = context.draws
        self.spec = context.spec
        self.executor = executor
        self.steps = context.spec.plan.steps
        self.roots = context.spec.plan.roots
        self.plan = context.spec.plan
        self.routing = routing

    def begin(self, flow: Flow) -> None:
        """Start ``flow`` now, as its own SimPy process."""
        Process(self.env, self._run(flow) if self.routing is None else self._run_routed(flow))

    def _run(self, flow: Flow) -> Visit:
        started = yield from self.executor.run(flow, self.executor.start)
        if not started or flow.ended:
            return
        for root in self.roots[1:]:
            Process(self.env, self._branch(flow, START, root))
        yield from self._branch(flow, START, self.roots[0])

    # The routed walk (decisions, rework loops, waits, a mix) ---------------------------------
    def _run_routed(self, flow: Flow) -> Visit:
        started = yield from self.executor.run(flow, self.executor.start)
        if not started or flow.ended:
            return
        assert self.routing is not None
        roots = self.routing.types[flow.workflow_type].roots
        for root in roots[1:]:
            Process(self.env, self._routed(flow, START, root, True))
        yield from self._routed(flow, START, roots[0], True)

    def _routed(self, flow: Flow, source: int, target: int, live: bool) -> Visit:
        """Deliver ``source -> target`` (live or a skip); run, skip or wait at target; go on downstream."""
        executor, handoffs, tokens = self.executor, self.executor.handoffs, flow.tokens
        routing, plan, route = self.routing, self.plan, self.draws.route
        assert tokens is not None and routing is not None
        while True:
            if live and handoffs is not None and handoffs[source + 1][target]:
                yield from executor.run(flow, handoffs[source + 1][target])
            if flow.ended:
                return
            verdict = tokens.arrive(target, live)
            if verdict == WAIT:
                return  # a join: the edge that arrives last goes on
            if verdict == RUN:
                done = yield from self._step_with_rework(flow, self.steps[target])
                if flow.ended:
                    return
                if not done:
                    self.tally.end(flow, FAILED)
                    return
            if tokens.finish():
                self.tally.end(flow, COMPLETED)
                return
            if verdict == SKIP:
                edges = skip_edges(plan, target)
            else:
                edges = edges_after(routing, plan, target, flow.route[target], partial(route, target, 1))
            if not edges:
                return
            for successor, successor_live in edges[1:]:
                Process(self.env, self._routed(flow, target, successor, successor_live))
            source, (target, live) = target, edges[0]

    def _step_with_rework(self, flow: Flow, step: StepPlan) -> Visit:
        """Run a step; while its rework loop says so, run the loop body again (fresh draws)."""
        done = yield from self._step(flow, step)
        assert self.routing is not None
        rework = self.routing.reworks[step.index]
        if rework is None:
            return done
        passes, coin = 0, flow.route[step.index]
        while done and not flow.ended and rework_again(self.routing, step.index, passes, coin):
            passes += 1
            handoffs = self.executor.handoffs
            for position, index in enumerate(rework.body):
                if position and handoffs is not None and handoffs[rework.body[position - 1] + 1][index]:
                    yield from self.executor.run(flow, handoffs[rework.body[position - 1] + 1][index])
                done = yield from self._step(flow, self.steps[index], passes)
                if not done or flow.ended:
                    return done
            coin = self.draws.route(step.index, passes)
        return done

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

    def _step(self, flow: Flow, step: StepPlan, rerun: int = 0) -> Visit:
        """Run a step to done (True) or to the workflow's failure (False).

        ``rerun`` counts rework passes: a rerun draws a fresh service time and exception coin.
        """
        index = step.index
        if rerun:
            duration, coin = self.draws.service(index, rerun), self.draws.exception(index, rerun)
        else:
            duration, coin = flow.service[index], flow.luck[index]
        yield from self.executor.run(flow, self.executor.attempts[index], duration, index, 0)
        exception = step.exception
        if exception is None or not raised(exception, coin) or flow.ended:
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

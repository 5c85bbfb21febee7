"""How a workflow walks its process under any design: fork, join, exceptions, outcome.

A workflow starts (the design's ``start``), then every first step becomes ready. A ready step
runs: its work under the design (``attempt``), and, if that attempt raised its exception, the
step's handling:

- ``retry``: wait ``backoff × backoff_factor^k`` (k = 0, 1, …) and attempt again, with a fresh
  service time and coin, up to ``retries`` times (and within the design's own delivery limit).
  When they run out, ``exhausted: fail`` fails the workflow and ``exhausted: human`` routes it
  to people as below;
- ``human``: with probability ``exception_automation`` the platform resolves it itself with one
  compensating re-attempt that succeeds; otherwise a person resolves it (``manual``: hold
  ``resolution_time`` on the staff pool) and the step counts as done;
- ``fail``: the workflow fails at once and its other branches are abandoned.

When a step is done, each edge to a successor is delivered (through a handoff if the design has
one for that edge); a successor with several predecessors runs once all of its edges have been
delivered (join). Parallel branches run as separate SimPy processes; a linear chain stays in one
process, which is most of the work and the cheapest way to run it. The workflow completes when
its last step is done, or ends as soon as it fails or is lost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simpy.events import Process, Timeout

from evalkit.sim.flow import COMPLETED, FAILED, START, Flow, StepPlan
from evalkit.sim.station import Visit

if TYPE_CHECKING:
    from evalkit.sim.model import Model

__all__ = ["Walker"]


class Walker:
    """Runs workflows through the process under one model's design."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.env = model.env
        self.design = model.design
        self.steps = model.plan.steps
        self.roots = model.plan.roots
        self.automation = model.candidate.exception_automation

    def begin(self, flow: Flow) -> None:
        """Start ``flow`` now, as its own SimPy process."""
        Process(self.env, self._run(flow))

    def _run(self, flow: Flow) -> Visit:
        started = yield from self.design.start(flow)
        if not started or flow.ended:
            return
        for root in self.roots[1:]:
            Process(self.env, self._branch(flow, START, root))
        yield from self._branch(flow, START, self.roots[0])

    def _branch(self, flow: Flow, source: int, target: int) -> Visit:
        """Deliver ``source -> target``; if that completes target's join, run it and go on downstream."""
        design, handoffs = self.design, self.design.handoffs
        while True:
            if handoffs is not None and handoffs[source + 1][target]:
                yield from design.handoff(flow, source, target)
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
                self.model.end(flow, FAILED)
                return
            flow.steps_left -= 1
            if not flow.steps_left:
                self.model.end(flow, COMPLETED)
                return
            following = step.successors
            if not following:
                return
            for successor in following[1:]:
                Process(self.env, self._branch(flow, target, successor))
            source, target = target, following[0]

    def _step(self, flow: Flow, step: StepPlan) -> Visit:
        """Run a step to done (True) or to the workflow's failure (False)."""
        yield from self.design.attempt(flow, step, flow.service[step.index])
        exception = step.exception
        if exception is None or flow.luck[step.index] >= exception.probability or flow.ended:
            return True
        handled = yield from self._exception(flow, step)
        return handled

    def _exception(self, flow: Flow, step: StepPlan) -> Visit:
        model, exception = self.model, step.exception
        assert exception is not None
        model.tally.exception(flow)
        if exception.handling == "fail":
            return False
        if exception.handling == "retry":
            retried = yield from self._retry(flow, step)
            if retried is not None:
                return retried
        routed = yield from self._route_to_people(flow, step)
        return routed

    def _retry(self, flow: Flow, step: StepPlan) -> Visit:
        """Retry with backoff: True once an attempt succeeds, False on failure, None to route to people."""
        model, exception = self.model, step.exception
        draws = model.draws
        attempts = 1
        while attempts <= exception.retries and self.design.may_redeliver(attempts):  # type: ignore[union-attr]
            yield Timeout(self.env, exception.backoff * exception.backoff_factor ** (attempts - 1))  # type: ignore[union-attr]
            yield from self.design.attempt(flow, step, draws.service[step.index]())
            if flow.ended:
                return True
            if draws.coin() >= exception.probability:  # type: ignore[union-attr]
                return True
            model.tally.exception(flow)
            attempts += 1
        # Out of retries: people take over, unless the design's own limit dead-letters it first.
        if exception.exhausted == "human" and self.design.may_redeliver(attempts):  # type: ignore[union-attr]
            return None
        self.design.exhausted(flow)
        return False

    def _route_to_people(self, flow: Flow, step: StepPlan) -> Visit:
        model = self.model
        if model.draws.coin() < self.automation:
            # The platform compensates: one more attempt, which succeeds.
            yield from self.design.attempt(flow, step, model.draws.service[step.index]())
            return True
        model.tally.manual(flow)
        yield from self.design.manual(flow, step, model.draws.resolution[step.index]())  # type: ignore[misc]
        return True

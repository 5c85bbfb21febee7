"""Event-driven: steps choreographed by events on a partitioned broker (Methodology C).

Each workflow is keyed to one **partition**, drawn uniformly at its start, so its events stay in
order. Every state change is an **event**: one at the start, one after every step attempt and
every manual resolution. Publishing holds ``publish_latency + tracing_overhead`` on the
workflow's partition (a resource of capacity 1); a consumer sees the event ``consume_latency``
later. For each step the event made ready, the step's **consumer group** (``consumer_concurrency``
units, or ``step_concurrency[step]``) takes one consumer, which does the step's work (the system
call or the human task), releases the consumer and publishes the completion event. A workflow
completes when the event after its last step is published.

- **At-least-once** delivery duplicates each delivery with ``duplicate_probability``: a second
  consumer redoes the work (a real second call, with its own service time, counted in
  ``duplicates``); the workflow proceeds on the first. ``exactly-once`` never duplicates.
- **Retries** are redeliveries: each costs a new delivery, a consumer and the work. An event
  that failed ``max_deliveries`` times, or whose retries ran out with ``exhausted: fail``, goes
  to the **dead-letter queue**: the workflow fails and ``dead_lettered`` counts it.
- A **broker outage** (``broker`` or ``control-plane``) stops the partitions and deliveries.
  With ``on_outage: buffer`` producers wait and the backlog drains after recovery; with ``fail``
  a publish during the outage ends its workflow as lost.

Parameters (``EventDrivenParameters``): partitions (count, default 12), publish_latency (s, 2 ms),
consume_latency (s, 2 ms), consumer_concurrency (count per step, 8), step_concurrency (per step),
delivery (at-least-once | exactly-once), duplicate_probability (0.01), max_deliveries (5),
on_outage (buffer | fail), tracing_overhead (s per event, 0.5 ms).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simpy.events import Event, Process, Timeout

from evalkit.sim.designs.base import Design, OutageTarget
from evalkit.sim.flow import LOST, Flow, StepPlan
from evalkit.sim.station import Visit

if TYPE_CHECKING:
    from evalkit.sim.model import Model

__all__ = ["Broker", "EventDriven"]


class Broker:
    """The broker as a fault sees it: its partitions and its deliveries go down together."""

    def __init__(self, design: EventDriven) -> None:
        self._design = design
        self.watch: Any = None
        self.up: Event | None = None

    def go_down(self) -> None:
        for partition in self._design.partitions:
            partition.watch = self.watch
            partition.go_down()
        if self.up is None:
            self.up = self._design.env.event()

    def come_up(self) -> None:
        for partition in self._design.partitions:
            partition.come_up()
        if self.up is not None and not any(p.down for p in self._design.partitions):
            up, self.up = self.up, None
            up.succeed()


class EventDriven(Design):
    """A partitioned broker and a consumer group per step."""

    name = "event-driven"

    def __init__(self, model: Model) -> None:
        super().__init__(model)
        parameters = model.candidate.parameters
        self.partitions = [model.station("broker", 1) for _ in range(parameters.partitions)]
        self.publish_time = parameters.publish_latency + parameters.tracing_overhead
        self.consume_latency = parameters.consume_latency
        self.consumers = [
            model.station(
                f"consumers:{step.id}", parameters.step_concurrency.get(step.id, parameters.consumer_concurrency)
            )
            for step in model.plan.steps
        ]
        at_least_once = parameters.delivery == "at-least-once"
        self.duplicate_probability = parameters.duplicate_probability if at_least_once else 0.0
        self.max_deliveries = parameters.max_deliveries
        self.fail_on_outage = parameters.on_outage == "fail"
        self.broker = Broker(self)

    def publish(self, flow: Flow) -> Visit:
        """Append an event to the workflow's partition; False if the broker refused it (lost)."""
        partition = self.partitions[int(flow.partition * len(self.partitions))]
        if partition.down and self.fail_on_outage:
            self.model.end(flow, LOST)
            return False
        yield from partition.visit(flow, self.publish_time)
        return True

    def deliver(self, flow: Flow) -> Visit:
        """The consumer sees the event after the consume latency, once the broker is up."""
        yield Timeout(self.env, self.consume_latency)
        while self.broker.up is not None:
            if self.broker.watch is not None:
                self.broker.watch.stall(flow)
            yield self.broker.up

    def start(self, flow: Flow) -> Visit:
        published = yield from self.publish(flow)
        return published

    def attempt(self, flow: Flow, step: StepPlan, duration: float) -> Visit:
        yield from self.deliver(flow)
        if self.duplicate_probability and self.model.draws.duplicate() < self.duplicate_probability:
            Process(self.env, self._duplicate(flow, step))
        consumers, work = self.consumers[step.index], self.model.work[step.index]
        if work.down:
            # Its consumers are stuck on the stopped system: waiting for one is waiting for it.
            work.notice_blocked(flow)
        # A consumer is held for the work: count it as demand on the group, so an overloaded
        # consumer group trips the saturation check like any other station.
        consumers.demand += duration
        consumer = yield from consumers.acquire(flow)
        yield from work.visit(flow, duration)
        consumers.leave(consumer)
        yield from self.publish(flow)

    def _duplicate(self, flow: Flow, step: StepPlan) -> Visit:
        self.model.tally.duplicate(flow)
        consumers = self.consumers[step.index]
        duration = self.model.draws.service[step.index]()
        consumers.demand += duration
        consumer = yield from consumers.acquire(flow)
        yield from self.model.work[step.index].visit(flow, duration)
        consumers.leave(consumer)

    def manual(self, flow: Flow, step: StepPlan, duration: float) -> Visit:
        yield from self.model.resolvers[step.index].visit(flow, duration)
        yield from self.publish(flow)

    def may_redeliver(self, attempts: int) -> bool:
        return attempts < self.max_deliveries

    def exhausted(self, flow: Flow) -> None:
        self.model.tally.dead_letter(flow)

    def outage_targets(self, component: str) -> list[OutageTarget]:
        return [self.broker] if component in ("broker", "control-plane") else []

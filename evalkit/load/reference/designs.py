"""The three orchestration designs as live platforms, exactly as ``docs/models.md`` states them.

* **centralized**: a transition (one at start, one after each step attempt and each manual
  resolution) holds ``dispatch_time`` on the engine, then ``persist_time`` on the state store.
* **federated**: the same transitions on the controller and store of the domain where they
  happen; a dependency edge between domains (the start's edges included) is a handoff through the
  coordinator plus ``handoff_latency``.
* **event-driven**: every state change is an event published on the workflow's partition
  (capacity 1); every delivery waits ``consume_latency``, then a consumer of the step's group does
  the work; at-least-once delivery duplicates work; failing events are redelivered, then
  dead-lettered.

``build_design`` picks the class from the candidate's ``design``; each class registers its pools
and the fault components that stop them on the shared ``Runtime``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from evalkit.load.reference.resources import Pool
from evalkit.load.reference.runtime import Runtime
from evalkit.load.reference.workflow import Design, WorkflowEndedError, WorkflowRun
from evalkit.study import Step, Study
from evalkit.study.candidates import Candidate, CentralizedCandidate, EventDrivenCandidate, FederatedCandidate

__all__ = ["Centralized", "EventDriven", "Federated", "build_design", "step_domains"]


class Centralized:
    """One engine drives every transition; one store persists every state change."""

    max_deliveries = None
    dead_letters = False

    def __init__(self, runtime: Runtime, candidate: CentralizedCandidate) -> None:
        self.runtime = runtime
        self.parameters = candidate.parameters
        self.engine = runtime.add_pool("engine", self.parameters.engine_workers)
        self.store = runtime.add_pool("store", self.parameters.store_connections)
        runtime.add_component("engine", [self.engine])
        runtime.add_component("control-plane", [self.engine])

    def refuses_now(self) -> bool:
        return self.parameters.on_outage == "reject" and self.engine.down

    async def transition(self) -> None:
        await self.runtime.hold(self.engine, self.parameters.dispatch_time)
        await self.runtime.hold(self.store, self.parameters.persist_time)

    async def begin(self, run: WorkflowRun) -> None:
        await self.transition()

    async def attempt(self, run: WorkflowRun, step: Step) -> None:
        await self.runtime.work(step)
        await self.transition()

    async def manual(self, run: WorkflowRun, step: Step, pool: str, resolution: Any) -> None:
        await self.runtime.resolve(pool, resolution)
        await self.transition()

    async def deliver(self, run: WorkflowRun, before: Step | None, after: Step) -> None:
        return None


class Federated:
    """A controller and a store per domain; cross-domain edges are coordinator handoffs."""

    max_deliveries = None
    dead_letters = False

    def __init__(self, runtime: Runtime, candidate: FederatedCandidate, study: Study) -> None:
        self.runtime = runtime
        self.parameters = parameters = candidate.parameters
        self.start_domain, self.domain_of = step_domains(study)
        self.transitions: dict[str, tuple[Pool, float, Pool, float]] = {}
        for domain in study.domains:
            self.transitions[domain] = self._domain(domain)
            runtime.add_component(f"controller:{domain}", [self.transitions[domain][0]])
        self.coordinator = runtime.add_pool("coordinator", parameters.coordinator_workers)
        runtime.add_component("coordinator", [self.coordinator])
        runtime.add_component("control-plane", [self.coordinator])

    def _domain(self, domain: str) -> tuple[Pool, float, Pool, float]:
        override = self.parameters.domains.get(domain)

        def sized(name: str) -> Any:
            value = getattr(override, name, None) if override is not None else None
            return value if value is not None else getattr(self.parameters, name)

        controller = self.runtime.add_pool(f"controller:{domain}", sized("controller_workers"))
        store = self.runtime.add_pool(f"store:{domain}", sized("store_connections"))
        return controller, sized("dispatch_time"), store, sized("persist_time")

    def refuses_now(self) -> bool:
        return False

    async def transition(self, domain: str) -> None:
        controller, dispatch_time, store, persist_time = self.transitions[domain]
        await self.runtime.hold(controller, dispatch_time)
        await self.runtime.hold(store, persist_time)

    async def begin(self, run: WorkflowRun) -> None:
        await self.transition(self.start_domain)

    async def attempt(self, run: WorkflowRun, step: Step) -> None:
        await self.runtime.work(step)
        await self.transition(self.domain_of[step.id])

    async def manual(self, run: WorkflowRun, step: Step, pool: str, resolution: Any) -> None:
        await self.runtime.resolve(pool, resolution)
        await self.transition(self.domain_of[step.id])

    async def deliver(self, run: WorkflowRun, before: Step | None, after: Step) -> None:
        source = self.start_domain if before is None else self.domain_of[before.id]
        if source != self.domain_of[after.id]:
            await self.runtime.hold(self.coordinator, self.parameters.coordinator_time)
            await self.runtime.delay(self.parameters.handoff_latency)


def step_domains(study: Study) -> tuple[str, dict[str, str]]:
    """The start domain and each step's domain, as ``docs/models.md`` defines them."""
    roots = [s for s in study.workload.process.steps if not s.after]
    first = next((s.system for s in roots if s.system is not None), study.workload.systems[0].name)
    start = study.system(first).domain
    domains: dict[str, str] = {}
    for step in study.topological_steps():  # a predecessor's domain is known first
        if step.system is not None:
            domains[step.id] = study.system(step.system).domain
        else:
            domains[step.id] = domains[step.after[0]] if step.after else start
    return start, domains


class EventDriven:
    """Choreography over a partitioned broker with a consumer group per step."""

    dead_letters = True

    def __init__(self, runtime: Runtime, candidate: EventDrivenCandidate, study: Study) -> None:
        self.runtime = runtime
        self.parameters = parameters = candidate.parameters
        self.max_deliveries = parameters.max_deliveries
        self.partitions = [
            runtime.add_pool(f"partition:{index}", 1, metric="broker") for index in range(parameters.partitions)
        ]
        runtime.add_component("broker", self.partitions)
        runtime.add_component("control-plane", self.partitions)
        self.consumers = {
            step.id: runtime.add_pool(
                f"consumers:{step.id}", parameters.step_concurrency.get(step.id, parameters.consumer_concurrency)
            )
            for step in study.workload.process.steps
        }
        self._duplicates: set[asyncio.Task[None]] = set()

    def refuses_now(self) -> bool:
        return False

    async def publish(self, run: WorkflowRun) -> None:
        """Append an event to the workflow's partition (lost if the broker is down and producers fail)."""
        partition = self.partitions[run.partition]
        if self.parameters.on_outage == "fail" and partition.down:
            raise WorkflowEndedError("lost")
        await self.runtime.hold(partition, self.parameters.publish_latency + self.parameters.tracing_overhead)

    async def begin(self, run: WorkflowRun) -> None:
        run.partition = int(self.runtime.rng.integers(len(self.partitions)))
        await self.publish(run)

    async def attempt(self, run: WorkflowRun, step: Step) -> None:
        """One delivery of the step's event: consume latency, a consumer doing the work, a publish."""
        await self.runtime.delay(self.parameters.consume_latency)
        await self.partitions[run.partition].until_up()  # a broker outage stops deliveries too
        if self.parameters.delivery == "at-least-once" and self.runtime.chance(self.parameters.duplicate_probability):
            self.runtime.counters["duplicates"] += 1
            task = asyncio.create_task(self.consume(step))
            self._duplicates.add(task)  # keep a reference so the duplicate is not collected mid-flight
            task.add_done_callback(self._duplicates.discard)
        await self.consume(step)
        await self.publish(run)

    async def consume(self, step: Step) -> None:
        consumer = self.consumers[step.id]
        await consumer.acquire()
        try:
            await self.runtime.work(step)
        finally:
            consumer.release()

    async def manual(self, run: WorkflowRun, step: Step, pool: str, resolution: Any) -> None:
        await self.runtime.resolve(pool, resolution)
        await self.publish(run)

    async def deliver(self, run: WorkflowRun, before: Step | None, after: Step) -> None:
        return None

    def cancel_duplicates(self) -> None:
        for task in list(self._duplicates):
            task.cancel()


def build_design(runtime: Runtime, candidate: Candidate, study: Study) -> Design:
    """The live design for a candidate."""
    if isinstance(candidate, CentralizedCandidate):
        return Centralized(runtime, candidate)
    if isinstance(candidate, FederatedCandidate):
        return Federated(runtime, candidate, study)
    return EventDriven(runtime, candidate, study)

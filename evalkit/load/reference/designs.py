"""The three orchestration designs as live platforms, exactly as ``docs/models.md`` states them.

* **centralized**: every transition (one at start, one after each step attempt) holds
  ``dispatch_time`` on the engine, then ``persist_time`` on the state store.
* **federated**: the same transitions on the controller and store of the domain where they
  happen; a dependency edge between domains is a handoff through the coordinator plus
  ``handoff_latency``.
* **event-driven**: every state change is an event published on the workflow's partition
  (capacity 1) and seen ``consume_latency`` later; a step's work runs on a consumer of its group;
  at-least-once delivery duplicates work; failing events are redelivered, then dead-lettered.

``build_design`` picks the class from the candidate's ``design``; each class registers its pools
and the fault components that stop them on the shared ``Runtime``.
"""

from __future__ import annotations

import asyncio

from evalkit.load.reference.resources import Pool
from evalkit.load.reference.runtime import Runtime
from evalkit.load.reference.workflow import Design, WorkflowEndedError, WorkflowRun
from evalkit.study import Step, Study
from evalkit.study.candidates import Candidate, CentralizedCandidate, EventDrivenCandidate, FederatedCandidate

__all__ = ["Centralized", "EventDriven", "Federated", "build_design"]


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

    async def deliver(self, run: WorkflowRun, before: Step, after: Step) -> None:
        return None


class Federated:
    """A controller and a store per domain; cross-domain edges are coordinator handoffs."""

    max_deliveries = None
    dead_letters = False

    def __init__(self, runtime: Runtime, candidate: FederatedCandidate, study: Study) -> None:
        self.runtime = runtime
        self.parameters = parameters = candidate.parameters
        self.domain_of = step_domains(study)
        self.controllers: dict[str, Pool] = {}
        self.stores: dict[str, Pool] = {}
        for domain in study.domains:
            override = parameters.domains.get(domain)
            workers = (override and override.controller_workers) or parameters.controller_workers
            connections = (override and override.store_connections) or parameters.store_connections
            self.controllers[domain] = runtime.add_pool(f"controller:{domain}", workers)
            self.stores[domain] = runtime.add_pool(f"store:{domain}", connections)
            runtime.add_component(f"controller:{domain}", [self.controllers[domain]])
        self.coordinator = runtime.add_pool("coordinator", parameters.coordinator_workers)
        runtime.add_component("coordinator", [self.coordinator])
        runtime.add_component("control-plane", [self.coordinator])
        self.first_domain = self.domain_of[next(s.id for s in study.workload.process.steps if not s.after)]

    def refuses_now(self) -> bool:
        return False

    def _times(self, domain: str) -> tuple[float, float]:
        override = self.parameters.domains.get(domain)
        dispatch = override.dispatch_time if override and override.dispatch_time is not None else None
        persist = override.persist_time if override and override.persist_time is not None else None
        return (
            self.parameters.dispatch_time if dispatch is None else dispatch,
            self.parameters.persist_time if persist is None else persist,
        )

    async def transition(self, domain: str) -> None:
        dispatch, persist = self._times(domain)
        await self.runtime.hold(self.controllers[domain], dispatch)
        await self.runtime.hold(self.stores[domain], persist)

    async def begin(self, run: WorkflowRun) -> None:
        await self.transition(self.first_domain)

    async def attempt(self, run: WorkflowRun, step: Step) -> None:
        await self.runtime.work(step)
        await self.transition(self.domain_of[step.id])

    async def deliver(self, run: WorkflowRun, before: Step, after: Step) -> None:
        if self.domain_of[before.id] != self.domain_of[after.id]:
            await self.runtime.hold(self.coordinator, self.parameters.coordinator_time)
            await self.runtime.delay(self.parameters.handoff_latency)


def step_domains(study: Study) -> dict[str, str]:
    """Each step's domain: its system's; a human task takes the domain of the step it follows."""
    steps = study.topological_steps()
    roots = [s for s in study.workload.process.steps if not s.after]
    domains: dict[str, str] = {}
    for step in steps:
        if step.system is not None:
            domains[step.id] = study.system(step.system).domain
        elif step.after:
            domains[step.id] = domains[step.after[0]]
    fallback = next((domains[s.id] for s in roots if s.id in domains), study.domains[0])
    for step in steps:  # human tasks with nothing before them take the first step's domain
        domains.setdefault(step.id, fallback)
    return domains


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
        partition = self.partitions[run.partition]
        if self.parameters.on_outage == "fail" and partition.down:
            raise WorkflowEndedError("lost")
        await self.runtime.hold(partition, self.parameters.publish_latency + self.parameters.tracing_overhead)
        await self.runtime.delay(self.parameters.consume_latency)

    async def begin(self, run: WorkflowRun) -> None:
        run.partition = int(self.runtime.rng.integers(len(self.partitions)))
        await self.publish(run)

    async def attempt(self, run: WorkflowRun, step: Step) -> None:
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

    async def deliver(self, run: WorkflowRun, before: Step, after: Step) -> None:
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

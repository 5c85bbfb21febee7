"""Event-driven: steps choreographed by events on a partitioned broker (Methodology C).

Each workflow is keyed to one **partition** of the **broker** (drawn uniformly at its start), a
station of capacity 1. Every state change is an **event**: publishing holds ``publish_latency +
tracing_overhead`` on the workflow's partition; one at the start, one after every step attempt
and every manual resolution. A step's attempt is a delivery: a pure delay of
``consume_latency``, a wait while the broker is down, then one consumer of the step's **consumer
group** (``consumer_concurrency`` units, or ``step_concurrency[step]``) held while it does the
step's work, then the completion event. At-least-once delivery duplicates a delivery with
``duplicate_probability`` (a second consumer redoes the work); ``exactly-once`` never does.
Failing events are redelivered at most ``max_deliveries`` times, then dead-lettered. During a
broker outage (``broker`` or ``control-plane``), with ``on_outage: fail`` a publish ends its
workflow as lost; with ``buffer`` producers wait.

Parameters (``EventDrivenParameters``): partitions (count, default 12), publish_latency (s, 2 ms),
consume_latency (s, 2 ms), consumer_concurrency (count per step, 8), step_concurrency (per step),
delivery (at-least-once | exactly-once), duplicate_probability (0.01), max_deliveries (5),
on_outage (buffer | fail), tracing_overhead (s per event, 0.5 ms).
"""

from __future__ import annotations

from evalkit.design.common import resolution, step_work, study_pools, system_components, work
from evalkit.design.process import Plan
from evalkit.design.spec import AwaitUp, Component, Delay, DesignSpec, Hold, Occupy, Pool, Redelivery, StepVisits
from evalkit.dists import constant
from evalkit.study import Study
from evalkit.study.candidates import Candidate, EventDrivenParameters

__all__ = ["build", "components"]


def build(study: Study, candidate: Candidate, plan: Plan) -> DesignSpec:
    """The spec of an event-driven candidate."""
    parameters = candidate.parameters
    assert isinstance(parameters, EventDrivenParameters)
    publish_time = parameters.publish_latency + parameters.tracing_overhead
    publish = Hold("broker", constant(publish_time), lost_if_down=parameters.on_outage == "fail")
    receive = (Delay(constant(parameters.consume_latency)), AwaitUp("broker"))
    duplicates = parameters.duplicate_probability if parameters.delivery == "at-least-once" else 0.0
    steps, consumers = [], []
    for step in plan.steps:
        person = resolution(step)
        if step.kind != "work":
            # A wait holds no consumer: the outside event is published when it comes. A gateway
            # is the previous consumer choosing which event to publish: it costs nothing.
            attempt = (*step_work(step), publish) if step.kind == "wait" else ()
            steps.append(StepVisits(attempt))
            continue
        group = f"consumers:{step.id}"
        units = parameters.step_concurrency.get(step.id, parameters.consumer_concurrency)
        consumers.append(Pool(group, "consumers", units, orchestration=True))
        attempt = (*receive, Occupy(group, (work(step),), duplicates), publish)
        steps.append(StepVisits(attempt, (person, publish) if person else ()))
    pools = (*study_pools(study), Pool("broker", "broker", 1, count=parameters.partitions), *consumers)
    return DesignSpec(
        candidate=candidate.name,
        design="event-driven",
        plan=plan,
        pools=pools,
        start=(publish,),
        steps=tuple(steps),
        redelivery=Redelivery(max_deliveries=parameters.max_deliveries, dead_letter=True),
        components=components(study),
        automation=candidate.exception_automation,
    )


def components(study: Study) -> tuple[Component, ...]:
    """The broker (also the control plane) and the systems."""
    return (Component("broker", ("broker",)), Component("control-plane", ("broker",)), *system_components(study))

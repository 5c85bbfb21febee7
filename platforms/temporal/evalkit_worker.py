"""Engine-side code for Temporal: the workflows evalkit starts through Temporal's HTTP API, and their worker.

- ``EvalkitSleep(seconds, seq=0, fail_every=0)``: a one-step workflow, one activity that sleeps
  ``seconds``. A negative time fails the activity and, with a single attempt allowed, the
  workflow; ``fail_every=N`` makes every N-th sequence number sleep a negative time.
- ``EvalkitOrder(scale)``: the default study's 7-step order process
  (``scenarios/order-fulfillment.yaml``) as Temporal expresses it: a workflow that runs one
  activity per step, fraud screening and stock reservation concurrently, each activity sleeping
  the step's mean service time times ``scale``.

``python evalkit_worker.py`` polls task queue ``evalkit`` of the dev server at
``EVALKIT_TEMPORAL_ADDRESS`` with ``EVALKIT_TEMPORAL_SLOTS`` concurrent activities (default 8).
"""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.common import RetryPolicy
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

QUEUE = "evalkit"
ORDER_STEPS = {
    "receive-order": 0.040,
    "screen-fraud": 0.120,
    "reserve-stock": 0.060,
    "charge-payment": 0.250,
    "pick-and-pack": 0.200,
    "book-carrier": 0.150,
    "notify-customer": 0.030,
}
_ONCE = RetryPolicy(maximum_attempts=1)  # a failing step fails the workflow: failures are what we count


@activity.defn(name="sleep")
async def sleep(seconds: float) -> float:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    await asyncio.sleep(seconds)
    return seconds


def _step(seconds: float):  # type: ignore[no-untyped-def]
    return workflow.execute_activity(sleep, seconds, start_to_close_timeout=timedelta(seconds=60), retry_policy=_ONCE)


@workflow.defn(name="EvalkitSleep")
class EvalkitSleep:
    @workflow.run
    async def run(self, seconds: float, seq: int = 0, fail_every: int = 0) -> float:
        if fail_every and int(seq) % int(fail_every) == 0:
            seconds = -abs(float(seconds)) or -1.0
        return await _step(float(seconds))


@workflow.defn(name="EvalkitOrder")
class EvalkitOrder:
    @workflow.run
    async def run(self, scale: float = 1.0) -> str:
        time_of = {name: seconds * float(scale) for name, seconds in ORDER_STEPS.items()}
        await _step(time_of["receive-order"])
        await asyncio.gather(_step(time_of["screen-fraud"]), _step(time_of["reserve-stock"]))
        for name in ("charge-payment", "pick-and-pack", "book-carrier", "notify-customer"):
            await _step(time_of[name])
        return "notify-customer"


async def main() -> None:
    client = await Client.connect(os.environ.get("EVALKIT_TEMPORAL_ADDRESS", "127.0.0.1:7233"))
    slots = int(os.environ.get("EVALKIT_TEMPORAL_SLOTS", "8"))
    worker = Worker(
        client,
        task_queue=QUEUE,
        workflows=[EvalkitSleep, EvalkitOrder],
        activities=[sleep],
        max_concurrent_activities=slots,
        # The sandbox re-imports modules for every workflow run: on a 2-core machine its CPU, not
        # the engine, became the bottleneck. These workflows are deterministic without it.
        workflow_runner=UnsandboxedWorkflowRunner(),
    )
    await worker.run()


if __name__ == "__main__":
    asyncio.run(main())

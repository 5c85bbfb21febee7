"""Engine-side code for Celery: the workflows evalkit starts through Flower's REST API.

- ``evalkit.sleep(seconds, seq=0, fail_every=0)``: a one-step workflow that sleeps ``seconds``.
  A negative time fails the task (``time.sleep`` refuses it), and ``fail_every=N`` makes every
  N-th sequence number sleep a negative time, so a load test can check failures are counted.
- ``evalkit.order(scale=1.0)``: the default study's 7-step order process
  (``scenarios/order-fulfillment.yaml``) as Celery expresses it: a chain whose second link is a
  chord (fraud screening and stock reservation in parallel, then payment), each step a task that
  sleeps the step's mean service time times ``scale``. The ``order`` task *replaces itself* with
  that canvas, so its task id (the one Flower returned) ends when the whole order has ended.

Broker and result backend are the kit's Redis on 127.0.0.1 (``EVALKIT_CELERY_REDIS``).
"""

from __future__ import annotations

import os
import time

from celery import Celery, chain, chord, group

REDIS = os.environ.get("EVALKIT_CELERY_REDIS", "redis://127.0.0.1:6390/0")
QUEUE = "evalkit"

#: Mean service time (seconds) of each step of the default study's order process.
ORDER_STEPS = {
    "receive-order": 0.040,
    "screen-fraud": 0.120,
    "reserve-stock": 0.060,
    "charge-payment": 0.250,
    "pick-and-pack": 0.200,
    "book-carrier": 0.150,
    "notify-customer": 0.030,
}

app = Celery("evalkit", broker=REDIS, backend=REDIS)
app.conf.update(
    task_default_queue=QUEUE,
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    result_expires=600,
    worker_prefetch_multiplier=1,  # a busy worker slot does not hoard queued work
    task_acks_late=False,
    broker_connection_retry_on_startup=True,
)


@app.task(name="evalkit.sleep")
def sleep(seconds: float, seq: int = 0, fail_every: int = 0) -> float:
    """One step: sleep ``seconds`` (negative: fail)."""
    if fail_every and int(seq) % int(fail_every) == 0:
        seconds = -abs(float(seconds)) or -1.0
    time.sleep(float(seconds))
    return float(seconds)


@app.task(name="evalkit.step")
def step(name: str, seconds: float) -> str:
    """One step of the order process: the system's work, as a sleep."""
    time.sleep(seconds)
    return name


def order_canvas(scale: float) -> chain:
    """The order process: receive; fraud and stock in parallel; payment; pick; carrier; notify."""
    time_of = {name: seconds * scale for name, seconds in ORDER_STEPS.items()}
    parallel = group(
        step.si("screen-fraud", time_of["screen-fraud"]), step.si("reserve-stock", time_of["reserve-stock"])
    )
    return chain(
        step.si("receive-order", time_of["receive-order"]),
        chord(parallel, step.si("charge-payment", time_of["charge-payment"])),
        step.si("pick-and-pack", time_of["pick-and-pack"]),
        step.si("book-carrier", time_of["book-carrier"]),
        step.si("notify-customer", time_of["notify-customer"]),
    )


@app.task(name="evalkit.order", bind=True)
def order(self, scale: float = 1.0) -> None:  # type: ignore[no-untyped-def]
    """The whole order: this task's id ends with the last step (``Task.replace``)."""
    raise self.replace(order_canvas(float(scale)))

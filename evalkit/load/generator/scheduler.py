"""The open-model arrival scheduler: one stage's intended starts, each on its own greenlet.

The intended start times are drawn before the stage begins (``evalkit.load.arrivals``); the
scheduler sleeps until each one and hands it to a greenlet of a bounded set (``InFlight``: raw
greenlets, which start for about half the cost of a ``gevent.pool`` member). It never waits
for a workflow to finish before starting the next, so the target's speed cannot change the
offered load. If the pool is full the arrival is *dropped* and counted; a start sent more than
``late_after`` seconds after its intended time is counted *late*. Beside it, a sampler records
the number of workflows in the system at a fixed interval, each sample with the time it was
really taken (a generator too busy to sample on time skips the ticks it missed rather than
bunching them), and (for a reference platform) worker 0 snapshots ``/metrics`` at the edges of
the measurement window. On a live target, before the next stage, the workflows the drain gave
up on are followed until they end or ``spill_timeout`` passes; those still running are the
stage's ``spilled`` count (a reference platform is reset between stages instead). The process's own CPU share over the arrivals goes into the record too.

``EVALKIT_TEST_SAMPLER_LAG`` (seconds, tests only) makes the sampler wake that much late on
every tick, as a CPU-starved generator's would.
"""

from __future__ import annotations

import json
import math
import os
import time
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

import gevent
import gevent.event
import numpy as np

from evalkit.load.generator.client import WorkflowClient
from evalkit.load.generator.tuning import quiet_collector
from evalkit.load.recording import StageRecorder
from evalkit.load.spec import GeneratorSpec, StagePlan

__all__ = ["run_stage"]

#: Lead time between planning a stage and its first intended start, so that start is not late.
_LEAD = 0.05


def _every(interval: float, origin: float, until: float, action: Callable[[], None], lag: float = 0.0) -> None:
    """Call ``action`` at ``origin + k·interval`` (no drift) until ``until``; missed ticks are skipped."""
    tick = 0
    while True:
        due = origin + tick * interval
        if due > until:
            return
        gevent.sleep(max(due - time.monotonic(), 0) + lag)
        if time.monotonic() > until + interval:
            return  # woke up in the drain: nothing of the window left to see
        action()
        tick = max(tick + 1, math.ceil((time.monotonic() - origin) / interval))


class InFlight:
    """The workflows running now, each on a raw greenlet, at most ``limit`` of them."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.running: set[Any] = set()
        self._idle = gevent.event.Event()
        self._idle.set()

    def full(self) -> bool:
        return len(self.running) >= self.limit

    def spawn(self, function: Callable[..., None], *args: Any) -> None:
        self._idle.clear()
        self.running.add(gevent.spawn_raw(self._run, function, args))

    def _run(self, function: Callable[..., None], args: tuple[Any, ...]) -> None:
        try:
            function(*args)
        finally:
            self._forget(gevent.getcurrent())

    def _forget(self, greenlet: Any) -> None:
        self.running.discard(greenlet)
        if not self.running:
            self._idle.set()

    def join(self, timeout: float) -> None:
        """Wait until every workflow has ended, or ``timeout`` seconds."""
        self._idle.wait(timeout)

    def kill(self, timeout: float) -> None:
        """End every workflow still running (each records itself as given up on), waiting up to ``timeout``."""
        for greenlet in list(self.running):
            gevent.kill(greenlet)
        self._idle.wait(timeout)
        for greenlet in [g for g in self.running if g.dead]:  # killed before it ever ran
            self._forget(greenlet)


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def _sampler_lag() -> float:
    try:
        return max(float(os.environ.get("EVALKIT_TEST_SAMPLER_LAG", "0")), 0.0)
    except ValueError:
        return 0.0


def _snapshot(base_url: str) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(f"{base_url}/metrics", timeout=5) as response:
            return json.loads(response.read())
    except (OSError, ValueError):
        return None


def _reference_window(spec: GeneratorSpec, base_url: str, origin: float, into: dict[str, Any]) -> None:
    gevent.sleep(max(origin + spec.warmup - time.monotonic(), 0))
    into["before"] = _snapshot(base_url)
    gevent.sleep(max(origin + spec.warmup + spec.window - time.monotonic(), 0))
    into["after"] = _snapshot(base_url)


def run_stage(
    spec: GeneratorSpec,
    plan: StagePlan,
    worker: int,
    client: WorkflowClient,
    progress: Callable[[float], None],
) -> StageRecorder:
    """Offer one stage's arrivals, wait for them up to the drain timeout, and return the record."""
    arrival_rng, identity_rng = plan.streams(worker)
    offsets = spec.intended_offsets(plan, worker, arrival_rng)
    recorder = StageRecorder(spec.warmup, spec.warmup + spec.window, spec.sample_interval)
    if spec.record_samples:
        recorder.samples = []
    pool = InFlight(spec.max_in_flight)
    quiet_collector()
    origin = time.monotonic() + _LEAD
    arrivals_end = origin + spec.warmup + spec.window

    def sample() -> None:
        recorder.sample(time.monotonic() - origin)

    helpers = [
        gevent.spawn(_every, spec.sample_interval, origin, arrivals_end + 1e-6, sample, _sampler_lag()),
        gevent.spawn(
            _every, 0.5, origin, arrivals_end, lambda: progress((time.monotonic() - origin) / (arrivals_end - origin))
        ),
    ]
    reference: dict[str, Any] = {}
    if spec.reference and worker == 0:
        helpers.append(gevent.spawn(_reference_window, spec, client.target.base_url, origin, reference))
    cpu_before, wall_before = _cpu_seconds(), time.monotonic()
    _offer(spec, plan, worker, offsets, origin, pool, recorder, client, identity_rng)
    gevent.sleep(max(arrivals_end - time.monotonic(), 0))
    recorder.generator_cpu = (_cpu_seconds() - cpu_before) / max(time.monotonic() - wall_before, 1e-9)
    pool.join(timeout=spec.drain)
    pool.kill(timeout=5)
    if not spec.reference and plan.index < len(spec.stages) - 1:
        # a live target cannot be reset: wait (bounded) for what was given up on to end there,
        # and record what still runs on into the next stage
        recorder.counts["spilled"] = client.settle(spec.spill_timeout)
    client.given_up.clear()
    gevent.joinall(helpers, timeout=5)
    gevent.killall(helpers, timeout=5)  # a late sampler must not run on into the next stage
    if reference.get("before") and reference.get("after"):
        recorder.reference = reference
    progress(1.0)
    return recorder


def _offer(
    spec: GeneratorSpec,
    plan: StagePlan,
    worker: int,
    offsets: np.ndarray,
    origin: float,
    pool: InFlight,
    recorder: StageRecorder,
    client: WorkflowClient,
    identity_rng: np.random.Generator,
) -> None:
    needs_uuid = "{{uuid}}" in json.dumps(client.target.start.body or {})
    kinds = _workflow_types(spec, plan, worker, len(offsets))
    sent = 0
    for index, offset in enumerate(offsets.tolist()):
        intended = origin + offset
        delay = intended - time.monotonic()
        if delay > 0:
            gevent.sleep(delay)
        recorder.scheduled(offset)
        if pool.full() or sent >= spec.max_requests:
            recorder.dropped(offset)
            continue
        sent += 1
        identity = str(uuid.UUID(bytes=identity_rng.bytes(16), version=4)) if needs_uuid else ""
        seq = index * spec.workers + worker
        pool.spawn(client.run, recorder, offset, intended, seq, identity, kinds[index])


def _workflow_types(spec: GeneratorSpec, plan: StagePlan, worker: int, count: int) -> list[str]:
    """Each arrival's workflow type, drawn with the mix's shares from its own seeded stream ("" without a mix).

    Drawn for every arrival up front, so a dropped start does not shift the types of the later ones.
    """
    if not spec.workflow_types:
        return [""] * count
    names = [name for name, _ in spec.workflow_types]
    shares = np.array([share for _, share in spec.workflow_types], dtype=float)
    drawn = plan.type_stream(worker).choice(len(names), size=count, p=shares / shares.sum())
    return [names[i] for i in drawn.tolist()]

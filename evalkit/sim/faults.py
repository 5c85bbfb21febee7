"""Outages: a system's planned maintenance windows, and the fault a scenario injects.

A fault scenario stops one component (``engine``, ``coordinator``, ``broker``,
``control-plane``, ``controller:DOMAIN`` or ``system:NAME``) at ``at`` for ``duration``. What
that component is depends on the design: the design spec lists its components and the pools each
stops (``DesignSpec.components``); a design without it (a federated candidate under an
``engine`` outage) runs the scenario fault-free, which is the honest answer to "what does an
engine outage do to a platform that has no engine". A pool that deliveries wait on (the broker)
goes down and up as one group, so those waiting are woken when it is back.

While the fault lasts, the tally watches the stopped stations: every workflow that has to wait
for one of them counts once in ``stalled_workflows``. Before the fault, the backlog's time
average since the warm-up (or since time 0 when the fault comes first) is its **pre-fault
level**; ``recovery_time`` runs from the end of the outage until the backlog is back at that
level or below (``inf`` if the run ends first).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Protocol

from simpy.events import Process, Timeout

from evalkit.sim.context import CellContext
from evalkit.sim.station import Visit
from evalkit.sim.tally import Tally
from evalkit.study import Fault

__all__ = ["FaultRecord", "OutageTarget", "PlannedOutage", "schedule_outages"]

#: A planned outage: (pool, start, duration), e.g. a system's maintenance window.
PlannedOutage = tuple[str, float, float]


class OutageTarget(Protocol):
    """Anything a fault can stop and restart (a station, or a group of them)."""

    watch: Any

    def go_down(self) -> None: ...
    def come_up(self) -> None: ...


class FaultRecord:
    """What a scenario's fault did: whether it hit anything, and when it ended."""

    def __init__(self, fault: Fault, targets: list[OutageTarget]) -> None:
        self.fault = fault
        self.targets = targets
        self.ended_at: float | None = None

    def metrics(self, tally: Tally) -> dict[str, float]:
        if not self.targets:
            return {"stalled_workflows": 0.0, "recovery_time": 0.0}
        recovery = math.inf
        if self.ended_at is not None and tally.recovered_at is not None:
            recovery = tally.recovered_at - self.ended_at
        return {"stalled_workflows": float(tally.stalled), "recovery_time": recovery}


def schedule_outages(context: CellContext, planned: Sequence[PlannedOutage], fault: Fault | None) -> FaultRecord | None:
    """Start the processes that take stations down and up; the fault's record, if any."""
    for pool, at, duration in planned:
        Process(context.env, _planned(context, context.station(pool), at, duration))
    if fault is None:
        return None
    targets = _targets(context, fault.component)
    record = FaultRecord(fault, targets)
    if targets:
        Process(context.env, _injected(context, record))
    return record


def _targets(context: CellContext, component: str) -> list[OutageTarget]:
    """What a fault on ``component`` stops under this design (nothing if it has no such part)."""
    found = context.spec.component(component)
    if found is None:
        return []
    targets: list[OutageTarget] = []
    for pool in found.pools:
        group = context.groups.get(pool)
        targets.extend([group] if group is not None else context.stations[pool])
    return targets


def _planned(context: CellContext, target: OutageTarget, at: float, duration: float) -> Visit:
    yield Timeout(context.env, at)
    target.go_down()
    yield Timeout(context.env, duration)
    target.come_up()


def _injected(context: CellContext, record: FaultRecord) -> Visit:
    env, tally, fault, warmup = context.env, context.tally, record.fault, context.warmup
    reference = warmup if fault.at > warmup else 0.0
    yield Timeout(env, reference)
    area_before = tally.backlog_area_now()
    yield Timeout(env, fault.at - reference)
    span = fault.at - reference
    level = (tally.backlog_area_now() - area_before) / span if span > 0 else float(tally.wip)
    for target in record.targets:
        target.watch = tally
        target.go_down()
    yield Timeout(env, fault.duration)
    for target in record.targets:
        target.come_up()
        target.watch = None
    record.ended_at = env.now
    tally.expect_recovery(level)

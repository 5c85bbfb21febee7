"""Outages: a system's planned maintenance windows, and the fault a scenario injects.

A fault scenario stops one component (``engine``, ``coordinator``, ``broker``,
``control-plane``, ``controller:DOMAIN`` or ``system:NAME``) at ``at`` for ``duration``. What
that component is depends on the design (``Design.outage_targets``); a design without it (a
federated candidate under an ``engine`` outage) runs the scenario fault-free, which is the
honest answer to "what does an engine outage do to a platform that has no engine".

While the fault lasts, the tally watches the stopped stations: every workflow that has to wait
for one of them counts once in ``stalled_workflows``. Before the fault, the backlog's time
average since the warm-up (or since time 0 when the fault comes first) is its **pre-fault
level**; ``recovery_time`` runs from the end of the outage until the backlog is back at that
level or below (``inf`` if the run ends first).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from simpy.events import Process, Timeout

from evalkit.sim.designs.base import OutageTarget
from evalkit.sim.station import Visit
from evalkit.study import Fault

if TYPE_CHECKING:
    from evalkit.sim.model import Model

__all__ = ["FaultRecord", "schedule_outages"]


class FaultRecord:
    """What a scenario's fault did: whether it hit anything, and when it ended."""

    def __init__(self, fault: Fault, targets: list[OutageTarget]) -> None:
        self.fault = fault
        self.targets = targets
        self.ended_at: float | None = None

    def metrics(self, model: Model) -> dict[str, float]:
        tally = model.tally
        if not self.targets:
            return {"stalled_workflows": 0.0, "recovery_time": 0.0}
        recovery = math.inf
        if self.ended_at is not None and tally.recovered_at is not None:
            recovery = tally.recovered_at - self.ended_at
        return {"stalled_workflows": float(tally.stalled), "recovery_time": recovery}


def schedule_outages(model: Model, fault: Fault | None) -> FaultRecord | None:
    """Start the processes that take stations down and up; the fault's record, if any."""
    for system in model.study.workload.systems:
        for window in system.outages:
            Process(model.env, _planned(model, model.systems[system.name], window.at, window.duration))
    if fault is None:
        return None
    targets = _targets(model, fault.component)
    record = FaultRecord(fault, targets)
    if targets:
        Process(model.env, _injected(model, record))
    return record


def _targets(model: Model, component: str) -> list[OutageTarget]:
    kind, _, name = component.partition(":")
    if kind == "system":
        return [model.systems[name]] if name in model.systems else []
    return model.design.outage_targets(component)


def _planned(model: Model, target: OutageTarget, at: float, duration: float) -> Visit:
    yield Timeout(model.env, at)
    target.go_down()
    yield Timeout(model.env, duration)
    target.come_up()


def _injected(model: Model, record: FaultRecord) -> Visit:
    env, tally, fault = model.env, model.tally, record.fault
    reference = model.study.traffic.warmup if fault.at > model.study.traffic.warmup else 0.0
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

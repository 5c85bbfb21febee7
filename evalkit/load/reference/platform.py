"""A reference platform: one candidate's design running the study's process live.

``Platform`` starts workflows as asyncio tasks on the candidate's design, remembers each one's
status and timings (the most recent ``MAX_RECORDS``), injects outages, reports its accounting and
can cancel everything in flight between load stages. It must be built inside a running event
loop. The HTTP face is ``evalkit.load.reference.app``; this module knows nothing of HTTP.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from evalkit.design import DrawSource, design_spec
from evalkit.design.routing import Routing
from evalkit.load.reference.executor import Executor, Trace
from evalkit.load.reference.runtime import Runtime
from evalkit.load.reference.sampling import GeneratorDraws
from evalkit.load.reference.telemetry import snapshot
from evalkit.load.reference.workflow import WorkflowRun
from evalkit.metrics import WORKFLOW_COUNTERS
from evalkit.study import Study

__all__ = ["MAX_RECORDS", "Platform", "WorkflowRecord"]

MAX_RECORDS = 200_000


@dataclass
class WorkflowRecord:
    """One workflow's status and timings (real loop times)."""

    id: str
    started: float
    status: str = "running"
    ended: float | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    def as_json(self, origin: float, time_scale: float) -> dict[str, Any]:
        """Status and timings in study seconds since the platform started."""
        started = (self.started - origin) / time_scale
        body: dict[str, Any] = {"id": self.id, "status": self.status, "started": started}
        if self.ended is not None:
            body["ended"] = (self.ended - origin) / time_scale
            body["cycle_time"] = (self.ended - self.started) / time_scale
        return body


class Platform:
    """The live platform of one candidate (build it inside a running loop)."""

    def __init__(
        self,
        study: Study,
        candidate: str,
        *,
        time_scale: float,
        seed: int | None = None,
        draws: DrawSource | None = None,
        trace: Trace | None = None,
    ) -> None:
        """``draws`` replaces the platform's random numbers and ``trace`` sees every visit (for tests)."""
        self.study = study
        self.candidate = study.candidate(candidate)
        self.time_scale = time_scale
        self.spec = design_spec(study, self.candidate)
        routing = Routing.of(study, self.spec.plan)
        #: Decisions, loops, waits or a mix: the shared routing rules drive the walk.
        self.routing = None if routing.plain else routing
        if draws is None:
            index = [c.name for c in study.candidates].index(candidate)
            entropy = study.seed if seed is None else seed
            sequence = np.random.SeedSequence(entropy=entropy, spawn_key=(0x5E4E, index))
            draws = GeneratorDraws(self.spec.plan, np.random.default_rng(sequence), routed=self.routing is not None)
        self.draws = draws
        self.runtime = Runtime(self.spec, time_scale=time_scale)
        self.executor = Executor(self.runtime, draws, trace)
        self.records: OrderedDict[str, WorkflowRecord] = OrderedDict()
        self._ids = itertools.count(1)
        self._clock = asyncio.get_running_loop().time
        self.origin = self._clock()

    @property
    def in_flight(self) -> int:
        counters = self.runtime.counters
        return counters["started"] - sum(counters[s] for s in ("completed", "failed", "lost", "cancelled"))

    def type_index(self, name: str) -> int:
        """The index of a mix's workflow type by name; ``KeyError`` (naming the known ones) if none."""
        names = [kind.name for kind in self.routing.types] if self.routing is not None else []
        if name not in names:
            raise KeyError(f"unknown workflow type {name!r}; this study has: {', '.join(names) or 'no mix'}")
        return names.index(name)

    def start(self, workflow_type: int | None = None) -> WorkflowRecord:
        """Start one workflow; a refusal (outage with ``on_outage: reject``) is recorded as lost.

        ``workflow_type``: the type the caller chose (a load generator naming it in the start call),
        instead of the one the workflow's own coin draws.
        """
        record = WorkflowRecord(f"wf-{next(self._ids)}", self._clock())
        self.runtime.counters["started"] += 1
        self._remember(record)
        run = WorkflowRun(
            self.spec, self.executor, self.runtime, self.draws, self.draws.deal(), self.routing, workflow_type
        )
        if run.refused():
            self._finish(record, "lost")
            return record
        record.task = asyncio.create_task(self._drive(record, run))
        return record

    async def _drive(self, record: WorkflowRecord, run: WorkflowRun) -> None:
        try:
            outcome = await run.execute()
        except asyncio.CancelledError:
            self._finish(record, "cancelled")
            raise
        self._finish(record, outcome)

    def _finish(self, record: WorkflowRecord, status: str) -> None:
        record.status = status
        record.ended = self._clock()
        self.runtime.counters[status] += 1

    def _remember(self, record: WorkflowRecord) -> None:
        self.records[record.id] = record
        while len(self.records) > MAX_RECORDS:
            oldest = next(iter(self.records.values()))
            if oldest.ended is None:  # never forget a running workflow
                break
            self.records.popitem(last=False)

    async def wait(self, record: WorkflowRecord) -> None:
        """Until the workflow ends; a caller that goes away does not cancel the workflow."""
        if record.task is not None and not record.task.done():
            await asyncio.shield(record.task)

    def inject(self, component: str, study_seconds: float) -> None:
        """An outage of a component (``KeyError`` if this platform has no such component)."""
        self.runtime.outage(component, study_seconds)

    @property
    def components(self) -> tuple[str, ...]:
        return self.runtime.components

    def metrics(self) -> dict[str, Any]:
        counters = {name: self.runtime.counters[name] for name in _COUNTERS}
        counters["in_flight"] = self.in_flight
        body = snapshot(self.runtime.totals(), counters, now=self._clock() - self.origin, time_scale=self.time_scale)
        body.update(candidate=self.candidate.name, design=self.candidate.design, time_scale=self.time_scale)
        return body

    async def reset(self) -> int:
        """Cancel every workflow in flight (between load stages); returns how many were cancelled."""
        running = [r.task for r in self.records.values() if r.task is not None and not r.task.done()]
        for task in running:
            task.cancel()
        self.executor.cancel_duplicates()
        await asyncio.gather(*running, return_exceptions=True)
        return len(running)


_COUNTERS = WORKFLOW_COUNTERS

"""The random numbers a replication deals to its workflows, drawn a block at a time.

Each workflow is dealt, at arrival and in arrival order, the service time of every step's first
attempt, one coin per step deciding whether that attempt raises its exception, and the coin that
picks its broker partition. Because they are drawn per workflow rather than when a step happens
to run, workflow *i* gets the same numbers under every design (common random numbers, workflow
by workflow), even though the designs run steps in different orders and at different times.
Drawing a block of 1024 workflows' numbers per NumPy call keeps the cost per number tiny.

Everything a design asks for on demand (a retry's new service time and coin, a person's
resolution time, the automation coin of a human exception, a duplicate delivery's coin and
work) comes from the streams' ``extra`` generators through ``Batch``es, in event order: this
source answers the keyed requests of ``evalkit.design.draws.DrawSource`` but ignores the keys (a
retry's and a duplicate's service times of one step come from one batch; exception and
automation coins from another).
"""

from __future__ import annotations

import numpy as np

from evalkit.design.draws import Dealt
from evalkit.design.process import Plan
from evalkit.dists import BATCH_SIZE, Batch, sample
from evalkit.sim.streams import Streams

__all__ = ["Draws"]


class Draws:
    """Per-workflow blocks and on-demand batches of one replication's random numbers."""

    def __init__(self, plan: Plan, streams: Streams, block: int = BATCH_SIZE, *, routed: bool = False) -> None:
        """``routed``: also deal routing coins (a process with decisions, loops or a mix)."""
        self._plan = plan
        self._routed = routed
        self._streams = streams
        self._block = block
        self._rows: list[Dealt] = []
        self._next = 0
        extra = streams.service.extra
        self._service = [Batch.of(step.service, extra) for step in plan.steps]
        # Only a step whose exceptions go to people has a resolution time to draw.
        resolutions = [getattr(step.exception, "resolution_time", None) for step in plan.steps]
        self._resolution = [Batch.of(time, extra) if time is not None else None for time in resolutions]
        self._coin = Batch.uniform(streams.exceptions.extra)
        self._duplicate = Batch.uniform(streams.routing.extra)
        self._route = Batch.uniform(streams.routing.extra)

    def deal(self) -> Dealt:
        """The next workflow's first-attempt service times, exception coins and partition coin."""
        if self._next == len(self._rows):
            self._rows = self._deal()
            self._next = 0
        row = self._rows[self._next]
        self._next += 1
        return row

    def service(self, step: int, attempt: int) -> float:
        return self._service[step]()

    def exception(self, step: int, attempt: int) -> float:
        return self._coin()

    def automation(self, step: int) -> float:
        return self._coin()

    def resolution(self, step: int) -> float:
        return self._resolution[step]()  # type: ignore[misc]  # only steps whose exception goes to people ask

    def duplicate(self, step: int, attempt: int) -> float:
        return self._duplicate()

    def duplicate_service(self, step: int, attempt: int) -> float:
        return self._service[step]()

    def route(self, step: int, attempt: int) -> float:
        return self._route()

    def _deal(self) -> list[Dealt]:
        size, steps = self._block, self._plan.steps
        service = np.empty((size, len(steps)))
        for column, step in enumerate(steps):
            service[:, column] = sample(step.service, self._streams.service.per_workflow, size)
        luck = self._streams.exceptions.per_workflow.random((size, len(steps)))
        partition = self._streams.routing.per_workflow.random(size)
        rows = zip(service.tolist(), luck.tolist(), partition.tolist(), strict=True)
        if not self._routed:
            return [Dealt(*row) for row in rows]
        # Drawn after the partition coins, so a plain process's numbers do not move.
        route = self._streams.routing.per_workflow.random((size, len(steps))).tolist()
        kinds = self._streams.routing.per_workflow.random(size).tolist()
        return [Dealt(*row, coins, kind) for row, coins, kind in zip(rows, route, kinds, strict=True)]

"""Executing a design spec's visits live, with asyncio: holds, delays, waits, consumers.

The asyncio counterpart of ``evalkit.sim.execute``: the same visit elements of the design spec
(``evalkit.design.spec``), carried out on the runtime's pools with real sleeps.

- ``Hold``: hold the pool (the workflow's own partition of a partitioned pool) for the drawn
  duration the caller passes, or the fixed demand; with ``lost_if_down`` a pool in an outage
  refuses it and the workflow ends as lost;
- ``Delay``: a real sleep (none for zero) of the fixed time, or of the drawn duration the caller
  passes (a wait for an outside event);
- ``AwaitUp``: wait until the workflow's unit of the pool is out of its outage;
- ``Occupy``: maybe start a duplicate delivery (a task of its own, with its own drawn work, kept
  until it ends or the platform is reset), then hold a unit of the pool while the inner visits
  run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol

from evalkit.design import AwaitUp, Delay, DrawSource, Hold, Occupy, Visit
from evalkit.load.reference.runtime import Runtime

__all__ = ["Executor", "Trace", "WorkflowEndedError"]

#: Told of each visit: (workflow, kind, pool, duration); kind is "hold", "occupy" (a consumer held
#: for the work inside) or "duplicate" (a duplicated delivery's consumer and work).
Trace = Callable[[Any, str, str, float], None]


class WorkflowEndedError(Exception):
    """The workflow ends early: ``failed`` or ``lost``."""

    def __init__(self, outcome: str) -> None:
        super().__init__(outcome)
        self.outcome = outcome


class Keyed(Protocol):
    """A workflow as the executor needs it: its partition coin."""

    partition: float


class Executor:
    """Runs a design spec's visit sequences on a runtime's pools."""

    def __init__(self, runtime: Runtime, draws: DrawSource, trace: Trace | None = None) -> None:
        self.runtime = runtime
        self.draws = draws
        self.trace = trace
        self._duplicates: set[asyncio.Task[None]] = set()

    def refuses(self, run: Keyed, visits: tuple[Visit, ...]) -> bool:
        """Would the first visit be refused right now (a start during an outage that loses work)?"""
        first = visits[0] if visits else None
        return isinstance(first, Hold) and first.lost_if_down and self.runtime.station(first.pool, run.partition).down

    async def run(
        self, run: Keyed, visits: tuple[Visit, ...], duration: float = 0.0, step: int = -1, attempt: int = 0
    ) -> None:
        """Carry out ``visits`` for a workflow; drawn holds last ``duration`` study seconds."""
        for visit in visits:
            if isinstance(visit, Hold):
                pool = self.runtime.station(visit.pool, run.partition)
                if visit.lost_if_down and pool.down:
                    raise WorkflowEndedError("lost")
                seconds = duration if visit.drawn else visit.demand.mean
                self._trace(run, "hold", visit.pool, seconds)
                await self.runtime.hold(pool, seconds)
            elif isinstance(visit, Delay):
                await self.runtime.delay(duration if visit.drawn else visit.time.mean)  # drawn: a wait's delay
            elif isinstance(visit, AwaitUp):
                await self.runtime.station(visit.pool, run.partition).until_up()
            else:
                await self._occupy(run, visit, duration, step, attempt)

    async def _occupy(self, run: Keyed, visit: Occupy, duration: float, step: int, attempt: int) -> None:
        probability = visit.duplicate_probability
        if probability and self.draws.duplicate(step, attempt) < probability:
            self.runtime.counters["duplicates"] += 1
            again = [self.draws.duplicate_service(step, attempt) if h.drawn else h.demand.mean for h in visit.inner]
            task = asyncio.create_task(self._consume(run, visit, again, "duplicate"))
            self._duplicates.add(task)  # keep a reference so the duplicate is not collected mid-flight
            task.add_done_callback(self._duplicates.discard)
        holds = [duration if h.drawn else h.demand.mean for h in visit.inner]
        await self._consume(run, visit, holds, "occupy")

    async def _consume(self, run: Keyed, visit: Occupy, holds: list[float], kind: str) -> None:
        consumer = self.runtime.station(visit.pool)
        self._trace(run, kind, visit.pool, sum(holds))
        ends = await consumer.acquire()
        try:
            for inner, seconds in zip(visit.inner, holds, strict=True):
                self._trace(run, "hold" if kind == "occupy" else kind, inner.pool, seconds)
                ends = await self.runtime.hold(self.runtime.station(inner.pool), seconds)
        except BaseException:
            consumer.release()  # cut short (a reset): free now
            raise
        consumer.release(at=ends)  # handed on when the work was due to end (evalkit.load.reference.resources)

    def _trace(self, run: Keyed, kind: str, pool: str, seconds: float) -> None:
        if self.trace is not None:
            self.trace(run, kind, pool, seconds)

    def cancel_duplicates(self) -> None:
        """Stop every duplicate delivery still running (between load stages)."""
        for task in list(self._duplicates):
            task.cancel()

"""Executing a design spec's visits in SimPy: holds, delays, waits for a component, consumers.

The design spec (``evalkit.design.spec``) says what a workflow does under the candidate's
design as sequences of visit elements; ``Executor`` compiles each sequence once into tuples of
stations and numbers and runs them for a workflow:

- ``Hold``: a visit to the pool's station (for a partitioned pool, the workflow's partition),
  for the drawn duration the caller passes (a step's work, a resolution) or the fixed demand.
  With ``lost_if_down`` a station that is down refuses it: the workflow ends as lost;
- ``Delay``: a SimPy timeout (even of zero: its place in the event order is part of the model);
- ``AwaitUp``: while the pool's group is down, count the workflow as stalled and wait for it;
- ``Occupy``: maybe start a duplicate delivery (its own process, drawing its own work), then hold
  a unit of the pool (a consumer) while the inner visits run. The unit's offered work is the
  inner visits' duration, so an overloaded consumer group is flagged like any other station.

``run`` returns False when the workflow was lost on the way, True otherwise. An optional
``trace`` callback sees every hold (the parity test compares it with the reference platform's).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simpy.events import Process, Timeout

from evalkit.design import AwaitUp, Delay, Hold, Occupy, Visit
from evalkit.sim.context import CellContext
from evalkit.sim.flow import LOST, Flow
from evalkit.sim.station import Station
from evalkit.sim.station import Visit as Steps

__all__ = ["Executor", "Ops", "Trace"]

#: Told of each visit: (workflow, kind, pool, duration); kind is "hold", "occupy" (a consumer held
#: for the work inside) or "duplicate" (a duplicated delivery's consumer and work).
Trace = Callable[[Any, str, str, float], None]

_HOLD, _DELAY, _AWAIT, _OCCUPY = 0, 1, 2, 3
Ops = tuple[tuple[Any, ...], ...]


class Executor:
    """Runs compiled visit sequences of one cell's design spec."""

    def __init__(self, context: CellContext, trace: Trace | None = None) -> None:
        self.context = context
        self.env = context.env
        self.tally = context.tally
        self.draws = context.draws
        self.trace = trace
        spec = context.spec
        self.start = self.compile(spec.start)
        self.attempts = [self.compile(step.attempt) for step in spec.steps]
        self.manuals = [self.compile(step.manual) for step in spec.steps]
        matrix = spec.handoff_matrix()
        self.handoffs = None if matrix is None else [[self.compile(edge) for edge in row] for row in matrix]

    def compile(self, visits: tuple[Visit, ...]) -> Ops:
        """Visit elements as tuples of stations and numbers, ready to run."""
        return tuple(self._op(visit) for visit in visits)

    def _op(self, visit: Visit) -> tuple[Any, ...]:
        stations = self.context.stations
        if isinstance(visit, Hold):
            found = stations[visit.pool]
            single = found[0] if len(found) == 1 else None
            return (_HOLD, single, found, visit.demand.mean, visit.drawn, visit.lost_if_down, visit.pool)
        if isinstance(visit, Delay):
            return (_DELAY, visit.time.mean, visit.drawn)
        if isinstance(visit, AwaitUp):
            return (_AWAIT, self.context.groups[visit.pool])
        assert isinstance(visit, Occupy)
        inner = tuple((self.context.station(h.pool), h.demand.mean, h.drawn, h.pool) for h in visit.inner)
        return (_OCCUPY, self.context.station(visit.pool), inner, visit.duplicate_probability, visit.pool)

    def run(self, flow: Flow, ops: Ops, duration: float = 0.0, step: int = -1, attempt: int = 0) -> Steps:
        """Run ``ops`` for ``flow``; drawn holds last ``duration``. False if the workflow was lost."""
        trace = self.trace
        for op in ops:
            kind = op[0]
            if kind == _HOLD:
                _, station, partitions, value, drawn, lost_if_down, pool = op
                if station is None:  # a partitioned pool: the workflow's own partition
                    station = partitions[int(flow.partition * len(partitions))]
                if lost_if_down and station.down:
                    self.tally.end(flow, LOST)
                    return False
                hold = duration if drawn else value
                if trace is not None:
                    trace(flow, "hold", pool, hold)
                yield from station.visit(flow, hold)
            elif kind == _DELAY:
                yield Timeout(self.env, duration if op[2] else op[1])  # drawn: a wait's dealt delay
            elif kind == _AWAIT:
                group = op[1]
                while group.up is not None:
                    if group.watch is not None:
                        group.watch.stall(flow)
                    yield group.up
            else:
                yield from self._occupy(flow, op, duration, step, attempt)
        return True

    def _occupy(self, flow: Flow, op: tuple[Any, ...], duration: float, step: int, attempt: int) -> Steps:
        _, consumers, inner, duplicate_probability, pool = op
        if duplicate_probability and self.draws.duplicate(step, attempt) < duplicate_probability:
            Process(self.env, self._duplicate(flow, op, step, attempt))
        holds = [duration if drawn else value for _, value, drawn, _ in inner]
        for station, *_ in inner:
            if station.down:
                # Its consumers are stuck on the stopped system: waiting for one is waiting for it.
                station.notice_blocked(flow)
        yield from self._consume(flow, consumers, pool, inner, holds, "occupy")

    def _duplicate(self, flow: Flow, op: tuple[Any, ...], step: int, attempt: int) -> Steps:
        _, consumers, inner, _, pool = op
        self.tally.duplicate(flow)
        holds = [self.draws.duplicate_service(step, attempt) if drawn else value for _, value, drawn, _ in inner]
        yield from self._consume(flow, consumers, pool, inner, holds, "duplicate")

    def _consume(
        self, flow: Flow, consumers: Station, pool: str, inner: tuple[Any, ...], holds: list[float], kind: str
    ) -> Steps:
        # A consumer is held for the work: count it as demand on the group, so an overloaded
        # consumer group trips the saturation check like any other station.
        consumers.demand += sum(holds)
        if self.trace is not None:
            self.trace(flow, kind, pool, sum(holds))
        consumer = yield from consumers.acquire(flow)
        for (station, _, _, name), hold in zip(inner, holds, strict=True):
            if self.trace is not None:
                self.trace(flow, "hold" if kind == "occupy" else kind, name, hold)
            yield from station.visit(flow, hold)
        consumers.leave(consumer)
